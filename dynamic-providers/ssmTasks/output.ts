import { MAX_REBOOTS_IN_A_ROW, REBOOT_EXIT_CODE } from "./script";

/** Parsing what the run and marker scripts print (see ./script.ts). Tolerates SSM's output cuts. */

/** A task's outcome on one instance; the ones after "failed" come from the wrapper, not the task's commands. */
type TaskRunStatus = "ran" | "skipped" | "failed" | "timedout" | "reboot" | "reboots" | "locked" | "busy" | "nostart" | "unmarked" | "wrapper";

export interface TaskRunLine {
    index: number;
    status: TaskRunStatus;
    exitCode: number;
    id: string;
    /** How long a task that ran took on the instance, in whole seconds (absent when the instance could not tell). */
    seconds?: number;
}

interface RunOutput {
    tasks: TaskRunLine[];
    /** "ok"/"failed" from the last line, or undefined when the script did not finish or output was cut. */
    end: "ok" | "failed" | undefined;
}

const TASK_LINE = /^cbt (\d+) (ran|skipped|failed|timedout|reboot|reboots|locked|busy|nostart|unmarked|wrapper) (-?\d+) (\S+)(?: (\d+))?$/;
const END_LINE = /^cbt-end (ok|failed)$/;
const MARKER_LINE = /^cbm ([01]*)$/;

export function parseRunOutput(stdout: string): RunOutput {
    const tasks: TaskRunLine[] = [];
    let end: RunOutput["end"];
    for (const line of stdout.split("\n").map((l) => l.trim())) {
        const task = TASK_LINE.exec(line);
        if (task) {
            const line: TaskRunLine = { index: Number(task[1]), status: task[2] as TaskRunStatus, exitCode: Number(task[3]), id: task[4] };
            tasks.push(task[5] === undefined ? line : { ...line, seconds: Number(task[5]) });
        }
        const done = END_LINE.exec(line);
        if (done) end = done[1] as "ok" | "failed";
    }
    return { tasks, end };
}

/** One flag per expected task (marker holds the expected hash), or undefined if the line is missing or short. */
export function parseMarkerOutput(stdout: string, count: number): boolean[] | undefined {
    for (const line of stdout.split("\n")) {
        const found = MARKER_LINE.exec(line.trim());
        if (found && found[1].length === count) return [...found[1]].map((c) => c === "1");
    }
    return undefined;
}

/** The last `count` non-empty lines of a text, for error messages. */
function lastLines(text: string, count: number): string[] {
    return text.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "").slice(-count);
}

/** What one instance reported about a run, as seen by SSM. */
export interface InvocationView {
    instanceId: string;
    commandId: string;
    status: string;
    statusDetails: string;
    responseCode: number;
    stdout: string;
    stderr: string;
}

/** The status the runner gives an invocation whose instance stopped answering (never an SSM status). */
export const LOST = "Lost";

interface RunFailure {
    index: number;
    exitCode: number;
    reason: string;
    tail: string[];
    /** Contact with the instance was lost: which task it was on is not known. */
    lost?: boolean;
}

interface InstanceRun {
    lines: Map<number, TaskRunLine>;
    failure?: RunFailure;
}

const FAILURE_TAIL_LINES = 20;

export function runOutputIsComplete(invocation: { status: string; output: string }): boolean {
    return invocation.status === "Success" && /^cbt-end ok$/m.test(invocation.output);
}

export function markerOutputIsComplete(invocation: { status: string; output: string }): boolean {
    return invocation.status === "Success" && /^cbm [01]*$/m.test(invocation.output);
}

/** Why a task did not succeed, from its status line; the wrapper's own failures are explained on stderr. */
function failureReason({ status, exitCode }: TaskRunLine): string {
    switch (status) {
        case "timedout": return "timed out (its timeoutSeconds)";
        case "reboots":
            return `it asked for a reboot (exit ${REBOOT_EXIT_CODE}) ${MAX_REBOOTS_IN_A_ROW} times in a row; ` +
                "once the reboot it asked for has happened, a task must find its work done and exit 0";
        case "locked": return "it did not start: another command held its lock on the instance for its whole timeoutSeconds";
        case "busy": return "it did not start: an earlier run of it that SSM stopped was still running";
        case "nostart": return "it did not start: capblocks could not write its files on the instance";
        case "unmarked": return "it ran, but capblocks could not record it as done on the instance";
        case "wrapper": return `capblocks' wrapper around it failed with exit code ${exitCode}`;
        default: return `exit code ${exitCode}`;
    }
}

