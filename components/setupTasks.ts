import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { TaskSpec } from "../dynamic-providers/ssmTasks";
import { HTTP_PORT } from "./codeServerInstance";
import { CodeServerConfig } from "./config";

export const CODE_SERVER_TASK_FILE = "tasks/code-server-setup.json";
/** code-server listens on localhost only; nginx (HTTP_PORT) is the one way in. */
export const CODE_SERVER_PORT = 8080;

/** The variables the setup task files use. */
export function setupVariables(cs: CodeServerConfig): Record<string, string> {
    return { USER: cs.user, HOME_DIR: cs.homeDir, INTERNAL_PORT: String(CODE_SERVER_PORT), NGINX_PORT: String(HTTP_PORT) };
}

function readTaskFile(file: string): TaskSpec[] {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    const tasks = Array.isArray(parsed) ? parsed : (parsed as { tasks?: unknown }).tasks;
    if (!Array.isArray(tasks)) throw new Error(`task file ${file}: expected a "tasks" list`);
    return tasks as TaskSpec[];
}

/**
 * The code-server setup tasks: tasks/code-server-setup.json, then capblocks:codeServer.taskFiles in order
 * (paths relative to the project). A missing extra file is an error; the built-in file is read when present.
 */
export function loadSetupTasks(cs: CodeServerConfig, projectDir: string): TaskSpec[] {
    const builtIn = path.join(projectDir, CODE_SERVER_TASK_FILE);
    const tasks: TaskSpec[] = [];
    if (fs.existsSync(builtIn)) {
        tasks.push(...readTaskFile(builtIn));
    } else {
        void pulumi.log.warn(`${CODE_SERVER_TASK_FILE} not found: only the work volume is set up`);
    }
    for (const extra of cs.taskFiles) {
        const file = path.join(projectDir, extra);
        if (!fs.existsSync(file)) throw new Error(`capblocks:codeServer.taskFiles: ${extra} does not exist (paths are relative to ${projectDir})`);
        tasks.push(...readTaskFile(file));
    }
    return tasks;
}
