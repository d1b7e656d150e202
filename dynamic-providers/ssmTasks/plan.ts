import type { TaskRunLine } from "./output";
import type { PreparedTask } from "./template";

/** Per-task record kept in Pulumi state. Keys are omitted, never undefined (the provider host rejects undefined). */
export interface TaskState {
    hash: string;
    status: "success" | "failed" | "pending";
    commandId?: string;
    finishedAt?: string;
    /** The `rerun` token that salts `hash` (./rerun.ts): kept so that the same token, or none, changes nothing later. */
    rerunToken?: string;
    /** When the task is not done everywhere: the instances where it is not, and whether it failed or is still to run there. */
    instances?: Record<string, InstanceTaskStatus>;
}

/** A task's status on one instance where it is not done. */
export type InstanceTaskStatus = "failed" | "pending";

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

/**
 * What the next run sends, as the line diff prints (so `pulumi preview` shows it, a dry run): the tasks it runs, and
 * how many stay as they are. None when it sends nothing.
 */
export function plannedRunLine(run: PreparedTask[], tasks: PreparedTask[], instanceCount: number): string | undefined {
    if (run.length === 0) return undefined;
    const kept = tasks.length - run.length;
    const rest = kept > 0 ? `; the other ${kept} ${kept === 1 ? "is" : "are"} done and will not run` : "; an instance skips each one it already has";
    return `SsmTasks: up will run ${run.map((t) => t.id).join(", ")} on ${instanceCount} instance${instanceCount === 1 ? "" : "s"}${rest}`;
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

/** One run of `sent` tasks as the instances reported it: one outcome per instance, in `instanceIds` order. */
interface RunReport {
    sent: PreparedTask[];
    instanceIds: string[];
    outcomes: InstanceOutcome[];
    commandId: string;
    finishedAt: string;
}

/** A new state for a task, with its rerun salt when it has one (keys are omitted, never undefined). */
function stateOf(task: PreparedTask, status: TaskState["status"], extra: Omit<TaskState, "hash" | "status"> = {}): TaskState {
    return { hash: task.hash, status, ...extra, ...(task.rerunToken === undefined ? {} : { rerunToken: task.rerunToken }) };
}

function instanceStatus(line: TaskRunLine | undefined): "done" | InstanceTaskStatus {
    if (!line || line.status === "reboot") return "pending";
    return line.status === "ran" || line.status === "skipped" ? "done" : "failed";
}

/**
 * States after a run: success where every instance ran or skipped a sent task, failed where some instance
 * failed it (or capblocks' wrapper failed around it), pending where the run stopped before it or contact with the
 * instance was lost; a task not done everywhere lists the instances where it is not. Tasks not sent keep their state.
 */
export function statesAfterRun(tasks: PreparedTask[], prior: TaskStates, { sent, instanceIds, outcomes, commandId, finishedAt }: RunReport): TaskStates {
    const states: TaskStates = {};
    for (const task of tasks) {
        const index = sent.indexOf(task);
        if (index < 0) {
            states[task.id] = prior[task.id] ?? stateOf(task, "pending");
            continue;
        }
        const perInstance = outcomes.map((o) => instanceStatus(o.get(index)));
        const notDone = Object.fromEntries(
            instanceIds.flatMap((id, i) => (perInstance[i] === "done" ? [] : [[id, perInstance[i] as InstanceTaskStatus]])),
        );
        if (perInstance.every((s) => s === "done")) {
            states[task.id] = stateOf(task, "success", { commandId, finishedAt });
        } else if (perInstance.includes("failed")) {
            states[task.id] = stateOf(task, "failed", { commandId, finishedAt, instances: notDone });
        } else {
            states[task.id] = stateOf(task, "pending", { instances: notDone });
        }
    }
    return states;
}

/** States before anything ran (create, or tasks added): recorded so a failed run still has them. */
export function initialStates(tasks: PreparedTask[], prior: TaskStates): TaskStates {
    return Object.fromEntries(tasks.map((t) => [t.id, prior[t.id] ?? stateOf(t, "pending")]));
}

/** What one instance's markers say after refresh: per task (in the order read), whether it holds the task's hash. */
export interface MarkerRow {
    instanceId: string;
    applied: boolean[];
}

/**
 * States after refresh read the markers: a task whose marker is missing (or differs) on any instance
 * that answered becomes pending (or stays failed), so the next `up` runs it again, and lists those instances. A task
 * applied everywhere becomes success. `rows` holds one row per instance that answered (all false for an instance
 * that no longer exists); with no rows nothing is known and the states stay as they were.
 */
export function statesAfterRead(prior: TaskStates, order: string[], rows: MarkerRow[]): TaskStates {
    if (rows.length === 0) return prior;
    const states: TaskStates = {};
    order.forEach((id, index) => {
        const { instances: before, ...state } = prior[id];
        const missing = rows.filter((row) => !row.applied[index]);
        if (missing.length === 0) {
            states[id] = state.status === "success" ? prior[id] : { ...withoutRun(state), status: "success" };
            return;
        }
        const instances = Object.fromEntries(missing.map((row) => [row.instanceId, before?.[row.instanceId] === "failed" ? "failed" : "pending"] as const));
        states[id] = state.status === "failed" ? { ...state, instances } : { ...withoutRun(state), status: "pending", instances };
    });
    return states;
}

/** A state without the run it came from (a task found pending, or found done outside a run, has none). */
function withoutRun({ hash, status, rerunToken }: TaskState): TaskState {
    return rerunToken === undefined ? { hash, status } : { hash, status, rerunToken };
}
