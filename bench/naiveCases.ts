import { SSMClient } from "@aws-sdk/client-ssm";
import type { TaskSpec } from "../dynamic-providers/ssmTasks";
import type { Operation } from "../tests/fakes/ssmFake";
import { installSsmFake } from "../tests/fakes/ssmFake";
import { runNaive } from "./naiveRunner";
import type { SsmLatency } from "./ssmCases";
import { instanceIds, MARKER_DIR } from "./ssmCases";
import type { CallCounts } from "./stats";

export interface NaiveRun {
    instances: number;
    wallMs: number;
    calls: CallCounts;
    /** How the figures were obtained when not measured on that many instances. */
    estimatedFrom?: number;
}

const OPERATIONS: Operation[] = ["SendCommand", "GetCommandInvocation"];

/**
 * The naive baseline on `small` and `medium` instances at once (one fake, disjoint instances: the runner
 * sleeps 5 s between polls, so the two barely interact), and `large` estimated from the medium run: calls
 * scale per instance, and each extra instance adds its calls' latency to the runner's serial loops (a lower
 * bound: extra poll rounds the longer loops would cause are not counted).
 */
export async function runNaiveCases(tasks: TaskSpec[], latency: SsmLatency, small: number, medium: number, large: number): Promise<NaiveRun[]> {
    const smallIds = instanceIds(small, 0x100);
    const mediumIds = instanceIds(medium, 0x200);
    const fake = installSsmFake({
        instances: [...smallIds, ...mediumIds],
        markerDir: MARKER_DIR,
        dispatchDelayMs: latency.dispatchMs,
        latencyMs: Object.fromEntries(OPERATIONS.map((op) => [op, latency.apiMs])),
    });
    try {
        const client = new SSMClient({ region: "us-east-1" });
        const [a, b] = await Promise.all([runNaive(client, smallIds, tasks), runNaive(client, mediumIds, tasks)]);
        await fake.settled();
        const scale = large / medium;
        const perInstanceCalls = Object.values(b.calls).reduce((s, n) => s + n, 0) / medium;
        return [
            { instances: small, ...a },
            { instances: medium, ...b },
            {
                instances: large,
                wallMs: b.wallMs + (large - medium) * perInstanceCalls * latency.apiMs,
                calls: Object.fromEntries(Object.entries(b.calls).map(([op, n]) => [op, Math.round(n * scale)])),
                estimatedFrom: medium,
            },
        ];
    } finally {
        fake.restore();
    }
}
