import { awsSettingsFailures } from "../shared/awsCredentials";
import type { AwsSettings } from "../shared/awsCredentials";
import type { CheckFailure } from "../shared/checks";
import { isKnown } from "../shared/unknown";
import type { TaskStates } from "./plan";
import { rerunProblems } from "./rerun";
import type { RerunRequest } from "./rerun";
import { DEFAULT_MARKER_DIR, markerDirProblem, splitIntoRuns } from "./script";
import { checkTaskInputs, prepareTasks } from "./template";
import type { TaskSpec } from "./template";

/** The inputs as the provider sees them after check (defaults applied). */
export interface SsmTasksInputs {
    instanceIds: string[];
    tasks: TaskSpec[];
    variables: Record<string, string>;
    secrets: Record<string, string>;
    /** Secret name → a non-secret label of its current version; a task re-runs when a secret it reads changes version. */
    secretVersions: Record<string, string>;
    region?: string;
    /** The stack's AWS account settings; every SSM call is signed with them. */
    aws?: AwsSettings;
    markerDir: string;
    agentWaitSeconds: number;
    /** Tasks to run once more (ids or "all"), each time the token changes (./rerun.ts). */
    rerun?: RerunRequest;
    /** A CloudWatch Logs group the instances stream each run's output to: `up` shows each task as they finish it. */
    outputLogGroup?: string;
}

export interface SsmTasksOutputs extends SsmTasksInputs {
    taskStates: TaskStates;
    /** Instances that refresh found no longer registered with SSM (their tasks show as pending). */
    missingInstances: string[];
}

const DEFAULT_AGENT_WAIT_SECONDS = 600;
/** CloudWatch Logs CreateLogGroup logGroupName. */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const INSTANCE_ID = /^(i-[0-9a-f]{8}([0-9a-f]{9})?|mi-[0-9a-f]{17})$/;

/** The raw inputs the engine sends, typed, with the defaults filled in. */
export function ssmTasksInputs(news: Record<string, unknown>): SsmTasksInputs {
    return {
        ...news,
        instanceIds: news.instanceIds as string[],
        tasks: news.tasks as TaskSpec[],
        variables: (news.variables as Record<string, string>) ?? {},
        secrets: (news.secrets as Record<string, string>) ?? {},
        secretVersions: (news.secretVersions as Record<string, string>) ?? {},
        markerDir: (news.markerDir as string) ?? DEFAULT_MARKER_DIR,
        agentWaitSeconds: (news.agentWaitSeconds as number) ?? DEFAULT_AGENT_WAIT_SECONDS,
    };
}

function instanceIdProblems(ids: string[]): CheckFailure[] {
    if (!Array.isArray(ids) || ids.length === 0) return [{ property: "instanceIds", reason: "give at least one instance id" }];
    const problems = ids.filter((i) => !INSTANCE_ID.test(String(i)))
        .map((id) => ({ property: "instanceIds", reason: `"${id}" is not an EC2 or managed instance id` }));
    if (new Set(ids).size !== ids.length) problems.push({ property: "instanceIds", reason: "instance ids must be unique" });
    return problems;
}

/** Version labels are stored in state and hashed, so they must name secrets and must not be secrets themselves. */
function secretVersionProblems(versions: Record<string, string>, secrets: Record<string, string>): CheckFailure[] {
    if (typeof versions !== "object" || versions === null) {
        return [{ property: "secretVersions", reason: "secretVersions must be a map of secret name to version label" }];
    }
    return Object.entries(versions).flatMap(([name, version]) => {
        if (!(name in secrets)) {
            const names = Object.keys(secrets).join(", ") || "none";
            return [{ property: "secretVersions", reason: `secretVersions.${name} names no secret; give versions only for names in secrets (${names})` }];
        }
        if (typeof version !== "string" || !/^[\x21-\x7e]{1,256}$/.test(version)) {
            // Not echoed, and no property (which would print the map): a password given here by mistake stays hidden.
            const reason = `secretVersions.${name} must be a version label (1 to 256 visible ASCII characters, such as a Secrets Manager ` +
                "VersionId or an SSM parameter version); its value is not shown in case it is the secret";
            return [{ property: "", reason }];
        }
        return [];
    });
}

/** The tasks' own problems, else whether each fits one SendCommand once rendered (checked before anything runs). */
function taskProblems(inputs: SsmTasksInputs, markerDir: string): CheckFailure[] {
    const problems = checkTaskInputs(inputs.tasks, inputs.variables, inputs.secrets);
    if (problems.length > 0) return problems;
    try {
        splitIntoRuns(prepareTasks(inputs.tasks, inputs.variables, inputs.secrets, inputs.secretVersions), markerDir, undefined);
        return [];
    } catch (error) {
        return [{ property: "tasks", reason: (error as Error).message }];
    }
}

/** Every problem with the inputs, per property; unknown (preview) values are not judged. */
export function checkInputs(inputs: SsmTasksInputs): CheckFailure[] {
    const problems = isKnown(inputs.instanceIds) ? instanceIdProblems(inputs.instanceIds) : [];
    const markerDirKnown = isKnown(inputs.markerDir);
    const markerDirReason = markerDirKnown ? markerDirProblem(inputs.markerDir) : undefined;
    if (markerDirReason) problems.push({ property: "markerDir", reason: markerDirReason });
    if (isKnown([inputs.tasks, inputs.variables, inputs.secrets])) {
        problems.push(...taskProblems(inputs, markerDirKnown && !markerDirReason ? inputs.markerDir : DEFAULT_MARKER_DIR));
    }
    problems.push(...awsSettingsFailures(inputs.aws));
    if (isKnown(inputs.rerun)) {
        const ids = isKnown(inputs.tasks) && Array.isArray(inputs.tasks) ? inputs.tasks.map((t) => t?.id) : undefined;
        problems.push(...rerunProblems(inputs.rerun, ids));
    }
    if (isKnown([inputs.secrets, inputs.secretVersions])) {
        problems.push(...secretVersionProblems(inputs.secretVersions, inputs.secrets));
    }
    const group = inputs.outputLogGroup;
    if (isKnown(group) && group !== undefined && (typeof group !== "string" || !LOG_GROUP_NAME.test(group))) {
        problems.push({ property: "outputLogGroup", reason: "outputLogGroup must be a CloudWatch Logs group name (1 to 512 of A-Z a-z 0-9 _ - / . #)" });
    }
    const wait = inputs.agentWaitSeconds;
    if (isKnown(wait) && (!Number.isInteger(wait) || wait < 0)) {
        problems.push({ property: "agentWaitSeconds", reason: "agentWaitSeconds must be a whole number of seconds ≥ 0" });
    }
    return problems;
}