/**
 * Per-task lines of one instance, and its failure if any. A task's last line counts: after a reboot (exit 194)
 * the agent runs the script again and the new lines follow the old. When SSM itself ended the command (timeout,
 * undeliverable, cancelled) the first task without a status line is the one blamed.
 */
export function interpretRun(invocation: InvocationView, taskIds: string[]): InstanceRun {
    const parsed = parseRunOutput(invocation.stdout);
    const lines = new Map(parsed.tasks.filter((t) => t.index < taskIds.length).map((t) => [t.index, t] as const));
    const tail = lastLines(invocation.stderr, FAILURE_TAIL_LINES);
    if (invocation.status === LOST) {
        const reason = `${invocation.statusDetails} while it ran tasks ${taskIds.join(", ")}: it stopped, was terminated or lost its network, ` +
            "and SSM would wait for it until the command's executionTimeout";
        return { lines, failure: { index: 0, exitCode: -1, reason, tail: [], lost: true } };
    }
    const ended = [...lines.values()].sort((a, b) => a.index - b.index);
    const failed = ended.find((t) => t.status !== "ran" && t.status !== "skipped" && t.status !== "reboot");
    if (failed) {
        return { lines, failure: { index: failed.index, exitCode: failed.exitCode, reason: failureReason(failed), tail } };
    }
    if (parsed.end === "ok" && lines.size === taskIds.length) return { lines };
    const rebooting = ended.find((t) => t.status === "reboot");
    const index = rebooting?.index ?? taskIds.findIndex((_, i) => !lines.has(i));
    const blamed = index < 0 ? taskIds.length - 1 : index;
    // StatusDetails tells SSM's two timeouts apart: a command never delivered ran no task at all.
    const undelivered = invocation.statusDetails === "Delivery Timed Out" || invocation.statusDetails === "Undeliverable";
    const timedOut = invocation.status === "TimedOut" && !undelivered;
    lines.set(blamed, {
        index: blamed,
        status: timedOut ? "timedout" : "failed",
        exitCode: invocation.responseCode,
        id: taskIds[blamed],
    });
    const reason = undelivered
        ? `SSM could not deliver the command to the instance (${invocation.statusDetails}): its SSM agent did not pick it up in time, so no task ran. ` +
          "Check the instance is running and its agent Online"
        : rebooting
        ? `it asked for a reboot (exit ${REBOOT_EXIT_CODE}), and SSM ended the command (${invocation.status}, ` +
          `${invocation.statusDetails}) before the instance finished the run after it`
        : timedOut
        ? "SSM stopped the command at its executionTimeout (the sum of the tasks' timeoutSeconds)"
        : `SSM reported ${invocation.status} (${invocation.statusDetails}) with exit code ${invocation.responseCode}`;
    return { lines, failure: { index: blamed, exitCode: invocation.responseCode, reason, tail } };
}

export interface FailedInstance {
    instanceId: string;
    commandId: string;
    taskId: string;
    taskName: string;
    failure: RunFailure;
}

/** The error a person reads: which task, where, why, the scrubbed output tail, how to inspect and resume. */
export function failureMessage(failed: FailedInstance[], region: string | undefined, markerDir: string): string {
    const [first, ...others] = failed;
    const regionArg = region ? ` --region ${region}` : "";
    const lines = [
        first.failure.lost
            ? `SsmTasks: lost contact with ${first.instanceId}: ${first.failure.reason}.`
            : `SsmTasks: task "${first.taskId}" (${first.taskName}) failed on ${first.instanceId}: ${first.failure.reason}.`,
    ];
    if (first.failure.tail.length > 0) {
        lines.push("Last lines of its output (secrets scrubbed):", ...first.failure.tail.map((l) => `  ${l}`));
    }
    for (const other of others.slice(0, 5)) {
        lines.push(other.failure.lost
            ? `Also lost contact with ${other.instanceId}.`
            : `Also failed: task "${other.taskId}" on ${other.instanceId}: ${other.failure.reason}.`);
    }
    if (others.length > 5) lines.push(`… and ${others.length - 5} more instance(s).`);
    lines.push(`Inspect: aws ssm get-command-invocation${regionArg} --command-id ${first.commandId} --instance-id ${first.instanceId}`);
    if (first.failure.lost) {
        lines.push(`When ${first.instanceId} is back, or replaced, run \`pulumi up\` again: tasks that finished there are not run again.`);
    } else {
        lines.push(
            `Full log: aws ssm start-session${regionArg} --target ${first.instanceId}, then: sudo less ${markerDir}/${first.taskId}.log`,
            `Fix the cause and run \`pulumi up\` again: it resumes at task "${first.taskId}"; tasks that finished are not run again.`,
        );
    }
    return lines.join("\n");
}
