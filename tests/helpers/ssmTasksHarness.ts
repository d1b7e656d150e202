import type * as pulumi from "@pulumi/pulumi";
import type { SsmTasksOutputs, TaskSpec } from "../../dynamic-providers/ssmTasks";
import { CLOCK_HOOK_KEY } from "../../dynamic-providers/shared/clock";
import type { Clock } from "../../dynamic-providers/shared/clock";

/** What the providers told the user under fastClock (progress lines, notices), oldest first; tests may empty it. */
export const notices: string[] = [];

/** Real time (the fake runs real processes) but every provider wait capped at 10 ms; notices are kept, not printed. */
export const fastClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
    notify: (message) => void notices.push(message),
};

/** Puts `clock` on the providers' clock hook; the returned function puts back what was there. */
export function installClock(clock: Clock): () => void {
    const globals = globalThis as Record<string, unknown>;
    const previous = globals[CLOCK_HOOK_KEY];
    globals[CLOCK_HOOK_KEY] = clock;
    return () => {
        globals[CLOCK_HOOK_KEY] = previous;
    };
}

/** The providers of the enclosing mocha suite wait on `clock`. */
export function useClock(clock: Clock): void {
    let restore = () => {};
    before(() => {
        restore = installClock(clock);
    });
    after(() => restore());
}

export const MARKER_DIR = "/capblocks-test/markers";

interface UpResult {
    outs: SsmTasksOutputs;
    error?: Error & { id?: string; properties?: SsmTasksOutputs };
    updated: boolean;
}

/** What the Pulumi engine does on `up` with a dynamic resource: check, then create or diff + update. */
export async function up(
    provider: pulumi.dynamic.ResourceProvider,
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
