import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedTasks, TaskFileDeclarations } from "../../tasks/loader";
import { CODE_SERVER_TASKS_FILE, loadCodeServerTasks } from "../../tasks/loader";
import type { CodeServerConfig } from "../config";
import { ConfigError } from "../config";
import { rerunTaskProblems } from "./setupControls";
import { servesHttps } from "./tls";
import { MOUNT_TASK_ID } from "./workVolumeTask";

const TASK_FILES_KEY = "capblocks:codeServer.taskFiles";
const SECRETS_KEY = "capblocks:codeServer.secrets";

/** The secret the stack supplies itself: the code-server password (capblocks:codeServer.password, or generated). */
export const PASSWORD_SECRET = "PASSWORD";

/** The variables the stack fixes, and what a task file that sets one should do instead. */
const STACK_VARIABLES: Record<string, string> = {
    USER: "set capblocks:codeServer.user instead",
    HOME_DIR: "set capblocks:codeServer.homeDir instead",
    INTERNAL_PORT: "set capblocks:codeServer.internalPort instead",
    NGINX_PORT: "set capblocks:codeServer.nginxPort instead",
    CODE_SERVER_VERSION: "set capblocks:codeServer.version instead",
    EXTENSIONS: "set capblocks:codeServer.extensions instead",
    LOCALE: "set capblocks:codeServer.locale instead",
    WORKSPACE_TRUST: "set capblocks:codeServer.workspaceTrust instead",
    HTTPS: "capblocks:codeServer.allowedCidrs turns HTTPS on",
    TLS_FINGERPRINT_PARAMETER: "it names the SSM parameter the stack creates for the certificate's fingerprint",
};

/**
 * The variables the setup task files use, from stack config. TLS_FINGERPRINT_PARAMETER stays the shipped file's
 * empty default here: CodeServerInstance names the parameter it creates (with HTTPS on).
 */
export function setupVariables(cs: CodeServerConfig): Record<string, string> {
    return {
        USER: cs.user,
        HOME_DIR: cs.homeDir,
        INTERNAL_PORT: String(cs.internalPort),
        NGINX_PORT: String(cs.nginxPort),
        CODE_SERVER_VERSION: cs.version,
        EXTENSIONS: cs.extensions.join(" "),
        LOCALE: cs.locale,
        WORKSPACE_TRUST: String(cs.workspaceTrust),
        HTTPS: servesHttps(cs) ? "on" : "off",
    };
}

/** A user task file that sets what the stack fixes: a problem naming the file and what to do instead. */
function stackVariableProblems(files: TaskFileDeclarations[]): string[] {
    return files
        .filter((f) => f.file !== CODE_SERVER_TASKS_FILE)
        .flatMap((f) => f.variables.filter((name) => name in STACK_VARIABLES).map((name) =>
            `${TASK_FILES_KEY}: ${f.file} sets the variable ${name}, which the stack fixes; remove it from the file's variables (${STACK_VARIABLES[name]})`,
        ));
}

/** Every secret a task file declares needs a source in config; every source in config needs a file that declares it. */
function secretSourceProblems(files: TaskFileDeclarations[], sources: Record<string, string>): string[] {
    const declaredBy = (name: string) => files.find((f) => f.secrets.includes(name))?.file;
    const declared = [...new Set(files.flatMap((f) => f.secrets))].filter((name) => name !== PASSWORD_SECRET);
    const missing = declared.filter((name) => !(name in sources)).map((name) =>
        `${SECRETS_KEY}.${name}: is not set, but ${declaredBy(name)} declares the secret ${name}; set it to an SSM SecureString ` +
            `parameter name or a Secrets Manager ARN (pulumi config set --path ${SECRETS_KEY}.${name} /path/to/parameter)`,
    );
    const unused = Object.keys(sources).filter((name) => !declaredBy(name)).map((name) =>
        `${SECRETS_KEY}.${name}: no task file declares the secret ${name}, so the instance need not read it; ` +
            `add "${name}" to the "secrets" of the task file that uses it, or remove the key`,
    );
    return [...missing, ...unused];
}

/**
 * The code-server setup: tasks/code-server-setup.json, then capblocks:codeServer.taskFiles in order
 * (paths relative to the project), schema-checked by the task loader. A user file may set variables of its own,
 * never what the stack fixes; each secret it declares needs a source in capblocks:codeServer.secrets;
 * capblocks:codeServer.rerun may name only tasks the setup has (with `moreTaskIds`, the ones the stack adds itself,
 * such as the cluster's).
 */
export function loadSetupTasks(cs: CodeServerConfig, projectDir: string, moreTaskIds: string[] = []): LoadedTasks {
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
    const problems = [
        ...stackVariableProblems(loaded.files),
        ...secretSourceProblems(loaded.files, cs.secrets ?? {}),
        ...rerunTaskProblems(cs, [MOUNT_TASK_ID, ...loaded.tasks.map((t) => t.id), ...moreTaskIds]),
    ];
    if (problems.length) throw new ConfigError(problems);
    return loaded;
}
