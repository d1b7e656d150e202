import type { TaskRunLine } from "./output";
import type { PreparedTask } from "./template";

/** Per-task record kept in Pulumi state. Keys are omitted, never undefined (the provider host rejects undefined). */
export interface TaskState {
    hash: string;
    status: "success" | "failed" | "pending";
    commandId?: string;
    finishedAt?: string;
}

export type TaskStates = Record<string, TaskState>;

/** What the previous state says about where tasks ran. */
export interface PriorRun {
    taskStates: TaskStates;
    instanceIds: string[];
    markerDir: string;
}

/** True when some instance has not been through the prior run (new instance or new marker dir). */
function everythingMustBeChecked(prior: PriorRun | undefined, instanceIds: string[], markerDir: string): boolean {
    if (!prior) return true;
    if (prior.markerDir !== markerDir) return true;
    const known = new Set(prior.instanceIds);
    return instanceIds.some((id) => !known.has(id));
}

/**
 * The tasks an `up` must send, in file order: new, changed or not successful ones. When an instance
 * is new, every task is sent; the wrappers skip what an instance already has (marker = hash).
 */
export function tasksToRun(tasks: PreparedTask[], prior: PriorRun | undefined, instanceIds: string[], markerDir: string): PreparedTask[] {
    if (everythingMustBeChecked(prior, instanceIds, markerDir)) return tasks;
    return tasks.filter((task) => {
        const state = prior?.taskStates[task.id];
        return !state || state.hash !== task.hash || state.status !== "success";
    });
}

/** Diff: does an `up` have anything to do? (Names, descriptions and timeouts alone do not count.) */
export function hasPendingWork(tasks: PreparedTask[], prior: PriorRun, instanceIds: string[], markerDir: string): boolean {
    const sameTaskSet =
        tasks.length === Object.keys(prior.taskStates).length && tasks.every((t) => t.id in prior.taskStates);
    const sameInstances =
        instanceIds.length === prior.instanceIds.length && instanceIds.every((id) => prior.instanceIds.includes(id));
    return !sameTaskSet || !sameInstances || tasksToRun(tasks, prior, instanceIds, markerDir).length > 0;
}

/** A task's outcome on one instance: its status line, or nothing if the run stopped before it. */
type InstanceOutcome = Map<number, TaskRunLine>;

/** One run of `sent` tasks as the instances reported it, one outcome per instance. */
interface RunReport {
    sent: PreparedTask[];
    outcomes: InstanceOutcome[];
    commandId: string;
    finishedAt: string;
}

/**
 * States after a run: success where every instance ran or skipped a sent task, failed where some instance
 * failed it (or capblocks' wrapper failed around it), pending where the run stopped before it or contact with the
 * instance was lost. Tasks not sent keep their state.
 */
export function statesAfterRun(tasks: PreparedTask[], prior: TaskStates, { sent, outcomes, commandId, finishedAt }: RunReport): TaskStates {
    const states: TaskStates = {};
    for (const task of tasks) {
        const index = sent.indexOf(task);
        if (index < 0) {
            states[task.id] = prior[task.id] ?? { hash: task.hash, status: "pending" };
            continue;
        }
        const lines = outcomes.map((o) => o.get(index));
        if (lines.every((l) => l && (l.status === "ran" || l.status === "skipped"))) {
            states[task.id] = { hash: task.hash, status: "success", commandId, finishedAt };
        } else if (lines.some((l) => l && l.status !== "ran" && l.status !== "skipped" && l.status !== "reboot")) {
            states[task.id] = { hash: task.hash, status: "failed", commandId, finishedAt };
        } else {
            states[task.id] = { hash: task.hash, status: "pending" };
        }
    }
    return states;
}

/** States before anything ran (create, or tasks added): recorded so a failed run still has them. */
export function initialStates(tasks: PreparedTask[], prior: TaskStates): TaskStates {
    return Object.fromEntries(tasks.map((t) => [t.id, prior[t.id] ?? { hash: t.hash, status: "pending" as const }]));
}

/**
 * States after refresh read the markers: a task whose marker is missing (or differs) on any instance
 * that answered becomes pending (or stays failed), so the next `up` runs it again. A task applied
 * everywhere becomes success. `applied` holds one row per instance that answered (all false for an
 * instance that no longer exists); with no rows nothing is known and the states stay as they were.
 */
export function statesAfterRead(prior: TaskStates, order: string[], applied: boolean[][]): TaskStates {
    if (applied.length === 0) return prior;
    const states: TaskStates = {};
    order.forEach((id, index) => {
        const state = prior[id];
        const everywhere = applied.every((flags) => flags[index]);
        if (everywhere) {
            states[id] = state.status === "success" ? state : { hash: state.hash, status: "success" };
        } else {
            states[id] = state.status === "failed" ? state : { hash: state.hash, status: "pending" };
        }
    });
    return states;
}
