import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codeServerFrom } from "../../components/config/defaults";
import { setupVariables } from "../../components/codeServer/setupTasks";
import { have, ScratchMachine } from "./scratch";
import { rerunWhen } from "../helpers/taskReruns";

/** The variables the stack gives the shipped tasks for this codeServer config (the parameter name as the component sets it). */
function stackVariables(codeServer: Record<string, unknown> = {}, parameter = ""): Record<string, string> {
    const variables = setupVariables(codeServerFrom({ instanceType: "g7e.2xlarge", ...codeServer }, undefined));
    return { ...variables, TLS_FINGERPRINT_PARAMETER: parameter };
}

const me = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();

describe("the box's software and access, as the shipped tasks set them up (run with dash)", function () {
    this.timeout(60_000);
    let m: ScratchMachine;
    afterEach(() => m?.cleanup());

    describe("a changed setting re-runs exactly the tasks that use it", () => {
        const base = stackVariables();
        const cases: [string, Record<string, string>, string[]][] = [
            ["codeServer.version", stackVariables({ version: "4.137.0" }), ["code-server-install"]],
            ["codeServer.extensions", stackVariables({ extensions: ["redhat.vscode-yaml"] }), ["extensions-cache", "extensions"]],
            ["codeServer.locale", stackVariables({ locale: "ja_JP.UTF-8" }), ["locale"]],
            ["codeServer.workspaceTrust", stackVariables({ workspaceTrust: true }), ["vscode-settings"]],
            ["codeServer.nginxPort", stackVariables({ nginxPort: 8081 }), ["nginx", "verify"]],
            ["codeServer.internalPort", stackVariables({ internalPort: 9000 }), ["code-server-config", "nginx", "verify"]],
            ["codeServer.allowedCidrs (HTTPS on, its own port)", stackVariables({ allowedCidrs: ["203.0.113.7/32"] }, "p-1"), ["tls-certificate", "nginx", "verify"]],
        ];
        for (const [key, after, expected] of cases) {
            it(key, () => expect(rerunWhen(base, after)).to.deep.equal(expected));
        }
        it("the fingerprint parameter (a replaced parameter)", () => {
            const https = stackVariables({ allowedCidrs: ["203.0.113.7/32"] }, "p-1");
            expect(rerunWhen(https, { ...https, TLS_FINGERPRINT_PARAMETER: "p-2" })).to.deep.equal(["tls-certificate"]);
        });
    });

    describe("extensions", () => {
        beforeEach(() => {
            m = new ScratchMachine({ USER: me, EXTENSIONS: "ms-python.python gone.missing saoudrizwan.claude-dev" });
            // sudo -u USER -H code-server …: runs the rest; this code-server knows every extension but gone.missing.
            m.stub("sudo", "shift 3; exec \"$@\"");
            m.stub("code-server", "[ \"$2\" != gone.missing ] || { echo \"Extension '$2' not found.\" >&2; exit 1; }");
        });

        it("installs what Open VSX has, warns about the rest, goes on, and ends with a summary line", () => {
            const r = m.run("extensions");
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stderr).to.contain("warning: could not install the extension gone.missing from Open VSX; setup goes on without it");
            expect(r.stdout.trim().split("\n").pop()).to.equal("extensions installed: ms-python.python saoudrizwan.claude-dev; not installed: gone.missing");
            expect(m.log()).to.contain("code-server --install-extension saoudrizwan.claude-dev");
        });

        it("does nothing, and says so, for an empty list", () => {
            m = new ScratchMachine({ USER: me, EXTENSIONS: "" });
            const r = m.run("extensions");
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout.trim()).to.equal("extensions installed: none; not installed: none");
        });
    });

    describe("locale", () => {
        beforeEach(() => {
            m = new ScratchMachine({ LOCALE: "ja_JP.UTF-8" });
            m.stub("locale", "printf 'C\\nC.utf8\\nen_US.utf8\\nPOSIX\\n'");
            m.stub("locale-gen", "exit 0");
            m.stub("systemctl", "exit 0");
        });

        it("generates a missing locale and makes it LANG and LC_ALL for logins and code-server", () => {
            const r = m.run("locale");
            expect(r.status, r.stderr).to.equal(0);
            expect(m.log()).to.match(/^locale-gen ja_JP\.UTF-8$/m);
            expect(fs.readFileSync(path.join(m.dir, "default", "locale"), "utf8")).to.equal("LANG=ja_JP.UTF-8\nLC_ALL=ja_JP.UTF-8\n");
            expect(m.log()).to.match(/^systemctl try-restart capblocks-code-server\.service$/m);
        });

        it("does not generate a locale the system has (locale -a spells it en_US.utf8)", () => {
            m = new ScratchMachine({ LOCALE: "en_US.UTF-8" });
            m.stub("locale", "printf 'C.utf8\\nen_US.utf8\\n'");
            m.stub("locale-gen", "exit 0");
            m.stub("systemctl", "exit 0");
            const r = m.run("locale");
            expect(r.status, r.stderr).to.equal(0);
            expect(m.log()).to.not.contain("locale-gen");
            expect(fs.readFileSync(path.join(m.dir, "default", "locale"), "utf8")).to.equal("LANG=en_US.UTF-8\nLC_ALL=en_US.UTF-8\n");
        });

        it("is what the code-server unit reads, so code-server's terminals get it too", () => {
            m.stub("systemctl", "exit 0");
            const r = m.run("code-server-unit");
            expect(r.status, r.stderr).to.equal(0);
            const unit = fs.readFileSync(path.join(m.dir, "systemd", "capblocks-code-server.service"), "utf8");
            expect(unit).to.contain(`EnvironmentFile=-${path.join(m.dir, "default", "locale")}\n`);
        });
    });

    describe("vscode-settings", () => {
        let home: string;
        const settings = () => JSON.parse(fs.readFileSync(path.join(home, ".local", "share", "code-server", "User", "settings.json"), "utf8"));
        beforeEach(function () {
            if (!have("python3")) this.skip();
            home = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-home-"));
            fs.mkdirSync(path.join(home, ".local", "share", "code-server", "User"), { recursive: true });
            fs.writeFileSync(path.join(home, ".local", "share", "code-server", "User", "settings.json"), JSON.stringify({ "editor.fontSize": 15 }));
        });
        afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

        it("turns workspace trust, its prompt and banner, telemetry and update checks off, keeping the user's own settings", () => {
            m = new ScratchMachine({ USER: me, HOME_DIR: home, WORKSPACE_TRUST: "false" });
            const r = m.run("vscode-settings");
            expect(r.status, r.stderr).to.equal(0);
            expect(settings()).to.deep.equal({
                "editor.fontSize": 15,
                "telemetry.telemetryLevel": "off",
                "update.mode": "none",
                "extensions.autoUpdate": false,
                "extensions.autoCheckUpdates": false,
                "security.workspace.trust.enabled": false,
                "security.workspace.trust.startupPrompt": "never",
                "security.workspace.trust.banner": "never",
                "security.workspace.trust.emptyWindow": false,
            });
        });

        it("with workspaceTrust: true, turns trust on and gives its prompt and banner back to VS Code's defaults", () => {
            m = new ScratchMachine({ USER: me, HOME_DIR: home, WORKSPACE_TRUST: "false" });
            expect(m.run("vscode-settings").status).to.equal(0);
            m.cleanup();
            m = new ScratchMachine({ USER: me, HOME_DIR: home, WORKSPACE_TRUST: "true" });
            const r = m.run("vscode-settings");
            expect(r.status, r.stderr).to.equal(0);
            const s = settings();
            expect(s).to.include({ "security.workspace.trust.enabled": true, "editor.fontSize": 15, "extensions.autoCheckUpdates": false });
            expect(s).to.not.have.any.keys("security.workspace.trust.startupPrompt", "security.workspace.trust.banner", "security.workspace.trust.emptyWindow");
        });
    });

    describe("shell-profile", () => {
        it("turns Next.js telemetry off and the login banner off, as the CDK setup did", () => {
            const home = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-home-"));
            try {
                m = new ScratchMachine({ USER: me, HOME_DIR: home });
                const r = m.run("shell-profile");
                expect(r.status, r.stderr).to.equal(0);
                expect(fs.readFileSync(path.join(home, ".capblocks_profile"), "utf8")).to.contain("export NEXT_TELEMETRY_DISABLED=1\n");
                expect(fs.existsSync(path.join(home, ".hushlogin"))).to.equal(true);
                const sourced = spawnSync("sh", ["-c", `HOME=${home}; . ${home}/.capblocks_profile; echo "$NEXT_TELEMETRY_DISABLED"`], { encoding: "utf8" });
                expect(sourced.stdout.trim()).to.equal("1");
            } finally {
                fs.rmSync(home, { recursive: true, force: true });
            }
        });
    });
});
