import Ajv from "ajv";
import type { ErrorObject } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { didYouMean } from "../components/config/suggestions";
import type { TaskSpec } from "../dynamic-providers/ssmTasks";
import { placeholdersIn } from "../dynamic-providers/ssmTasks/template";
import taskFileSchema from "./task-file.schema.json";

/** The shipped code-server setup; user task files are appended after it. */
export const CODE_SERVER_TASKS_FILE = path.join(__dirname, "code-server-setup.json");

/**
 * Where a task runs: `image` tasks need nothing of the block's instance and are baked into the dev image before
 * the block starts; `instance` tasks (the default) need the box itself and run on it after launch.
 */
export type TaskPhase = "image" | "instance";

/** A task as a task file writes it: the SsmTasks task plus its phase. */
export type TaskFileTask = TaskSpec & { phase?: TaskPhase };

export interface TaskFile {
    description?: string;
    variables?: Record<string, string>;
    secrets?: string[];
    /** Absent or empty: a file that only sets variables (a version, a list of extensions). */
    tasks?: TaskFileTask[];
}

/** What one task file declares, for the caller's rules about who may set what. */
export interface TaskFileDeclarations {
    file: string;
    variables: string[];
    secrets: string[];
}

export interface LoadedTasks {
    /** Every task in file order, as SsmTasks takes them (without their phase). */
    tasks: TaskSpec[];
    /** The ids of the `image` tasks, in file order. */
    imageTaskIds: string[];
    /** File defaults (later files override earlier ones), then the caller's values. */
    variables: Record<string, string>;
    /** Placeholder names the files declare as secrets: the caller maps each to a parameter name or secret ARN. */
    secretNames: string[];
    /** Each file's declarations, in load order. */
    files: TaskFileDeclarations[];
}

const validateTaskFile = new Ajv({ allErrors: true, verbose: true }).compile<TaskFile>(taskFileSchema);

/** One schema problem: where, and what; an unknown property is named, with the one probably meant. */
function schemaProblem(e: ErrorObject): string {
    const where = e.instancePath || "/";
    if (e.keyword !== "additionalProperties") return `${where} ${e.message ?? "is invalid"}`;
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> }).properties ?? {});
    return `${where}: "${extra}" is not a property here${didYouMean(extra, known) || ` (known: ${known.join(", ")})`}`;
}

/** Reads and schema-checks one task file; errors name the file and the JSON path at fault. */
export function readTaskFile(file: string): TaskFile {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new Error(`task file ${file}: ${(error as Error).message}`);
    }
    if (!validateTaskFile(parsed)) {
        const problems = (validateTaskFile.errors ?? []).map(schemaProblem);
        throw new Error(`task file ${file} is not valid: ${problems.join("; ")}`);
    }
    return parsed;
}

/** A name one file declares as a variable and another as a secret (or one file as both), naming both files. */
function variableAndSecret(declared: TaskFileDeclarations[]): string | undefined {
    for (const a of declared) {
        for (const name of a.variables) {
            const b = declared.find((d) => d.secrets.includes(name));
            if (b) return `task file ${a.file}: ${name} is a variable here and a secret in ${b.file}; a name is one or the other`;
        }
    }
    return undefined;
}

/**
 * Loads task files in order into one task list: duplicate task ids are rejected naming both files,
 * a name is either a variable or a secret, and every {{NAME}} must be a variable or a declared secret.
 */
export function loadTasks(files: string[], variables: Record<string, string> = {}): LoadedTasks {
    const tasks: TaskSpec[] = [];
    const imageTaskIds: string[] = [];
    const origin = new Map<string, string>();
    let defaults: Record<string, string> = {};
    const secretNames = new Set<string>();
    const parsed = files.map((file) => ({ file, content: readTaskFile(file) }));
    const declared = parsed.map(({ file, content }) => ({ file, variables: Object.keys(content.variables ?? {}), secrets: content.secrets ?? [] }));
    const mixed = variableAndSecret(declared);
    if (mixed) throw new Error(mixed);
    for (const { file, content } of parsed) {
        defaults = { ...defaults, ...content.variables };
        for (const name of content.secrets ?? []) secretNames.add(name);
        for (const task of content.tasks ?? []) {
            const first = origin.get(task.id);
            if (first) throw new Error(`task file ${file}: task id "${task.id}" is already used in ${first}; task ids must be unique`);
            origin.set(task.id, file);
            const { phase, ...spec } = task;
            if (phase === "image") imageTaskIds.push(task.id);
            tasks.push(spec);
        }
    }
    const merged = { ...defaults, ...variables };
    for (const task of tasks) {
        for (const name of new Set(task.commands.flatMap(placeholdersIn))) {
            if (!(name in merged) && !secretNames.has(name)) {
                throw new Error(`task file ${origin.get(task.id)}: task "${task.id}" uses {{${name}}}, which no file declares as a variable or secret`);
            }
            // The dev image is an AMI anyone allowed to launch it can read: a secret baked into it would leak.
            if (secretNames.has(name) && imageTaskIds.includes(task.id)) {
                throw new Error(`task file ${origin.get(task.id)}: task "${task.id}" has phase "image" but reads the secret {{${name}}}, which the image would keep; make it an "instance" task`);
            }
        }
    }
    return { tasks, imageTaskIds, variables: merged, secretNames: [...secretNames], files: declared };
}

/** The code-server setup followed by the user's own task files. */
export function loadCodeServerTasks(extraFiles: string[] = [], variables: Record<string, string> = {}): LoadedTasks {
    return loadTasks([CODE_SERVER_TASKS_FILE, ...extraFiles], variables);
}
