import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { CodeServerConfig } from "../../../components/config";
import { ConfigError } from "../../../components/config";
import { codeServerFrom } from "../../../components/config/defaults";
import { loadSetupTasks, setupVariables } from "../../../components/codeServer/setupTasks";
import { CODE_SERVER_TASKS_FILE, readTaskFile } from "../../../tasks/loader";
import { codeServerConfig } from "../../helpers/codeServerConfig";

const cs = (taskFiles: string[], secrets?: Record<string, string>): CodeServerConfig =>
    codeServerConfig({ user: "dev", homeDir: "/data", taskFiles, ...(secrets ? { secrets } : {}) });

/** The problems of a ConfigError `f` throws. */
function problemsOf(f: () => unknown): string[] {
    try {
        f();
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    throw new Error("expected a ConfigError");
}

describe("setup tasks (index side)", () => {
    let dir: string;
    const shippedIds = (readTaskFile(CODE_SERVER_TASKS_FILE).tasks ?? []).map((t) => t.id);
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-tasks-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs the shipped code-server file, then the user's task files in order", () => {
        fs.writeFileSync(path.join(dir, "mine.json"), JSON.stringify({ tasks: [{ id: "my-tools", name: "Mine", commands: ["true"] }] }));
        const loaded = loadSetupTasks(cs(["mine.json"]), dir);
        expect(loaded.tasks.map((t) => t.id)).to.deep.equal([...shippedIds, "my-tools"]);
    });

    it("fills the tasks' variables from config, over the file defaults", () => {
        const config = codeServerConfig({
            user: "dev", homeDir: "/data", internalPort: 9000, nginxPort: 8443, allowedCidrs: ["203.0.113.7/32"], version: "4.137.0",
            extensions: ["redhat.vscode-yaml", "ms-python.python@2026.4.0"], locale: "ja_JP.UTF-8", workspaceTrust: true,
        });
        const expected = {
            USER: "dev", HOME_DIR: "/data", INTERNAL_PORT: "9000", NGINX_PORT: "8443", CODE_SERVER_VERSION: "4.137.0",
            EXTENSIONS: "redhat.vscode-yaml ms-python.python@2026.4.0", LOCALE: "ja_JP.UTF-8", WORKSPACE_TRUST: "true", HTTPS: "on",
        };
        expect(setupVariables(config)).to.deep.equal(expected);
        // The fingerprint parameter is the component's to name; until then the file's empty default stands.
        expect(loadSetupTasks(config, dir).variables).to.deep.equal({ ...expected, TLS_FINGERPRINT_PARAMETER: "" });
        expect(setupVariables(cs([]))).to.include({ HTTPS: "off", NGINX_PORT: "80", INTERNAL_PORT: "8080" });
    });

    it("ships the same defaults as the stack config, so the file, the config and the README agree", () => {
        const variables = setupVariables(codeServerFrom({}, undefined));
        expect(readTaskFile(CODE_SERVER_TASKS_FILE).variables).to.deep.equal({ ...variables, TLS_FINGERPRINT_PARAMETER: "" });
    });

    it("names the config key when a user task file is missing", () => {
        expect(() => loadSetupTasks(cs(["nope.json"]), dir)).to.throw(pulumi.RunError).with.property(
            "message",
            `capblocks:codeServer.taskFiles: nope.json does not exist in ${dir}; give a path relative to the project directory, or remove it`,
        );
    });

    it("names the config key to set for a secret a task file declares", () => {
        fs.writeFileSync(path.join(dir, "db.json"), JSON.stringify({ secrets: ["DB_TOKEN"], tasks: [{ id: "db", name: "DB", commands: ["echo {{DB_TOKEN}} >/dev/null"] }] }));
        expect(problemsOf(() => loadSetupTasks(cs(["db.json"]), dir))).to.deep.equal([
            `capblocks:codeServer.secrets.DB_TOKEN: is not set, but ${path.join(dir, "db.json")} declares the secret DB_TOKEN; set it to an SSM SecureString ` +
                "parameter name or a Secrets Manager ARN (pulumi config set --path capblocks:codeServer.secrets.DB_TOKEN /path/to/parameter)",
        ]);
        const loaded = loadSetupTasks(cs(["db.json"], { DB_TOKEN: "/team/db-token" }), dir);
        expect(loaded.secretNames).to.have.members(["PASSWORD", "DB_TOKEN"]);
    });

    it("refuses a secret in config that no task file reads (the instance role would get it for nothing)", () => {
        expect(problemsOf(() => loadSetupTasks(cs([], { HF_TOKEN: "/ml/hf-token" }), dir))).to.deep.equal([
            "capblocks:codeServer.secrets.HF_TOKEN: no task file declares the secret HF_TOKEN, so the instance need not read it; " +
                "add \"HF_TOKEN\" to the \"secrets\" of the task file that uses it, or remove the key",
        ]);
    });

    it("lets a task file hold only variables of its own", () => {
        fs.writeFileSync(path.join(dir, "mine.json"), JSON.stringify({ variables: { CONDA_ENV: "ml" } }));
        const loaded = loadSetupTasks(cs(["mine.json"]), dir);
        expect(loaded.variables).to.include({ CONDA_ENV: "ml", USER: "dev" });
        expect(loaded.tasks.map((t) => t.id)).to.deep.equal(shippedIds);
    });

    it("refuses a task file that sets what the stack fixes, naming the file and the key to use instead", () => {
        const file = path.join(dir, "fixed.json");
        fs.writeFileSync(file, JSON.stringify({ variables: { USER: "me", HOME_DIR: "/home/me", NGINX_PORT: "8081", INTERNAL_PORT: "9000" } }));
        const fixed = (name: string, what: string) =>
            `capblocks:codeServer.taskFiles: ${file} sets the variable ${name}, which the stack fixes; remove it from the file's variables (${what})`;
        expect(problemsOf(() => loadSetupTasks(cs(["fixed.json"]), dir))).to.deep.equal([
            fixed("USER", "set capblocks:codeServer.user instead"),
            fixed("HOME_DIR", "set capblocks:codeServer.homeDir instead"),
            fixed("NGINX_PORT", "set capblocks:codeServer.nginxPort instead"),
            fixed("INTERNAL_PORT", "set capblocks:codeServer.internalPort instead"),
        ]);
        // The old way to choose code-server's version and extensions now points at their keys.
        fs.writeFileSync(file, JSON.stringify({ variables: { CODE_SERVER_VERSION: "4.99.0", EXTENSIONS: "redhat.vscode-yaml", HTTPS: "on" } }));
        expect(problemsOf(() => loadSetupTasks(cs(["fixed.json"]), dir))).to.deep.equal([
            fixed("CODE_SERVER_VERSION", "set capblocks:codeServer.version instead"),
            fixed("EXTENSIONS", "set capblocks:codeServer.extensions instead"),
            fixed("HTTPS", "capblocks:codeServer.allowedCidrs turns HTTPS on"),
        ]);
    });

    it("refuses a name that is a variable in one file and a secret in another", () => {
        fs.writeFileSync(path.join(dir, "pw.json"), JSON.stringify({ variables: { PASSWORD: "hunter2" } }));
        expect(() => loadSetupTasks(cs(["pw.json"]), dir)).to.throw(pulumi.RunError).with.property(
            "message",
            `capblocks:codeServer.taskFiles: task file ${path.join(dir, "pw.json")}: PASSWORD is a variable here and a secret in ${CODE_SERVER_TASKS_FILE}; ` +
                "a name is one or the other; fix the file or remove it from capblocks:codeServer.taskFiles",
        );
    });

    it("reports a user task file the loader refuses as a config error naming the key, the file and the fix", () => {
        fs.writeFileSync(path.join(dir, "dup.json"), JSON.stringify({ tasks: [{ id: "nginx", name: "Mine", commands: ["true"] }] }));
        expect(() => loadSetupTasks(cs(["dup.json"]), dir)).to.throw(pulumi.RunError).with.property(
            "message",
            `capblocks:codeServer.taskFiles: task file ${path.join(dir, "dup.json")}: task id "nginx" is already used in ${CODE_SERVER_TASKS_FILE}; ` +
                "task ids must be unique; fix the file or remove it from capblocks:codeServer.taskFiles",
        );
    });
});
