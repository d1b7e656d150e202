import { createHash } from "crypto";
import type { CheckFailure } from "../shared/checks";
import type { TaskStates } from "./plan";
import type { PreparedTask } from "./template";

/**
 * Running finished tasks again on purpose. `rerun` names tasks (or "all") and a token; the token salts the hash of
 * each task it names, so a new token is a changed task to everything that compares hashes: diff sees it pending, the
 * wrappers on the instances see a marker that no longer matches and run it, refresh reads the markers against it.
 * Each task keeps its salt in state, so the same token on later ups, or removing `rerun`, changes nothing; and a run
 * that stops part way re-runs, next time, only where the task is still not done (per instance, by its marker).
 */

/** Every task, wherever it appears in `rerun.tasks`. */
export const ALL_TASKS = "all";

export interface RerunRequest {
    /** Task ids, or "all". */
    tasks: string[];
    /** Any new value runs the listed tasks once more; not a secret (it is kept in state). */
    token: string;
}

const TOKEN = /^[\x21-\x7e]{1,64}$/;

/** Problems with `rerun`: its shape, a token that is not a short label, and every task id that is not a task. */
export function rerunProblems(rerun: unknown, taskIds: string[] | undefined): CheckFailure[] {
    if (rerun === undefined) return [];
    const value = rerun as Partial<RerunRequest>;
    if (typeof rerun !== "object" || rerun === null || !Array.isArray(value.tasks) || value.tasks.length === 0 ||
        value.tasks.some((t) => typeof t !== "string")) {
        return [{ property: "rerun", reason: `rerun must be {tasks: [task ids or "${ALL_TASKS}"], token: "<label>"} with at least one task` }];
    }
    const problems: CheckFailure[] = [];
    if (typeof value.token !== "string" || !TOKEN.test(value.token)) {
        problems.push({ property: "rerun", reason: "rerun.token must be 1 to 64 visible ASCII characters; change it to run the listed tasks again" });
    }
    const unknown = taskIds ? value.tasks.filter((t) => t !== ALL_TASKS && !taskIds.includes(t)) : [];
    if (unknown.length > 0) {
        problems.push({
            property: "rerun",
            reason: `rerun.tasks: ${unknown.map((t) => JSON.stringify(t)).join(", ")} ${unknown.length === 1 ? "is not a task id" : "are not task ids"}; ` +
                `use "${ALL_TASKS}" or ids from the task list (${taskIds?.join(", ")})`,
        });
    }
    return problems;
}

function salted(hash: string, token: string): string {
    return createHash("sha256").update(JSON.stringify({ hash, rerun: token })).digest("hex");
}

/**
 * The tasks with the hashes that decide what runs: a task `rerun` names takes its token as salt; any other keeps
 * the salt its state recorded (none: its plain hash).
 */
export function withRerun(tasks: PreparedTask[], rerun: RerunRequest | undefined, prior: TaskStates): PreparedTask[] {
    const named = (id: string) => rerun !== undefined && (rerun.tasks.includes(ALL_TASKS) || rerun.tasks.includes(id));
    return tasks.map((task) => {
        const token = named(task.id) ? rerun?.token : prior[task.id]?.rerunToken;
        return token === undefined ? task : { ...task, hash: salted(task.hash, token), rerunToken: token };
    });
}
