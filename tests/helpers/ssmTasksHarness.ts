import { makeSsmTasksProvider, SsmTasksOutputs, TaskSpec } from "../../dynamic-providers/ssmTasks";
import { Clock } from "../../dynamic-providers/ssmTasks/runner";

/** Real time (the fake runs real processes) but every provider wait capped at 10 ms. */
export const fastClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
};

export const MARKER_DIR = "/capblocks-test/markers";

export interface UpResult {
    outs: SsmTasksOutputs;
    error?: Error & { id?: string; properties?: SsmTasksOutputs };
    updated: boolean;
}

/** What the Pulumi engine does on `up` with a dynamic resource: check, then create or diff + update. */
export async function up(
    provider: ReturnType<typeof makeSsmTasksProvider>,
    news: Record<string, unknown>,
    prior?: { id: string; outs: SsmTasksOutputs },
): Promise<UpResult & { id: string }> {
    const checked = await provider.check!(prior?.outs ?? {}, news);
    if (checked.failures && checked.failures.length > 0) {
        throw new Error(`check failed: ${checked.failures.map((f) => f.reason).join("; ")}`);
    }
    try {
        if (!prior) {
            const created = await provider.create(checked.inputs);
            return { id: created.id, outs: created.outs as SsmTasksOutputs, updated: true };
        }
        const diff = await provider.diff!(prior.id, prior.outs, checked.inputs);
        if (!diff.changes) return { id: prior.id, outs: prior.outs, updated: false };
        const updated = await provider.update!(prior.id, prior.outs, checked.inputs);
        return { id: prior.id, outs: updated.outs as SsmTasksOutputs, updated: true };
    } catch (e) {
        const error = e as Error & { id?: string; properties?: SsmTasksOutputs };
        if (!error.id || !error.properties) throw e;
        return { id: error.id, outs: error.properties, error, updated: true };
    }
}

/** A task that records each run in $HOME/runs.log ($HOME is the fake instance's root). */
export function recordingTask(id: string, extra: string[] = []): TaskSpec {
    return { id, name: `Task ${id}`, commands: [...extra, `echo ${id} >> "$HOME/runs.log"`] };
}
