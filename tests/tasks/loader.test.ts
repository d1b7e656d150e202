import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CODE_SERVER_TASKS_FILE, loadCodeServerTasks, loadTasks } from "../../tasks/loader";
import { checkTaskInputs, prepareTasks } from "../../dynamic-providers/ssmTasks/template";
import { renderRunScript, renderTaskBody } from "../../dynamic-providers/ssmTasks/script";

function shSyntax(script: string): string {
    // The SSM agent runs commands with `sh` (dash on Ubuntu): check with /bin/sh (dash here), not bash.
    const result = spawnSync("/bin/sh", ["-n"], { input: script, encoding: "utf8" });
    return result.status === 0 ? "" : result.stderr;
}

describe("task loader and the shipped code-server task set", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "task-loader-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function write(name: string, content: unknown): string {
        const file = path.join(dir, name);
        fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
        return file;
    }

    it("loads the shipped file: the documented tasks in order, its variables and the PASSWORD secret", () => {
        const loaded = loadCodeServerTasks();
        const ids = loaded.tasks.map((t) => t.id);
        for (const id of ["needrestart", "apt-helper", "neuron-apt-repo", "wait-dpkg-lock", "base-packages", "user", "sudo", "home", "code-server-install", "code-server-config", "nginx", "code-server-unit", "extensions", "verify"]) {
            expect(ids).to.include(id);
        }
        expect(ids.indexOf("base-packages")).to.be.lessThan(ids.indexOf("code-server-install"));
        expect(ids.indexOf("code-server-config")).to.be.lessThan(ids.indexOf("code-server-unit"));
        expect(ids[ids.length - 1]).to.equal("verify");
        for (const name of ["USER", "HOME_DIR", "INTERNAL_PORT", "NGINX_PORT"]) expect(loaded.variables).to.have.property(name);
        expect(loaded.secretNames).to.deep.equal(["PASSWORD"]);
    });

    it("every shipped task passes the provider's checks and `sh -n` (dash) after substitution, alone and as one run", () => {
        const loaded = loadCodeServerTasks([], { USER: "dev", HOME_DIR: "/work/dev" });
        const secrets = { PASSWORD: "arn:aws:secretsmanager:us-east-1:123456789012:secret:capblocks-pw-AbCdEf" };
        expect(checkTaskInputs(loaded.tasks, loaded.variables, secrets)).to.deep.equal([]);
        const prepared = prepareTasks(loaded.tasks, loaded.variables, secrets);
        for (const task of prepared) {
            expect(task.commands.join("\n")).to.not.match(/\{\{/, task.id);
            expect(shSyntax(renderTaskBody(task, "us-east-1")), task.id).to.equal("");
        }
        expect(shSyntax(renderRunScript(prepared, "/var/lib/capblocks/tasks", "us-east-1"))).to.equal("");
    });

    it("the code-server config task writes an argon2 hash and never puts the password on a command line or in output", () => {
        const loaded = loadCodeServerTasks();
        const config = prepareTasks(loaded.tasks, loaded.variables, { PASSWORD: "/capblocks/pw" }).find((t) => t.id === "code-server-config");
        const text = config?.commands.join("\n") ?? "";
        expect(text).to.contain("hashed-password").and.contain("bind-addr: 127.0.0.1:%s").and.contain("argon2");
        expect(text).to.contain('printf \'%s\' "${CAPBLOCKS_SECRET_PASSWORD}" | argon2', "a builtin printf feeds argon2 on stdin");
        expect(text).to.not.match(/echo[^|\n]*CAPBLOCKS_SECRET_PASSWORD/);
    });

    it("the home task keeps a previous block's files on the work volume and gives them to the user (run with dash)", function () {
        if (process.getuid?.() !== 0) this.skip();
        const home = path.join(dir, "home");
        fs.mkdirSync(path.join(home, "project"), { recursive: true });
        fs.writeFileSync(path.join(home, "project", "train.py"), "print('keep me')\n");
        fs.writeFileSync(path.join(home, ".bashrc"), "# my own bashrc\n");
        fs.chownSync(path.join(home, "project", "train.py"), 12345, 12345);
        const user = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
        const loaded = loadCodeServerTasks([], { USER: user, HOME_DIR: home });
        const prepared = prepareTasks(loaded.tasks, loaded.variables, { PASSWORD: "/pw" });
        for (const id of ["home", "shell-profile", "home", "shell-profile"]) {
            const body = renderTaskBody(prepared.find((t) => t.id === id)!, undefined);
            const result = spawnSync("/bin/sh", ["-e", "-c", body], { encoding: "utf8" });
            expect(result.status, `${id}: ${result.stderr}`).to.equal(0);
        }
        expect(fs.readFileSync(path.join(home, "project", "train.py"), "utf8")).to.equal("print('keep me')\n");
        expect(fs.statSync(path.join(home, "project", "train.py")).uid).to.equal(process.getuid?.());
        const bashrc = fs.readFileSync(path.join(home, ".bashrc"), "utf8");
        expect(bashrc.startsWith("# my own bashrc\n")).to.equal(true);
        expect(bashrc.match(/\. ~\/\.capblocks_profile/g)).to.have.length(1, "the profile hook is added once");
    });

    it("appends user task files in order and rejects a duplicate id naming the file", () => {
        const extra = write("mine.json", { variables: { GREETING: "hi" }, tasks: [{ id: "hello", name: "Hello", commands: ["echo {{GREETING}} {{USER}}"] }] });
        const loaded = loadCodeServerTasks([extra], { USER: "ana" });
        expect(loaded.tasks[loaded.tasks.length - 1].id).to.equal("hello");
        expect(loaded.variables.USER).to.equal("ana");
        expect(loaded.variables.GREETING).to.equal("hi");
        const dup = write("dup.json", { tasks: [{ id: "nginx", name: "Mine", commands: ["true"] }] });
        expect(() => loadTasks([CODE_SERVER_TASKS_FILE, dup])).to.throw(/dup\.json: task id "nginx" is already used in .*code-server-setup\.json/);
    });

    it("schema errors name the file and the path (ajv): empty commands, unknown keys, bad ids", () => {
        const empty = write("empty.json", { tasks: [{ id: "x", name: "X", commands: [] }] });
        expect(() => loadTasks([empty])).to.throw(/empty\.json is not valid: \/tasks\/0\/commands must NOT have fewer than 1 items/);
        const typo = write("typo.json", { tasks: [{ id: "x", name: "X", commands: ["true"], timeout: 5 }] });
        expect(() => loadTasks([typo])).to.throw(/typo\.json is not valid: \/tasks\/0: "timeout" is not a property here; did you mean timeoutSeconds\?$/);
        const stray = write("stray.json", { tasks: [], owner: "me" });
        expect(() => loadTasks([stray])).to.throw(/stray\.json is not valid: \/: "owner" is not a property here \(known: \$schema, description, variables, secrets, tasks\)$/);
        const badId = write("bad.json", { tasks: [{ id: "../x", name: "X", commands: ["true"] }] });
        expect(() => loadTasks([badId])).to.throw(/bad\.json is not valid: \/tasks\/0\/id must match pattern/);
        const notJson = write("broken.json", "{ tasks: ");
        expect(() => loadTasks([notJson])).to.throw(/task file .*broken\.json/);
    });

    it("rejects a placeholder no file declares, naming the file and task", () => {
        const file = write("mine.json", { tasks: [{ id: "t", name: "T", commands: ["echo {{NOPE}}"] }] });
        expect(() => loadTasks([file])).to.throw(/mine\.json: task "t" uses \{\{NOPE\}\}/);
    });

    it("classifies the shipped tasks: what needs no block instance is baked into the image, the rest runs on the box", () => {
        const loaded = loadCodeServerTasks();
        expect(loaded.imageTaskIds).to.deep.equal([
            "needrestart", "apt-helper", "wait-dpkg-lock", "neuron-apt-repo", "base-packages", "locale", "code-server-install", "extensions-cache", "code-command",
        ]);
        // What needs the box itself: the work volume's home, the user, the password, services started for the user.
        for (const id of ["user", "sudo", "home", "shell-profile", "code-server-config", "vscode-settings", "tls-certificate", "nginx", "code-server-unit", "extensions", "verify"]) {
            expect(loaded.imageTaskIds, id).to.not.include(id);
        }
        expect(loaded.tasks.every((t) => !("phase" in t)), "SsmTasks gets tasks without their phase").to.equal(true);
    });

    it("a task file's tasks are instance tasks unless they say image; an image task may not read a secret", () => {
        const mine = write("mine.json", { tasks: [
            { id: "tools", name: "tools", phase: "image", commands: ["true"] },
            { id: "login", name: "login", commands: ["true"] },
        ] });
        expect(loadTasks([mine]).imageTaskIds).to.deep.equal(["tools"]);
        const leaky = write("leaky.json", { secrets: ["TOKEN"], tasks: [{ id: "pull", name: "pull", phase: "image", commands: ["echo {{TOKEN}}"] }] });
        expect(() => loadTasks([leaky])).to.throw(/leaky\.json: task "pull" has phase "image" but reads the secret \{\{TOKEN\}\}, which the image would keep/);
        const typo = write("typo.json", { tasks: [{ id: "t", name: "t", phase: "bake", commands: ["true"] }] });
        expect(() => loadTasks([typo])).to.throw(/typo\.json is not valid: \/tasks\/0\/phase must be equal to one of the allowed values/);
    });
});
