import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CODE_SERVER_TASKS_FILE, readTaskFile } from "../../tasks/loader";
import { have, ScratchMachine } from "./scratch";
import { rerunWhen } from "../helpers/taskReruns";

const shipped = readTaskFile(CODE_SERVER_TASKS_FILE);
const task = (id: string) => {
    const found = shipped.tasks?.find((t) => t.id === id);
    if (!found) throw new Error(`no shipped task ${id}`);
    return found;
};

describe("the shipped setup tasks converge (run with dash on a scratch machine)", function () {
    this.timeout(60_000);
    let m: ScratchMachine;
    const holders: ChildProcess[] = [];
    afterEach(() => {
        holders.splice(0).forEach((h) => h.kill());
        m?.cleanup();
    });

    describe("apt and dpkg", () => {
        before(function () {
            if (!have("apt-get", "apt-config", "dpkg-deb", "fuser")) this.skip();
        });
        beforeEach(() => {
            m = new ScratchMachine();
            const helper = m.run("apt-helper");
            expect(helper.status, helper.stderr).to.equal(0);
        });
        /** Another process holding a lock; the test is skipped without python3, which takes the POSIX lock. */
        async function hold(this: Mocha.Context, file: string, seconds: number) {
            if (!have("python3")) this.skip();
            const holder = await m.holdLock(file, seconds);
            holders.push(holder);
            return holder;
        }

        it("installs capblocks-apt before every task that runs it", () => {
            expect(fs.statSync(path.join(m.dir, "sbin", "capblocks-apt")).mode & 0o111).to.not.equal(0);
            const ids = shipped.tasks!.map((t) => t.id);
            const users = shipped.tasks!.filter((t) => t.commands.join("\n").includes("/usr/local/sbin/capblocks-apt ")).map((t) => t.id);
            expect(users).to.include.members(["wait-dpkg-lock", "neuron-apt-repo", "base-packages", "code-server-install"]);
            for (const id of users) expect(ids.indexOf(id), id).to.be.greaterThan(ids.indexOf("apt-helper"));
        });

        describe("neuron-apt-repo", () => {
            it("keeps a working Neuron source while another apt-get update holds the lists lock (it waits)", async function () {
                const source = m.source("neuron.list", `deb [trusted=yes] file:${m.repository("neuron", [{ name: "aws-neuronx-tools", version: "2.0" }])} ./`);
                // apt-get update itself gives up on a held lists lock at once, whatever DPkg::Lock::Timeout says.
                await hold.call(this, path.join(m.lists, "lock"), 120);
                const alone = m.sh(`apt-get -q -o DPkg::Lock::Timeout=600 -o Dir::Etc::sourcelist=${source} -o Dir::Etc::sourceparts=- update`);
                expect(alone.status).to.equal(100);
                expect(alone.stderr).to.contain("Could not get lock");
                const start = m.now();
                const r = m.run("neuron-apt-repo");
                expect(r.status, r.stderr).to.equal(0);
                expect(r.stdout).to.contain(`${source} works; kept`);
                expect(fs.existsSync(source)).to.equal(true);
                expect(m.secondsSlept(start)).to.be.at.least(120);
            });

            it("renames a source that fails on its signature", () => {
                const source = m.source("neuron.list", `deb file:${m.repository("neuron", [{ name: "aws-neuronx-tools", version: "2.0" }])} ./`);
                const r = m.run("neuron-apt-repo");
                expect(r.status, r.stderr).to.equal(0);
                expect(r.stdout).to.contain("is not signed");
                expect(r.stdout).to.contain(`${source} fails on its signature or Release file (above); renamed to ${source}.disabled-by-capblocks`);
                expect(fs.existsSync(source)).to.equal(false);
                expect(fs.existsSync(`${source}.disabled-by-capblocks`)).to.equal(true);
            });

            it("fails, and leaves the source alone, when the network makes the test inconclusive", () => {
                const source = m.source("neuron.sources", "Types: deb\nURIs: http://127.0.0.1:9/\nSuites: ./\nTrusted: yes");
                const r = m.run("neuron-apt-repo");
                expect(r.status).to.equal(1);
                expect(r.stderr).to.contain(`could not tell whether ${source} works (a lock, the network or the clock, above); it is left as it is: run pulumi up again`);
                expect(r.stderr).to.contain("capblocks-apt: trying again in 15 s");
                expect(fs.existsSync(source)).to.equal(true);
            });
        });

        it("base-packages repairs an interrupted dpkg and waits for the lists lock before installing", async function () {
            const install = task("base-packages").commands.find((c) => c.includes(" get install "))!;
            const names = install.split("--no-install-recommends ")[1].split(" ");
            m.source("ubuntu.list", `deb [trusted=yes] file:${m.repository("ubuntu", names.map((name) => ({ name, version: "1.0" })))} ./`);
            m.stub("aws", "exit 0");
            m.interruptDpkg();
            const plain = m.sh(`apt-get -q -y -o Dir::Etc::sourceparts=- install ${names[0]}`);
            expect(plain.stderr, "the scratch machine reproduces the interrupted dpkg").to.contain("dpkg was interrupted, you must manually run 'dpkg --configure -a'");
            await hold.call(this, path.join(m.lists, "lock"), 60);
            const r = m.run("base-packages");
            expect(r.status, r.stderr).to.equal(0);
            const dpkg = m.log().split("\n").filter((l) => l.startsWith("dpkg ") && !l.includes("--print-"));
            const repaired = dpkg.findIndex((l) => l.endsWith("--configure -a"));
            const unpacked = dpkg.findIndex((l) => l.includes("--unpack"));
            expect(repaired).to.be.at.least(0);
            expect(unpacked, dpkg.join("\n")).to.be.greaterThan(repaired);
            for (const name of names) expect(dpkg[unpacked]).to.contain(`${name}_1.0_all.deb`);
            expect(m.log()).to.not.match(/^snap /m, "the AWS CLI is there: no snap");
        });

        it("code-server-install moves to an older pinned version and restarts a running code-server", () => {
            const want = shipped.variables!.CODE_SERVER_VERSION;
            m.installed({ name: "code-server", version: "99.0.0" });
            const deb = m.deb({ name: "code-server", version: want });
            m.stub("dpkg-query", "echo 99.0.0");
            m.stub("curl", `while [ $# -gt 0 ]; do [ "$1" != -o ] || cp ${deb} "$2"; shift; done`);
            m.stub("code-server", `echo ${want}`);
            m.stub("systemctl", "exit 0");
            const plain = m.sh(`apt-get -q -y install ${deb}`);
            expect(plain.stderr, "apt refuses a downgrade with -y alone").to.contain("Packages were downgraded and -y was used without --allow-downgrades");
            const r = m.run("code-server-install");
            expect(r.status, r.stderr).to.equal(0);
            expect(m.log()).to.match(new RegExp(`^dpkg .*--unpack .*code-server\\.deb$`, "m"));
            expect(m.log()).to.match(/^systemctl restart capblocks-code-server\.service$/m);
        });

        it("wait-dpkg-lock waits for cloud-init and the locks within one deadline, then names the holder", async function () {
            m.stub("cloud-init", "exit 0");
            // A cloud-init that never finishes: `timeout` lets it run for its whole budget.
            m.stub("timeout", `sleep "$1"; exit 124`);
            const holder = await hold.call(this, path.join(m.admin, "lock-frontend"), 100_000);
            const start = m.now();
            const r = m.run("wait-dpkg-lock");
            expect(r.status).to.equal(1);
            expect(r.stdout).to.contain("cloud-init still busy or failed; going on");
            expect(r.stderr).to.contain("capblocks-apt: the apt/dpkg lock is still held at the deadline by:");
            expect(r.stderr).to.contain(String(holder.pid));
            expect(m.secondsSlept(start), "the task's own diagnosis comes before its timeout").to.be.below(task("wait-dpkg-lock").timeoutSeconds!);
        });
    });

    describe("a changed user or home", () => {
        it("re-runs the code-server unit (a restart) and verify when the user or the home changes", () => {
            const base = { USER: "coder", HOME_DIR: "/work" };
            for (const after of [{ ...base, USER: "alice" }, { ...base, HOME_DIR: "/data" }]) {
                expect(rerunWhen(base, after)).to.include.members(["user", "home", "code-server-unit", "verify"]);
            }
            const unit = task("code-server-unit").commands;
            expect(unit.indexOf("systemctl restart capblocks-code-server.service")).to.be.greaterThan(unit.indexOf("systemctl daemon-reload"));
        });

        it("code-server-unit writes the unit for the new user and restarts code-server under it", () => {
            m = new ScratchMachine({ USER: "alice", HOME_DIR: "/data" });
            m.stub("systemctl", "exit 0");
            const r = m.run("code-server-unit");
            expect(r.status, r.stderr).to.equal(0);
            const unitFile = fs.readFileSync(path.join(m.dir, "systemd", "capblocks-code-server.service"), "utf8");
            expect(unitFile).to.contain("User=alice\n").and.contain("WorkingDirectory=/data\n");
            expect(m.log().trim().split("\n")).to.deep.equal([
                "systemctl daemon-reload",
                "systemctl enable capblocks-code-server.service",
                "systemctl restart capblocks-code-server.service",
            ]);
        });

        describe("user (needs root, unshare and the shadow tools: runs in a private mount namespace over a copy of /etc)", () => {
            before(function () {
                if (process.getuid?.() !== 0 || !have("unshare", "useradd", "usermod", "setpriv") || spawnSync("unshare", ["-m", "true"]).status !== 0) this.skip();
            });

            /** The user task moving `cbhome`'s home from /old to /new while a process of the user runs. */
            function moveHome(stopKillsIt: boolean) {
                m = new ScratchMachine({ USER: "cbhome", HOME_DIR: "/new" });
                const etc = path.join(m.dir, "etc-copy");
                fs.cpSync("/etc", etc, { recursive: true, verbatimSymlinks: true });
                const pidFile = path.join(m.dir, "code-server.pid");
                const userTask = path.join(m.dir, "user.sh");
                fs.writeFileSync(userTask, m.body("user"));
                m.stub("systemctl", stopKillsIt ? `[ "$1" != stop ] || kill "$(cat ${pidFile})"` : "exit 0");
                const script = [
                    `mount --bind ${etc} /etc`,
                    "useradd --uid 54321 --home-dir /old --no-create-home --user-group cbhome",
                    // Stands in for code-server, which runs as the user.
                    `setpriv --reuid=54321 --regid=54321 --clear-groups /bin/sleep 60 & echo $! > ${pidFile}`,
                    "sleep_pid=$!",
                    "rc=0",
                    `sh -e ${userTask} || rc=$?`,
                    "kill $sleep_pid 2>/dev/null || :",
                    "echo \"home=$(getent passwd cbhome | cut -d: -f6)\"",
                    "exit $rc",
                ].join("\n");
                return spawnSync("unshare", ["-m", "sh", "-c", script], {
                    env: { PATH: `${m.bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
                    encoding: "utf8",
                });
            }

            it("stops code-server, which usermod would otherwise refuse to move the home under", () => {
                const r = moveHome(true);
                expect(r.status, r.stderr).to.equal(0);
                expect(r.stdout).to.contain("home=/new");
                expect(m.log()).to.contain("systemctl stop capblocks-code-server.service");
            });

            it("says which processes of the user keep it from moving the home", () => {
                const r = moveHome(false);
                expect(r.status).to.equal(1);
                expect(r.stderr).to.contain("cannot change the home of cbhome to /new while cbhome has processes; end these and run pulumi up again:");
                expect(r.stderr).to.match(/\d+ \/bin\/sleep 60/);
                expect(r.stdout).to.contain("home=/old");
            });
        });

        describe("verify", () => {
            let codeServer: ChildProcess;
            let home: string;
            const user = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
            beforeEach(() => {
                m = new ScratchMachine();
                home = fs.mkdtempSync(path.join(m.dir, "home-"));
                // Stands in for code-server: a process of this user working in `home`.
                codeServer = spawn("/bin/sleep", ["60"], { cwd: home, stdio: "ignore" });
                m.stub("systemctl", `case "$*" in *MainPID*) echo ${codeServer.pid} ;; esac`);
                m.stub("curl", "exit 0");
            });
            afterEach(() => codeServer.kill());
            const verify = (variables: Record<string, string>) => {
                const machine = new ScratchMachine(variables);
                try {
                    return m.sh(machine.body("verify"));
                } finally {
                    machine.cleanup();
                }
            };

            it("passes when code-server runs as the user in the home", () => {
                const r = verify({ USER: user, HOME_DIR: home });
                expect(r.status, r.stderr).to.equal(0);
                expect(r.stdout).to.contain(`code-server runs as ${user} in ${home}`);
            });

            it("fails while code-server still runs in the old home, or as the old user", () => {
                const r = verify({ USER: user, HOME_DIR: "/data" });
                expect(r.status).to.equal(1);
                expect(r.stderr).to.contain(`after 90 s code-server does not run as ${user} in /data`);
                const other = verify({ USER: "nobody", HOME_DIR: home });
                expect(other.status).to.equal(1);
                expect(other.stderr).to.contain(`after 90 s code-server does not run as nobody in ${home}`);
            });
        });
    });
});
