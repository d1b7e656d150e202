import type { TaskRunLine } from "./output";

/**
 * The progress lines `pulumi up` shows while a run goes on: a line when more instances have finished a task
 * ("SsmTasks: nginx done on 3/3 instances (12 s)"), when a task fails on an instance, and when one asks for a reboot.
 * Fed with the status lines the instances print (./script.ts), as they arrive and again when each instance ends:
 * a line seen twice counts once. Pure: the provider prints what `report` returns.
 */
export interface RunProgress {
    /** Status lines an instance printed (any subset, any number of times). */
    observe(instanceId: string, lines: TaskRunLine[]): void;
    /** The progress lines for what changed since the last report, in task order. */
    report(): string[];
}

interface TaskTally {
    /** Instance → seconds it ran the task (0 for one that skipped it: already done there). */
    done: Map<string, number>;
    ran: Set<string>;
    failed: Map<string, TaskRunLine>;
    rebooting: Set<string>;
    reportedDone: number;
    reportedFailed: Set<string>;
    reportedReboots: Set<string>;
}

/** A failed task's line: the exit code, or what capblocks' wrapper says went wrong around it. */
function failure(line: TaskRunLine): string {
    return line.status === "failed" ? `exit ${line.exitCode}` : line.status === "timedout" ? "timed out" : line.status;
}

export function runProgress(taskIds: string[], instanceCount: number): RunProgress {
    const tallies: TaskTally[] = taskIds.map(() => ({
        done: new Map(),
        ran: new Set(),
        failed: new Map(),
        rebooting: new Set(),
        reportedDone: 0,
        reportedFailed: new Set(),
        reportedReboots: new Set(),
    }));
    const instances = (n: number) => `${n}/${instanceCount} instance${instanceCount === 1 ? "" : "s"}`;
    return {
        observe(instanceId, lines) {
            for (const line of lines) {
                const tally = tallies[line.index];
                if (!tally || taskIds[line.index] !== line.id || tally.done.has(instanceId)) continue;
                if (line.status === "ran" || line.status === "skipped") {
                    tally.done.set(instanceId, line.seconds ?? 0);
                    if (line.status === "ran") tally.ran.add(instanceId);
                    tally.failed.delete(instanceId);
                } else if (line.status === "reboot") {
                    tally.rebooting.add(instanceId);
                } else {
                    tally.failed.set(instanceId, line);
                }
            }
        },
        report() {
            const out: string[] = [];
            tallies.forEach((tally, index) => {
                const id = taskIds[index];
                for (const instanceId of tally.rebooting) {
                    if (tally.reportedReboots.has(instanceId) || tally.done.has(instanceId)) continue;
                    tally.reportedReboots.add(instanceId);
                    out.push(`SsmTasks: ${id} asked for a reboot on ${instanceId}; setup goes on after it`);
                }
                if (tally.done.size > tally.reportedDone) {
                    tally.reportedDone = tally.done.size;
                    const seconds = [...tally.ran].map((i) => tally.done.get(i) ?? 0);
                    const took = seconds.length > 0 ? `${Math.max(...seconds)} s` : "already done";
                    out.push(`SsmTasks: ${id} done on ${instances(tally.done.size)} (${took})`);
                }
                for (const [instanceId, line] of tally.failed) {
                    if (tally.reportedFailed.has(instanceId)) continue;
                    tally.reportedFailed.add(instanceId);
                    out.push(`SsmTasks: ${id} failed on ${instanceId} (${failure(line)})`);
                }
            });
            return out;
        },
    };
}
