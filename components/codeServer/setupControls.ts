/**
 * The operator's controls over setup, from `capblocks:codeServer`: `setup: false` builds the box without setting it
 * up, and `rerun` runs finished setup tasks once more. Pure: the wording and the checks are tested as they are.
 */
import { createHash } from "crypto";
import type { RerunRequest } from "../../dynamic-providers/ssmTasks";
import { ALL_TASKS } from "../../dynamic-providers/ssmTasks";
import type { CodeServerConfig } from "../config";

const RERUN_KEY = "capblocks:codeServer.rerun";
const SETUP_KEY = "capblocks:codeServer.setup";

/** Setup runs unless `capblocks:codeServer.setup` is false. */
export function setupEnabled(cs: CodeServerConfig): boolean {
    return cs.setup !== false;
}

/** The tasks `rerun` names, in either form. */
function rerunTasks(cs: CodeServerConfig): string[] {
    return Array.isArray(cs.rerun) ? cs.rerun : (cs.rerun?.tasks ?? []);
}

/** Every task id `rerun` names that the setup does not have, as one config problem; none: no problem. */
export function rerunTaskProblems(cs: CodeServerConfig, taskIds: string[]): string[] {
    const unknown = rerunTasks(cs).filter((t) => t !== ALL_TASKS && !taskIds.includes(t));
    if (unknown.length === 0) return [];
    return [
        `${RERUN_KEY}: ${unknown.map((t) => JSON.stringify(t)).join(", ")} ${unknown.length === 1 ? "is not a setup task" : "are not setup tasks"}; ` +
            `use "${ALL_TASKS}" or ids from: ${taskIds.join(", ")}`,
    ];
}

/**
 * The SsmTasks `rerun` input: the listed tasks and the token that runs them once more when it changes: `id`, or for
 * a plain list the list itself (hashed to fit a token; ':' keeps it apart from any id).
 */
export function rerunRequest(cs: CodeServerConfig): RerunRequest | undefined {
    if (!cs.rerun) return undefined;
    if (!Array.isArray(cs.rerun)) return { tasks: cs.rerun.tasks, token: String(cs.rerun.id) };
    return { tasks: cs.rerun, token: `list:${createHash("sha256").update(JSON.stringify(cs.rerun)).digest("hex").slice(0, 16)}` };
}

/** What the url and port-forward outputs say while setup is off: nothing listens for them. */
export const SETUP_OFF = "no code-server: setup is off (see nextStep)";

/** The nextStep sentence while setup is off: what the box has, what it lacks, and how to turn setup on. */
export function setupOffHint(homeDir: string): string {
    return `Setup is off (${SETUP_KEY}: false): the instance runs its image as it is, without code-server, and the work volume ` +
        `is attached but not mounted at ${homeDir}; use sessionCommand for a shell. To set it up, run ` +
        `\`pulumi config set --path ${SETUP_KEY} true\` and \`pulumi up\`: the setup tasks run then.`;
}
