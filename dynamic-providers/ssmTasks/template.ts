import { createHash } from "crypto";
import type { CheckFailure } from "../shared/checks";
import { literalRegions } from "./quoting";

/** A task as given by the user (re-exported by ./index as part of the SsmTasks contract). */
export interface TaskSpec {
    id: string;
    name: string;
    description?: string;
    commands: string[];
    timeoutSeconds?: number;
}

type SecretSource = "ssm-parameter" | "secretsmanager";

/** A secret the task script fetches on the instance with the instance role; only its reference travels. */
export interface SecretRef {
    variable: string;
    reference: string;
    source: SecretSource;
    /** The shell variable the fetched value lands in. */
    shellVariable: string;
    /** A non-secret label of the secret's current version (secretVersions); changing it re-runs the task. */
    version?: string;
}

/** A task ready to render: placeholders replaced, secrets resolved to references, hash computed. */
export interface PreparedTask {
    id: string;
    name: string;
    commands: string[];
    secrets: SecretRef[];
    timeoutSeconds: number;
    hash: string;
    /** The `rerun` token salting `hash` (./rerun.ts); absent: the plain hash of the task's effect. */
    rerunToken?: string;
}

const DEFAULT_TASK_TIMEOUT_SECONDS = 3600;
/** SSM caps executionTimeout at 172800 s (48 h) (AWS-RunShellScript parameter). */
export const MAX_EXECUTION_TIMEOUT_SECONDS = 172800;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** SSM parameter names / Secrets Manager ARNs: no quotes or shell metacharacters. */
const SECRET_REFERENCE = /^[A-Za-z0-9_.\-/:+=@]+$/;
const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/;

export function placeholdersIn(text: string): string[] {
    return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

function secretShellVariable(variable: string): string {
    return `CAPBLOCKS_SECRET_${variable}`;
}

export function secretRef(variable: string, reference: string, version?: string): SecretRef {
    const ref: SecretRef = {
        variable,
        reference,
        source: SECRETS_MANAGER_ARN.test(reference) ? "secretsmanager" : "ssm-parameter",
        shellVariable: secretShellVariable(variable),
    };
    return version === undefined ? ref : { ...ref, version };
}

/** The region a Secrets Manager ARN lives in (the CLI must be pointed there), if it is an ARN. */
export function arnRegion(reference: string): string | undefined {
    return SECRETS_MANAGER_ARN.test(reference) ? reference.split(":")[3] : undefined;
}

/** Fills in variables; a secret placeholder becomes `${CAPBLOCKS_SECRET_NAME}` when `secrets` is given, else stays as written. */
function substitute(text: string, variables: Record<string, string>, secrets?: Record<string, string>): string {
    return text.replace(PLACEHOLDER, (whole, name: string) => {
        if (secrets && name in secrets) return `\${${secretShellVariable(name)}}`;
        if (name in variables) return variables[name];
        return whole;
    });
}

/**
 * Secret placeholders sh would not expand (single quotes, quoted here-documents): the task would get the text
 * ${CAPBLOCKS_SECRET_…} instead of the secret. Variables are plain text, so they work anywhere.
 */
function unexpandedSecretProblems(label: string, commands: string[], variables: Record<string, string>, secrets: Record<string, string>): string[] {
    const script = substitute(commands.join("\n"), variables);
    const regions = literalRegions(script);
    return [...script.matchAll(PLACEHOLDER)].flatMap((m) => {
        const at = m.index ?? 0;
        const region = regions.find((r) => r.start <= at && at < r.end);
        if (!(m[1] in secrets) || !region) return [];
        const line = script.slice(0, at).split("\n").length;
        const fix = region.quoting === "single quotes"
            ? `put it in double quotes, e.g. 'abc'"${m[0]}"'def'`
            : `write that text with an unquoted here-document (${region.quoting.replace(/['"\\]/g, "")}) or printf '%s\\n' "${m[0]}"`;
        return [`${label} line ${line}: ${m[0]} inside ${region.quoting} is not expanded by sh, so the task would get ` +
            `the text \${${secretShellVariable(m[1])}} instead of the secret; ${fix}`];
    });
}

/** A task's name as messages show it: its variables filled in (secrets never appear in names). */
export function taskName(task: TaskSpec, variables: Record<string, string>): string {
    return substitute(task.name, variables);
}

function checkNames(kind: "variables" | "secrets", record: Record<string, string>): CheckFailure[] {
    const problems: CheckFailure[] = [];
    for (const [name, value] of Object.entries(record)) {
        if (!VARIABLE_NAME.test(name)) {
            problems.push({ property: kind, reason: `${kind} name "${name}" must match ${VARIABLE_NAME}` });
        }
        if (typeof value !== "string") {
            problems.push({ property: kind, reason: `${kind}.${name} must be a string` });
        } else if (kind === "secrets" && !SECRET_REFERENCE.test(value)) {
            // Never echo the value: it may be the password itself, given by mistake. An empty property keeps the
            // engine from printing the secrets map next to the reason ("property secrets value {...}").
            problems.push({
                property: "",
                reason:
                    `secrets.${name} is not an SSM parameter name or Secrets Manager ARN: give a reference such as /capblocks/dev/password ` +
                    "or arn:aws:secretsmanager:…, never the secret itself (its value is not shown here in case it is one)",
            });
        }
    }
    return problems;
}

function checkTask(task: TaskSpec, index: number, variables: Record<string, string>, secrets: Record<string, string>): string[] {
    const label = typeof task?.id === "string" ? `task "${task.id}"` : `task #${index + 1}`;
    if (typeof task !== "object" || task === null) return [`${label} must be an object`];
    const reasons: string[] = [];
    if (typeof task.id !== "string" || !TASK_ID.test(task.id)) {
        reasons.push(`${label}: id must match ${TASK_ID} (it names marker files on the instance)`);
    }
    if (typeof task.name !== "string" || task.name.trim() === "") reasons.push(`${label}: name is required`);
    if (!Array.isArray(task.commands) || task.commands.length === 0) {
        reasons.push(`${label}: commands must be a non-empty list of shell lines`);
    } else if (task.commands.some((c) => typeof c !== "string")) {
        reasons.push(`${label}: every command must be a string`);
    } else {
        const unknown = new Set(task.commands.flatMap(placeholdersIn).filter((n) => !(n in variables) && !(n in secrets)));
        for (const name of unknown) {
            reasons.push(`${label} uses {{${name}}}, which is neither in variables nor in secrets; add ${name} to one of them or fix the name`);
        }
        reasons.push(...unexpandedSecretProblems(label, task.commands, variables, secrets));
    }
    const timeout = task.timeoutSeconds;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_EXECUTION_TIMEOUT_SECONDS)) {
        reasons.push(`${label}: timeoutSeconds must be a whole number from 1 to ${MAX_EXECUTION_TIMEOUT_SECONDS}`);
    }
    return reasons;
}

