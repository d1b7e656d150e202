/**
 * The `setupTasks` stack output: where each setup task stands on each instance, as compact JSON that `npm run tasks`
 * reads back (`pulumi up` prints it with the other outputs: the runs the tasks share are listed once). Built from the
 * SsmTasks resource's inputs and task states only: names, statuses, command ids and times, never a command, a hash
 * or a secret.
 */
import type { InstanceTaskStatus, TaskSpec, TaskStates } from "../../dynamic-providers/ssmTasks";
import { taskName } from "../../dynamic-providers/ssmTasks";

export interface SetupTaskRow {
    id: string;
    name: string;
    /** success: done on every instance; failed: failed on one at least; pending: still to run somewhere. */
    status: "success" | "failed" | "pending";
    /** The instances where it is not done (all of them when absent and status is not success). */
    instances?: Record<string, InstanceTaskStatus>;
    /** Its last run: an index into `runs`. */
    run?: number;
}

/** One run of tasks: its SSM command id(s), and when it ended. */
export interface SetupRun {
    commandId: string;
    finishedAt: string;
}

export interface SetupTasksSummary {
    /** on: set up by SsmTasks; off: capblocks:codeServer.setup is false; no-instance: nothing launched yet. */
    setup: "on" | "off" | "no-instance";
    instances: string[];
    runs: SetupRun[];
    tasks: SetupTaskRow[];
}

/** The summary of a setup that exists: the tasks in run order, each with its state (none yet: pending). */
export function setupTasksSummary(tasks: TaskSpec[], variables: Record<string, string>, states: TaskStates, instanceIds: string[]): string {
    const runs: SetupRun[] = [];
    const runOf = (commandId: string, finishedAt: string): number => {
        const known = runs.findIndex((r) => r.commandId === commandId && r.finishedAt === finishedAt);
        return known >= 0 ? known : runs.push({ commandId, finishedAt }) - 1;
    };
    const rows = tasks.map((task): SetupTaskRow => {
        const state = states[task.id];
        const row: SetupTaskRow = { id: task.id, name: taskName(task, variables), status: state?.status ?? "pending" };
        if (state?.instances) row.instances = state.instances;
        if (state?.commandId && state.finishedAt) row.run = runOf(state.commandId, state.finishedAt);
        return row;
    });
    return JSON.stringify({ setup: "on", instances: instanceIds, runs, tasks: rows } satisfies SetupTasksSummary);
}

/** The summary when there is no setup to show: it is off, or no instance runs yet. */
export function noSetupSummary(setup: "off" | "no-instance"): string {
    return JSON.stringify({ setup, instances: [], runs: [], tasks: [] } satisfies SetupTasksSummary);
}
