import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { CodeServerConfig } from "../../../components/config";
import { codeServerFrom } from "../../../components/config/defaults";
import { loadSetupTasks, setupVariables } from "../../../components/codeServer/setupTasks";
import { CODE_SERVER_TASKS_FILE, readTaskFile } from "../../../tasks/loader";

const cs = (taskFiles: string[]): CodeServerConfig => ({
    enabled: true, instanceType: "trn2.3xlarge", volumeSizeGb: 300, workVolumeSizeGb: 200, deleteWorkVolume: false,
    user: "dev", homeDir: "/data", allowedCidrs: [], taskFiles,
});

describe("setup tasks (index side)", () => {
    let dir: string;
    const shippedIds = readTaskFile(CODE_SERVER_TASKS_FILE).tasks.map((t) => t.id);
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
        const loaded = loadSetupTasks(cs([]), dir);
        expect(loaded.variables).to.include({ USER: "dev", HOME_DIR: "/data", INTERNAL_PORT: "8080", NGINX_PORT: "80" });
        expect(setupVariables(cs([]))).to.deep.equal({ USER: "dev", HOME_DIR: "/data", INTERNAL_PORT: "8080", NGINX_PORT: "80" });
    });

    it("ships the same user and home defaults as the stack config, so the file and the README agree", () => {
        const defaults = codeServerFrom({}, undefined);
        expect(readTaskFile(CODE_SERVER_TASKS_FILE).variables).to.include({ USER: defaults.user, HOME_DIR: defaults.homeDir });
    });

    it("names the config key when a user task file is missing", () => {
        expect(() => loadSetupTasks(cs(["nope.json"]), dir)).to.throw(pulumi.RunError).with.property(
            "message",
            `capblocks:codeServer.taskFiles: nope.json does not exist in ${dir}; give a path relative to the project directory, or remove it`,
        );
    });

    it("refuses a user task file that needs a secret the stack cannot supply", () => {
        fs.writeFileSync(path.join(dir, "db.json"), JSON.stringify({ secrets: ["DB_TOKEN"], tasks: [{ id: "db", name: "DB", commands: ["echo {{DB_TOKEN}} >/dev/null"] }] }));
        expect(() => loadSetupTasks(cs(["db.json"]), dir)).to.throw(pulumi.RunError).with.property(
            "message",
            "capblocks:codeServer.taskFiles: secret(s) DB_TOKEN have no source; task files can use only PASSWORD (fetched on the instance from the stack's own secret)",
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
