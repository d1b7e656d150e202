import { ssmTasksProvider } from "../dynamic-providers/ssmTasks";
import type { Operation, SsmFake } from "../tests/fakes/ssmFake";
import { installSsmFake } from "../tests/fakes/ssmFake";
import type { Stored } from "./engine";
import { engineRefresh, engineUp } from "./engine";
import { executionFloorMs } from "./execFloor";
import type { BenchTask} from "./profile";
import { benchTaskSpecs, sumSeconds } from "./profile";
import type { CallCounts} from "./stats";
import { callsBetween, timed } from "./stats";

export interface SsmLatency {
    dispatchMs: number;
    apiMs: number;
}

export type SsmCaseName = "create" | "no-op up" | "one changed task" | "refresh";

/** One measured run of one case. */
export interface SsmRun {
    case: SsmCaseName;
    instances: number;
    wallMs: number;
    /** Sum of the run times of the tasks the case must run, plus one dispatch (0 when nothing must be sent). */
    idealMs: number;
    /** The same script run directly with sh on this machine, plus one dispatch: the fake's own floor. */
    machineIdealMs?: number;
    calls: CallCounts;
}

export interface SsmSequence {
    instances: number;
    runs: SsmRun[];
    /** The first script each case sent. */
    scripts: Map<SsmCaseName, string>;
}

export const MARKER_DIR = "/var/lib/capblocks-bench/tasks";
const CHANGED_TASK = "nginx";
const OPERATIONS: Operation[] = ["SendCommand", "ListCommandInvocations", "GetCommandInvocation", "DescribeInstanceInformation"];

export function instanceIds(count: number, offset = 0): string[] {
    return Array.from({ length: count }, (_, i) => `i-0be0c${(offset + i).toString(16).padStart(12, "0")}`);
}

function countsOf(fake: SsmFake): CallCounts {
    return Object.fromEntries(OPERATIONS.map((op) => [op, fake.count(op)]));
}

/** The profile with one task's commands edited (`variant` 1, 2, …): its hash changes, so an `up` must run it again. */
function withChangedTask(tasks: BenchTask[], variant: number) {
    return benchTaskSpecs(tasks).map((t) => (t.id === CHANGED_TASK && variant > 0 ? { ...t, commands: [...t.commands, `: change ${variant}`] } : t));
}

/**
 * create, then `repeats` × each of no-op up, one changed task and refresh, on a fresh fake fleet, through the
 * real SsmTasks provider as the engine drives it. Returns the runs and, per case, the first script it sent.
 */
export async function runSsmSequence(tasks: BenchTask[], instances: number, latency: SsmLatency, repeats: number): Promise<SsmSequence> {
    const ids = instanceIds(instances);
    const fake = installSsmFake({
        instances: ids,
        markerDir: MARKER_DIR,
        dispatchDelayMs: latency.dispatchMs,
        latencyMs: Object.fromEntries(OPERATIONS.map((op) => [op, latency.apiMs])),
    });
    const provider = ssmTasksProvider;
    const news = (specs: ReturnType<typeof benchTaskSpecs>) => ({ instanceIds: ids, tasks: specs, variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR });
    const changedSeconds = tasks.find((t) => t.id === CHANGED_TASK)?.seconds ?? 0;
    const runs: SsmRun[] = [];
    const floors = new Map<SsmCaseName, string>();
    try {
        let stored: Stored | undefined;
        let variant = 0;
        const measure = async (name: SsmCaseName, idealRunSeconds: number | undefined, work: () => Promise<Stored>) => {
            const before = countsOf(fake);
            const sentBefore = fake.sentScripts().length;
            const { ms, value } = await timed(work);
            stored = value;
            const sent = fake.sentScripts().slice(sentBefore);
            if (sent.length > 0 && !floors.has(name)) floors.set(name, sent[0]);
            runs.push({
                case: name,
                instances,
                wallMs: ms,
                idealMs: idealRunSeconds === undefined ? 0 : idealRunSeconds * 1000 + latency.dispatchMs,
                calls: callsBetween(before, countsOf(fake)),
            });
        };
        await measure("create", sumSeconds(tasks), async () => (await engineUp(provider, news(withChangedTask(tasks, variant)))).stored);
        for (let i = 0; i < repeats; i++) {
            await measure("no-op up", undefined, async () => (await engineUp(provider, news(withChangedTask(tasks, variant)), stored)).stored);
        }
        for (let i = 0; i < repeats; i++) {
            variant += 1;
            await measure("one changed task", changedSeconds, async () => (await engineUp(provider, news(withChangedTask(tasks, variant)), stored)).stored);
        }
        for (let i = 0; i < repeats; i++) await measure("refresh", 0, () => engineRefresh(provider, stored as Stored));
        await fake.settled();
    } finally {
        fake.restore();
    }
    return { instances, runs, scripts: floors };
}

/** Re-runs each case's script directly with sh on as many fresh roots: sets each run's machine ideal. */
export async function measureFloors(sequence: SsmSequence, latency: SsmLatency): Promise<void> {
    for (const [name, script] of sequence.scripts) {
        const machineIdealMs = (await executionFloorMs(script, MARKER_DIR, sequence.instances)) + latency.dispatchMs;
        for (const run of sequence.runs) if (run.case === name) run.machineIdealMs = machineIdealMs;
    }
}