/** Every problem with the tasks, variables and secrets, each naming the task or name at fault. */
export function checkTaskInputs(
    tasks: TaskSpec[],
    variables: Record<string, string>,
    secrets: Record<string, string>,
): CheckFailure[] {
    const problems = [...checkNames("variables", variables), ...checkNames("secrets", secrets)];
    for (const name of Object.keys(secrets)) {
        if (name in variables) {
            problems.push({ property: "secrets", reason: `"${name}" is both a variable and a secret; keep it in one` });
        }
    }
    if (!Array.isArray(tasks) || tasks.length === 0) {
        return [...problems, { property: "tasks", reason: "tasks must be a non-empty list" }];
    }
    const seen = new Set<string>();
    tasks.forEach((task, index) => {
        for (const reason of checkTask(task, index, variables, secrets)) problems.push({ property: "tasks", reason });
        if (typeof task?.id === "string") {
            if (seen.has(task.id)) problems.push({ property: "tasks", reason: `task "${task.id}" appears twice; task ids must be unique` });
            seen.add(task.id);
        }
    });
    return problems;
}

/**
 * The identity of a task's effect: its substituted commands and the secrets it fetches, by reference and version
 * label (never values). Name, description and timeout are left out so editing them re-runs nothing. A secret without
 * a version hashes as it did before versions existed, so markers already on instances stay valid.
 */
export function taskHash(commands: string[], secrets: { variable: string; reference: string; version?: string }[]): string {
    const refs = secrets.map((s) => (s.version === undefined ? [s.variable, s.reference] : [s.variable, s.reference, s.version]));
    return createHash("sha256").update(JSON.stringify({ commands, secrets: refs })).digest("hex");
}

/**
 * Substitutes variables (also in names: they appear in messages; secrets never do), turns secret placeholders into
 * shell variables, and hashes each task with the versions of the secrets it reads. Inputs must pass checkTaskInputs.
 */
export function prepareTasks(
    tasks: TaskSpec[],
    variables: Record<string, string>,
    secrets: Record<string, string>,
    secretVersions: Record<string, string> = {},
): PreparedTask[] {
    return tasks.map((task) => {
        const commands = task.commands.map((c) => substitute(c, variables, secrets));
        const used = new Set(task.commands.flatMap(placeholdersIn).filter((n) => n in secrets));
        const refs = [...used].sort().map((name) => secretRef(name, secrets[name], secretVersions[name]));
        return {
            id: task.id,
            name: taskName(task, variables),
            commands,
            secrets: refs,
            timeoutSeconds: task.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
            hash: taskHash(commands, refs),
        };
    });
}
