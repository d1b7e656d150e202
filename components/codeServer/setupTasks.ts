import * as fs from "fs";
import * as path from "path";
import { loadCodeServerTasks, LoadedTasks } from "../../tasks/loader";
import { HTTP_PORT } from "./codeServerInstance";
import { CodeServerConfig } from "../config";

/** code-server listens on localhost only; nginx (HTTP_PORT) is the one way in. */
export const CODE_SERVER_PORT = 8080;

/** The secrets the component can supply; each maps to a secret it creates itself. */
export const SUPPLIED_SECRETS = ["PASSWORD"];

/** The variables the setup task files use, from stack config. */
export function setupVariables(cs: CodeServerConfig): Record<string, string> {
    return { USER: cs.user, HOME_DIR: cs.homeDir, INTERNAL_PORT: String(CODE_SERVER_PORT), NGINX_PORT: String(HTTP_PORT) };
}

/**
 * The code-server setup: tasks/code-server-setup.json, then capblocks:codeServer.taskFiles in order
 * (paths relative to the project), schema-checked by the task loader.
 */
export function loadSetupTasks(cs: CodeServerConfig, projectDir: string): LoadedTasks {
    const extra = cs.taskFiles.map((file) => {
        const full = path.resolve(projectDir, file);
        if (!fs.existsSync(full)) throw new Error(`capblocks:codeServer.taskFiles: ${file} does not exist (paths are relative to ${projectDir})`);
        return full;
    });
    const loaded = loadCodeServerTasks(extra, setupVariables(cs));
    const unsupplied = loaded.secretNames.filter((name) => !SUPPLIED_SECRETS.includes(name));
    if (unsupplied.length > 0) {
        throw new Error(
            `capblocks:codeServer.taskFiles: secret(s) ${unsupplied.join(", ")} have no source; ` +
                `task files can use only ${SUPPLIED_SECRETS.join(", ")} (fetched on the instance from the stack's own secret)`,
        );
    }
    return loaded;
}
