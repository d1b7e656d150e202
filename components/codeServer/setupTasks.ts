import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedTasks } from "../../tasks/loader";
import { loadCodeServerTasks } from "../../tasks/loader";
import type { CodeServerConfig } from "../config";
import { CODE_SERVER_INTERNAL_PORT, NGINX_PORT } from "./access";

const TASK_FILES_KEY = "capblocks:codeServer.taskFiles";

/** The secrets the component can supply; each maps to a secret it creates itself. */
const SUPPLIED_SECRETS = ["PASSWORD"];

/** The variables the setup task files use, from stack config. */
export function setupVariables(cs: CodeServerConfig): Record<string, string> {
    return { USER: cs.user, HOME_DIR: cs.homeDir, INTERNAL_PORT: String(CODE_SERVER_INTERNAL_PORT), NGINX_PORT: String(NGINX_PORT) };
}

/**
 * The code-server setup: tasks/code-server-setup.json, then capblocks:codeServer.taskFiles in order
 * (paths relative to the project), schema-checked by the task loader.
 */
export function loadSetupTasks(cs: CodeServerConfig, projectDir: string): LoadedTasks {
    const extra = cs.taskFiles.map((file) => {
        const full = path.resolve(projectDir, file);
        if (!fs.existsSync(full)) {
            throw new pulumi.RunError(`${TASK_FILES_KEY}: ${file} does not exist in ${projectDir}; give a path relative to the project directory, or remove it`);
        }
        return full;
    });
    let loaded: LoadedTasks;
    try {
        loaded = loadCodeServerTasks(extra, setupVariables(cs));
    } catch (err) {
        // The loader's words name the file and the task at fault; as a RunError they print without a stack trace.
        throw new pulumi.RunError(`${TASK_FILES_KEY}: ${(err as Error).message}; fix the file or remove it from ${TASK_FILES_KEY}`);
    }
    const unsupplied = loaded.secretNames.filter((name) => !SUPPLIED_SECRETS.includes(name));
    if (unsupplied.length > 0) {
        throw new pulumi.RunError(
            `${TASK_FILES_KEY}: secret(s) ${unsupplied.join(", ")} have no source; ` +
                `task files can use only ${SUPPLIED_SECRETS.join(", ")} (fetched on the instance from the stack's own secret)`,
        );
    }
    return loaded;
}
