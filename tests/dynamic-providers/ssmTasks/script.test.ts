import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TaskSpec } from "../../../dynamic-providers/ssmTasks/template";
import { prepareTasks } from "../../../dynamic-providers/ssmTasks/template";
import { executionTimeoutSeconds, renderMarkerReadScript, renderRunScript, splitIntoRuns } from "../../../dynamic-providers/ssmTasks/script";
import { parseMarkerOutput, parseRunOutput } from "../../../dynamic-providers/ssmTasks/output";
import { SCRUB_AWK } from "../../../dynamic-providers/ssmTasks/scrub";

/** Runs a script as the SSM agent does: `sh _script.sh` (dash on Ubuntu; /bin/sh is dash here). */
function sh(script: string, env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null } {
    const result = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { ...process.env, ...env } });
    return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe("wrapper scripts run with /bin/sh (dash)", () => {
    let dir: string;
    let markers: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ssm-script-"));
        markers = path.join(dir, "markers");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const tasks = (list: TaskSpec[], secrets: Record<string, string> = {}) => prepareTasks(list, { DIR: dir }, secrets);
    const log = (id: string) => ({ id, name: id, commands: [`echo ${id} >> {{DIR}}/runs`] });

    it("runs tasks in order, prints one status line each, and marks each only after it succeeds", () => {
        const run = tasks([log("a"), { id: "b", name: "b", commands: ["echo bad >&2", "exit 7"] }, log("c")]);
        const out = sh(renderRunScript(run, markers, undefined));
        expect(out.status).to.equal(1);
        const parsed = parseRunOutput(out.stdout);
        expect(parsed.tasks.map((t) => [t.id, t.status, t.exitCode])).to.deep.equal([["a", "ran", 0], ["b", "failed", 7]]);
        expect(parsed.end).to.equal("failed");
        expect(out.stderr).to.contain("bad");
        expect(fs.readFileSync(path.join(dir, "runs"), "utf8")).to.equal("a\n");
        expect(fs.readFileSync(path.join(markers, "a.hash"), "utf8").trim()).to.equal(run[0].hash);
        expect(fs.existsSync(path.join(markers, "b.hash"))).to.equal(false);
    });

    it("says how many seconds a task that ran took (read from /proc/uptime, no process per task); a skipped one says nothing", () => {
        const run = tasks([{ id: "a", name: "a", commands: ["sleep 1.1"] }, log("b")]);
        const first = parseRunOutput(sh(renderRunScript(run, markers, undefined)).stdout).tasks;
        expect(first[0].seconds).to.be.within(1, 3);
        expect(first[1].seconds).to.be.within(0, 1);
        const again = parseRunOutput(sh(renderRunScript(run, markers, undefined)).stdout).tasks;
        expect(again.map((t) => [t.status, t.seconds])).to.deep.equal([["skipped", undefined], ["skipped", undefined]]);
    });

    it("skips a task whose marker holds the same hash and re-runs one whose hash changed", () => {
        sh(renderRunScript(tasks([log("a")]), markers, undefined));
        const again = sh(renderRunScript(tasks([log("a")]), markers, undefined));
        expect(parseRunOutput(again.stdout).tasks[0].status).to.equal("skipped");
        const changed = tasks([{ id: "a", name: "a", commands: [`echo a2 >> {{DIR}}/runs`] }]);
        sh(renderRunScript(changed, markers, undefined));
        expect(fs.readFileSync(path.join(dir, "runs"), "utf8")).to.equal("a\na2\n");
    });

    it("runs commands with sh -e: a failing middle command fails the task", () => {
        const out = sh(renderRunScript(tasks([{ id: "a", name: "a", commands: ["false", "echo after >> {{DIR}}/runs"] }]), markers, undefined));
        expect(parseRunOutput(out.stdout).tasks[0].status).to.equal("failed");
        expect(fs.existsSync(path.join(dir, "runs"))).to.equal(false);
    });

    it("holds a per-task flock: a command re-sent while the first runs waits, then skips (no double run)", async () => {
        const slow = tasks([{ id: "a", name: "a", commands: ["echo start >> {{DIR}}/runs", "sleep 0.3", "echo end >> {{DIR}}/runs"] }]);
        const script = renderRunScript(slow, markers, undefined);
        const start = () =>
            new Promise<string>((resolve) => {
                const child = spawn("/bin/sh", ["-c", script]);
                let stdout = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
                child.on("close", () => resolve(stdout));
            });
        const [first, second] = await Promise.all([start(), new Promise((r) => setTimeout(r, 50)).then(start)]);
        expect(fs.readFileSync(path.join(dir, "runs"), "utf8")).to.equal("start\nend\n");
        expect([parseRunOutput(first).tasks[0].status, parseRunOutput(second).tasks[0].status].sort()).to.deep.equal(["ran", "skipped"]);
    });

    it("a background process a task leaves behind holds neither the lock nor the command's output open (flock -o)", () => {
        const started = Date.now();
        const first = sh(renderRunScript(tasks([{ id: "bg", name: "bg", commands: ["sleep 3 &"] }]), markers, undefined));
        const second = sh(renderRunScript(tasks([{ id: "bg", name: "bg", commands: ["sleep 3 &", "true"] }]), markers, undefined));
        expect(parseRunOutput(first.stdout).end).to.equal("ok");
        expect(parseRunOutput(second.stdout).tasks[0].status).to.equal("ran");
        expect(Date.now() - started).to.be.lessThan(2000);
    });

    it("fetches secrets with the instance's AWS CLI and scrubs them from the log and the printed tail", () => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "aws"), '#!/bin/sh\necho "$*" >> "$AWS_CALLS"\necho "pa$$w0rd*[x]"\n', { mode: 0o755 });
        const run = tasks(
            [{ id: "s", name: "s", commands: ['echo "using {{PW}} now" >&2', "exit 2"] }],
            { PW: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pw-AbCdEf" },
        );
        const script = renderRunScript(run, markers, "us-east-1");
        const value = sh("echo \"pa$$w0rd*[x]\"").stdout.trim();
        expect(script).to.not.contain(value);
        const out = sh(script, { PATH: `${bin}:${process.env.PATH}`, AWS_CALLS: path.join(dir, "calls") });
        expect(out.stderr).to.contain("using *** now").and.not.contain(value);
        expect(fs.readFileSync(path.join(markers, "s.log"), "utf8")).to.not.contain(value);
        expect(fs.readFileSync(path.join(dir, "calls"), "utf8")).to.contain("secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:123456789012:secret:pw-AbCdEf --query SecretString --output text --region eu-west-1");
    });

    it("fails the task with a clear message when the instance role cannot read the secret", () => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "aws"), "#!/bin/sh\necho AccessDenied >&2\nexit 254\n", { mode: 0o755 });
        const run = tasks([{ id: "s", name: "s", commands: ["echo {{PW}}"] }], { PW: "/capblocks/pw" });
        const out = sh(renderRunScript(run, markers, "us-east-1"), { PATH: `${bin}:${process.env.PATH}` });
        expect(parseRunOutput(out.stdout).tasks[0].exitCode).to.equal(90);
        expect(out.stderr).to.contain("could not read secret PW from SSM parameter /capblocks/pw with the instance role");
    });

    it("the marker read script prints one flag per task: 1 only where the marker holds the expected hash", () => {
        const run = tasks([log("a"), log("b")]);
        sh(renderRunScript(run, markers, undefined));
        fs.writeFileSync(path.join(markers, "b.hash"), "stale\n");
        const out = sh(renderMarkerReadScript([...run, { id: "c", hash: "x" }], markers));
        expect(parseMarkerOutput(out.stdout, 3)).to.deep.equal([true, false, false]);
    });

    it("the scrubber masks every occurrence, literally, including regex characters and multi-line values", () => {
        const out = spawnSync("awk", [SCRUB_AWK], {
            input: "a p.*ss b p.*ss\nline2 of secret here\nclean\n",
            encoding: "utf8",
            env: { ...process.env, CB_SCRUB_1: "p.*ss", CB_SCRUB_2: "first\nline2 of secret" },
        });
        expect(out.stdout).to.equal("a *** b ***\n*** here\nclean\n");
    });

    it("splits into several runs only when one would exceed SSM's 64 KB, keeping order", () => {
        const big = (id: string) => ({ id, name: id, commands: [`echo ${"x".repeat(20_000)}`] });
        const list = tasks([big("a"), big("b"), big("c"), log("d")]);
        const runs = splitIntoRuns(list, markers, undefined);
        expect(runs.map((r) => r.map((t) => t.id))).to.deep.equal([["a", "b"], ["c", "d"]]);
        expect(splitIntoRuns(tasks([log("a"), log("b")]), markers, undefined)).to.have.length(1);
        expect(() => splitIntoRuns(tasks([{ id: "huge", name: "h", commands: ["x".repeat(70_000)] }]), markers, undefined)).to.throw(/"huge" alone exceeds/);
    });

    it("executionTimeout is the sum of the tasks' timeouts, capped at 172800 s", () => {
        const list = prepareTasks([{ ...log("a"), timeoutSeconds: 100000 }, { ...log("b"), timeoutSeconds: 100000 }], { DIR: dir }, {});
        expect(executionTimeoutSeconds(list)).to.equal(172800);
        expect(executionTimeoutSeconds(list.slice(0, 1))).to.equal(100000);
    });

    it("a marker directory that cannot be created fails the run's first task, saying so", () => {
        fs.writeFileSync(markers, "a file where the directory should be\n");
        const out = sh(renderRunScript(tasks([log("a"), log("b")]), markers, undefined));
        expect(parseRunOutput(out.stdout).tasks.map((t) => `${t.id} ${t.status}`)).to.deep.equal(["a nostart"]);
        expect(out.stderr.trim().split("\n").slice(-1)).to.deep.equal([`capblocks: task a did not start: cannot create ${markers}`]);
    });

    describe("reboots (exit 194, as AWS-RunShellScript defines it)", () => {
        const flag = () => path.join(dir, "installed");
        const driver = () => ({ id: "driver", name: "driver", commands: ["echo driver >> {{DIR}}/runs", `[ -f ${flag()} ] || { touch ${flag()}; exit 194; }`] });

        it("the script exits 194 right after the task, which stays unmarked; run again after the reboot, it resumes there", () => {
            const run = tasks([log("a"), driver(), log("c")]);
            const first = sh(renderRunScript(run, markers, undefined));
            expect(first.status).to.equal(194);
            expect(parseRunOutput(first.stdout).tasks.map((t) => `${t.id} ${t.status}`)).to.deep.equal(["a ran", "driver reboot"]);
            expect(parseRunOutput(first.stdout).end).to.equal(undefined);
            expect(fs.existsSync(path.join(markers, "driver.hash"))).to.equal(false);
            const again = sh(renderRunScript(run, markers, undefined));
            expect(again.status).to.equal(0);
            expect(parseRunOutput(again.stdout).tasks.map((t) => `${t.id} ${t.status}`)).to.deep.equal(["a skipped", "driver ran", "c ran"]);
            expect(fs.readFileSync(path.join(dir, "runs"), "utf8")).to.equal("a\ndriver\ndriver\nc\n");
        });

        it("the fourth reboot a task asks for in a row fails it instead; a changed task starts counting again", () => {
            const always = (n: number) => tasks([{ id: "r", name: "r", commands: [`: version ${n}`, "exit 194"] }]);
            const statuses = [1, 1, 1, 1, 2].map((n) => {
                const out = sh(renderRunScript(always(n), markers, undefined));
                return `${parseRunOutput(out.stdout).tasks[0].status} ${out.status}`;
            });
            expect(statuses).to.deep.equal(["reboot 194", "reboot 194", "reboot 194", "reboots 1", "reboot 194"]);
        });
    });

    describe("the process group of a task SSM interrupted ('<id>.pid')", () => {
        const bootId = () => fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
        function stillRunning(seconds: number) {
            const group = spawn("setsid", ["sleep", String(seconds)], { stdio: "ignore" });
            return group;
        }

        it("a new run waits while the recorded group is alive in this boot, then runs the task", async () => {
            fs.mkdirSync(markers, { recursive: true });
            const group = stillRunning(1);
            await new Promise((resolve) => setTimeout(resolve, 100));
            fs.writeFileSync(path.join(markers, "a.pid"), `${group.pid} ${bootId()}\n`);
            const started = Date.now();
            const out = sh(renderRunScript(tasks([log("a")]), markers, undefined));
            expect(parseRunOutput(out.stdout).tasks[0].status).to.equal("ran");
            expect(Date.now() - started).to.be.above(700);
            expect(fs.existsSync(path.join(markers, "a.pid")), "removed once the task ended").to.equal(false);
        });

        it("a group recorded in another boot is a reused number, not the old task: no wait", async () => {
            fs.mkdirSync(markers, { recursive: true });
            const group = stillRunning(3);
            try {
                await new Promise((resolve) => setTimeout(resolve, 100));
                fs.writeFileSync(path.join(markers, "a.pid"), `${group.pid} 00000000-0000-0000-0000-000000000000\n`);
                const started = Date.now();
                const out = sh(renderRunScript(tasks([log("a")]), markers, undefined));
                expect(parseRunOutput(out.stdout).tasks[0].status).to.equal("ran");
                expect(Date.now() - started).to.be.below(900);
            } finally {
                group.kill();
            }
        });
    });

    it("the scrubber also masks a secret as bash -x, JSON and printf %q print it re-quoted or escaped", () => {
        const secret = `Tr0ub4dor'3x"K9\\/ho$rse (a)&b`;
        const printed = [
            spawnSync("bash", ["-xc", 'test -n "$1"', "_", secret], { encoding: "utf8" }).stderr,
            JSON.stringify(secret),
            JSON.stringify({ pw: secret }).replace(/\//g, "\\/"),
            spawnSync("bash", ["-c", 'printf "%q\\n" "$1"; x=$1; declare -p x', "_", secret], { encoding: "utf8" }).stdout,
            spawnSync("bash", ["-c", 'printf "%q\\n" "$1"', "_", "tab\there'and"], { encoding: "utf8" }).stdout,
        ].join("\n");
        const out = spawnSync("awk", [SCRUB_AWK], { input: printed, encoding: "utf8", env: { ...process.env, CB_SCRUB_1: secret, CB_SCRUB_2: "tab\there'and" } });
        expect(out.stdout.split("\n").filter(Boolean)).to.deep.equal(["+ test -n '***'", '"***"', '{"pw":"***"}', "***", 'declare -- x="***"', "$'***'"]);
    });
});
