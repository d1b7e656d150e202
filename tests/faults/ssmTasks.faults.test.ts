import { expect } from "chai";
import { spawn } from "child_process";
import { stateOnlyProvider } from "../../dynamic-providers/shared/partialFailure";
import * as fs from "fs";
import * as path from "path";
import { CancelCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ssmTasksProvider } from "../../dynamic-providers/ssmTasks";
import type { SsmTasksOutputs, TaskSpec } from "../../dynamic-providers/ssmTasks";
import type { Clock } from "../../dynamic-providers/shared/clock";
import type { SsmFake } from "../fakes/ssmFake";
import { installSsmFake } from "../fakes/ssmFake";
import { scaledClock } from "../fakes/ssmFakeClock";
import { fastClock, installClock, MARKER_DIR, recordingTask, up, useClock } from "../helpers/ssmTasksHarness";

/*
 * Fault injection for SsmTasks: every fault and what the user sees. Promises under test: no task is lost or run
 * twice at once, progress is kept in state (the error carries id and properties), and the message says which
 * task failed where, why, and how to resume. SSM facts (API reference,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html and API_GetCommandInvocation.html):
 * SendCommand has no idempotency token; GetCommandInvocation may answer InvocationDoesNotExist right after sending;
 * output is cut at 24,000 (stdout) / 8,000 (stderr) characters; StatusDetails "Delivery Timed Out" / "Execution Timed Out".
 */

const I1 = "i-0123456789abcdef0";
const provider = ssmTasksProvider;

/** Time that passes only when the provider sleeps: waits of minutes take no real time (no command may run). */
function virtualClock(): Clock {
    let now = Date.parse("2026-11-23T10:00:00Z");
    return { now: () => now, sleep: async (ms) => { now += ms; }, notify: (message) => console.log(message) };
}

function inputs(tasks: TaskSpec[], extra: Record<string, unknown> = {}) {
    return { __provider: "serialized-provider", instanceIds: [I1], tasks, variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR, ...extra };
}

function lines(fake: SsmFake, file: string): string[] {
    const at = path.join(fake.instanceRoot(I1), file);
    return fs.existsSync(at) ? fs.readFileSync(at, "utf8").split("\n").filter(Boolean) : [];
}

function statuses(outs: SsmTasksOutputs): Record<string, string> {
    return Object.fromEntries(Object.entries(outs.taskStates).map(([id, s]) => [id, s.status]));
}

/** The steps every failure message ends with (dynamic-providers/ssmTasks/output.ts failureMessage). */
function howToResume(commandId: string, taskId: string): string[] {
    return [
        `Inspect: aws ssm get-command-invocation --region us-east-1 --command-id ${commandId} --instance-id ${I1}`,
        `Full log: aws ssm start-session --region us-east-1 --target ${I1}, then: sudo less ${MARKER_DIR}/${taskId}.log`,
        `Fix the cause and run \`pulumi up\` again: it resumes at task "${taskId}"; tasks that finished are not run again.`,
    ];
}

describe("faults: SsmTasks against the SSM fake", function () {
    useClock(fastClock);
    let fake: SsmFake;
    afterEach(async () => {
        await fake?.settled();
        fake?.restore();
    });

    it("InvocationDoesNotExist / empty listings for the first polls: each task runs once and the failure is the task's", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, invocationNotFoundPolls: 4 });
        const result = await up(provider, inputs([recordingTask("a"), recordingTask("b", ["exit 5"])]));
        expect(fake.count("SendCommand")).to.equal(1);
        expect(lines(fake, "runs.log")).to.deep.equal(["a"]);
        expect(statuses(result.outs)).to.deep.equal({ a: "success", b: "failed" });
        expect(result.error?.message.split("\n")[0]).to.equal(`SsmTasks: task "b" (Task b) failed on ${I1}: exit code 5.`);
    });

    it("agent ConnectionLost, then Online: waits, then runs every task once with one command", async () => {
        fake = installSsmFake({ instances: [{ id: I1, pingStatus: "ConnectionLost", onlineAfterDescribes: 3 }], markerDir: MARKER_DIR });
        const result = await up(provider, inputs([recordingTask("a"), recordingTask("b")]));
        expect(result.error).to.equal(undefined);
        expect(fake.count("DescribeInstanceInformation")).to.equal(4);
        expect(fake.count("SendCommand")).to.equal(1);
        expect(lines(fake, "runs.log")).to.deep.equal(["a", "b"]);
    });

    it("agent never Online: fails after agentWaitSeconds naming the instance and the fix; tasks kept pending; the next up runs them", async () => {
        fake = installSsmFake({ instances: [{ id: I1, pingStatus: "ConnectionLost" }], markerDir: MARKER_DIR });
        const restore = installClock(virtualClock());
        const first = await up(provider, inputs([recordingTask("a")], { agentWaitSeconds: 600 })).finally(restore);
        expect(first.error?.message).to.equal(`SsmTasks: SSM agent not Online after 600 s: ${I1}: SSM agent ConnectionLost. ` +
            "Check the instance is running, its instance profile has AmazonSSMManagedInstanceCore and it can reach the SSM endpoints, " +
            "then run `pulumi up` again (agentWaitSeconds sets how long to wait).");
        expect(first.error?.properties).to.have.property("__provider", stateOnlyProvider(""));
        expect(statuses(first.outs)).to.deep.equal({ a: "pending" });
        expect(fake.count("DescribeInstanceInformation"), "polled for the whole wait, with backoff").to.be.within(10, 80);
        expect(fake.count("SendCommand")).to.equal(0);

        fake.setPingStatus(I1, "Online");
        const second = await up(provider, inputs([recordingTask("a")], { agentWaitSeconds: 600 }), { id: first.id, outs: first.outs });
        expect(second.error).to.equal(undefined);
        expect(lines(fake, "runs.log")).to.deep.equal(["a"]);
    });

    it("a task that exits non-zero: the message names task, instance, exit code, its output tail, and how to resume", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const tasks = [recordingTask("a"), { id: "b", name: "Install drivers", commands: ["echo fetching", "echo 'E: Unable to locate package nvidia-driver-999' >&2", "exit 100"] }, recordingTask("c")];
        const result = await up(provider, inputs(tasks));
        const commandId = result.outs.taskStates.b.commandId as string;
        expect(result.error?.message.split("\n")).to.deep.equal([
            `SsmTasks: task "b" (Install drivers) failed on ${I1}: exit code 100.`,
            "Last lines of its output (secrets scrubbed):",
            "  fetching",
            "  E: Unable to locate package nvidia-driver-999",
            ...howToResume(commandId, "b"),
        ]);
        expect(statuses(result.outs)).to.deep.equal({ a: "success", b: "failed", c: "pending" });
        expect(lines(fake, "runs.log")).to.deep.equal(["a"]);
    });

    it("a task over its own timeoutSeconds is stopped and reported as timed out; the tasks after it stay pending", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const tasks = [{ id: "hang", name: "Hang", commands: ["echo waiting for apt lock", "sleep 30"], timeoutSeconds: 1 }, recordingTask("c")];
        const result = await up(provider, inputs(tasks));
        expect(result.error?.message.split("\n").slice(0, 3)).to.deep.equal([
            `SsmTasks: task "hang" (Hang) failed on ${I1}: timed out (its timeoutSeconds).`,
            "Last lines of its output (secrets scrubbed):",
            "  waiting for apt lock",
        ]);
        expect(statuses(result.outs)).to.deep.equal({ hang: "failed", c: "pending" });
    });

    it("SSM TimedOut (Execution Timed Out): the running task is blamed, earlier progress kept", async () => {
        // executionTimeout = 1 + 30 = 31 SSM seconds = 310 ms here; the task's own 30 s limit never fires.
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: 10 });
        const tasks = [{ ...recordingTask("a"), timeoutSeconds: 1 }, { id: "slow", name: "Slow", commands: ["sleep 5"], timeoutSeconds: 30 }];
        const result = await up(provider, inputs(tasks));
        expect(result.error?.message.split("\n")[0]).to.equal(
            `SsmTasks: task "slow" (Slow) failed on ${I1}: SSM stopped the command at its executionTimeout (the sum of the tasks' timeoutSeconds).`);
        expect(statuses(result.outs)).to.deep.equal({ a: "success", slow: "failed" });
    });

    it("SSM TimedOut (Delivery Timed Out): the message says the command never reached the instance, not that a task ran too long", async () => {
        // Delivery timeout 600 SSM seconds = 600 ms here.
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: 1 });
        fake.dropAgentOnNextSend(I1);
        const result = await up(provider, inputs([recordingTask("a"), recordingTask("b")]));
        expect(result.error?.message.split("\n")[0]).to.equal(`SsmTasks: task "a" (Task a) failed on ${I1}: SSM could not deliver the command ` +
            "to the instance (Delivery Timed Out): its SSM agent did not pick it up in time, so no task ran. Check the instance is running and its agent Online.");
        expect(statuses(result.outs)).to.deep.equal({ a: "failed", b: "pending" });
        expect(lines(fake, "runs.log")).to.deep.equal([]);
    });

    it("an instance terminated mid-run: progress before it kept; the next up names the instance as gone", async () => {
        // No agent reports for a terminated instance: SSM ends the invocation at executionTimeout, 32 SSM s = 640 ms here.
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: 20 });
        const tasks = [{ ...recordingTask("a"), timeoutSeconds: 1 }, { id: "train", name: "Long setup", commands: ['echo begun >> "$HOME/runs.log"', "sleep 5"], timeoutSeconds: 30 }, { ...recordingTask("c"), timeoutSeconds: 1 }];
        const running = up(provider, inputs(tasks));
        while (!lines(fake, "runs.log").includes("begun")) await new Promise((resolve) => setTimeout(resolve, 5));
        fake.terminate(I1);
        const first = await running;
        expect(statuses(first.outs)).to.deep.equal({ a: "success", train: "failed", c: "pending" });
        expect(first.error?.message.split("\n")[0]).to.contain(`task "train" (Long setup) failed on ${I1}`);
        expect(first.error?.id).to.match(/^ssmtasks-/);

        const second = await up(provider, inputs(tasks, { agentWaitSeconds: 0 }), { id: first.id, outs: first.outs });
        expect(second.error?.message).to.contain(`SSM agent not Online after 0 s: ${I1}: not registered with SSM. Check the instance is running`);
        expect(statuses(second.outs)).to.deep.equal({ a: "success", train: "failed", c: "pending" });
    });

    it("SendCommand answer lost, command sent again by the next up while the first still runs: the task never runs twice at once", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const slow: TaskSpec = { id: "slow", name: "Slow", commands: ['date +%s%N >> "$HOME/starts"', "sleep 0.4", 'date +%s%N >> "$HOME/ends"'] };
        fake.loseNextSendAnswer();
        const first = await up(provider, inputs([slow]));
        expect(first.error?.message).to.equal(`SsmTasks: SSM SendCommand to ${I1} got no answer (TimeoutError: socket hang up); ` +
            "SSM may have received it and be running the tasks now. Running `pulumi up` again is safe: a task still running holds its lock, " +
            "so a re-sent command waits for it and skips what finished.");
        expect(statuses(first.outs)).to.deep.equal({ slow: "pending" });

        const second = await up(provider, inputs([slow]), { id: first.id, outs: first.outs });
        expect(second.error).to.equal(undefined);
        expect(statuses(second.outs)).to.deep.equal({ slow: "success" });
        const sentAt = fake.calls.filter((c) => c.operation === "SendCommand").map((c) => c.at);
        const [start] = lines(fake, "starts").map((ns) => Number(BigInt(ns) / 1_000_000n));
        const ends = lines(fake, "ends").map((ns) => Number(BigInt(ns) / 1_000_000n));
        expect(sentAt).to.have.length(2);
        expect(sentAt[1], "the second command was sent before the first run ended: the two runs overlapped").to.be.below(ends[0]);
        expect(start).to.be.below(ends[0]);
        expect(lines(fake, "starts"), "ran once: the re-sent command waited on the lock, then skipped").to.have.length(1);
        expect(ends).to.have.length(1);
    });

    it("output far beyond SSM's 24,000/8,000 characters: the failed task is still found and the message stays short and useful", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const flood = (n: number) => `i=0; while [ $i -lt ${n} ]; do printf '%0150d\\n' $i; printf '%0150d\\n' $i >&2; i=$((i+1)); done`;
        const tasks = [
            { id: "chatty", name: "Chatty", commands: [flood(1000)] },
            { id: "noisy", name: "Noisy", commands: [flood(1000), `printf '%05000d\\n' 0`, "echo 'error: No space left on device' >&2", "exit 28"] },
        ];
        const result = await up(provider, inputs(tasks));
        const message = result.error?.message ?? "";
        const shown = message.split("\n");
        expect(shown[0]).to.equal(`SsmTasks: task "noisy" (Noisy) failed on ${I1}: exit code 28.`);
        expect(shown).to.include("  error: No space left on device");
        expect(shown.slice(-3)).to.deep.equal(howToResume(result.outs.taskStates.noisy.commandId as string, "noisy"));
        expect(message.length, "a tail, not the flood").to.be.below(9000);
        expect(Math.max(...shown.map((l) => l.length))).to.be.at.most(190);
        expect(statuses(result.outs)).to.deep.equal({ chatty: "success", noisy: "failed" });
        expect(fs.statSync(path.join(fake.markerDirOf(I1), "noisy.log")).size, "the full log stays on the instance").to.be.above(300_000);
    });

    describe("SSM kills a command (executionTimeout, CancelCommand): the task never runs twice at once", () => {
        /** A task that logs "start <pid>", ticks every 0.1 s for about 1 s, then logs "end <pid>" (the review's repro). */
        const slow = (timeoutSeconds: number, before: string[] = []): TaskSpec => ({
            id: "slow",
            name: "Slow",
            timeoutSeconds,
            commands: [...before, 'echo "start $$" >> "$HOME/slow.log"', 'i=0; while [ $i -lt 10 ]; do echo "tick $$" >> "$HOME/slow.log"; sleep 0.1; i=$((i+1)); done', 'echo "end $$" >> "$HOME/slow.log"'],
        });
        /** Runs in the log order: each run's lines must all come before the next run starts. */
        function runsInOrder(log: string[]): string[][] {
            const runs: string[][] = [];
            for (const line of log) {
                const [what, pid] = line.split(" ");
                if (what === "start") runs.push([pid]);
                expect(pid, `a line of an earlier run after a later run started: ${log.join(" | ")}`).to.equal(runs[runs.length - 1][0]);
                if (what !== "start") runs[runs.length - 1].push(what);
            }
            return runs;
        }

        it("executionTimeout: the killed run stops at once (the kill reaches the task), and the next up runs it alone", async () => {
            // executionTimeout = 3 SSM seconds = 300 ms here; the task needs about 1 s.
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: 100 });
            const first = await up(provider, inputs([slow(3)]));
            expect(first.error?.message.split("\n")[0]).to.equal(
                `SsmTasks: task "slow" (Slow) failed on ${I1}: SSM stopped the command at its executionTimeout (the sum of the tasks' timeoutSeconds).`);
            const ticksAtFailure = lines(fake, "slow.log").length;
            await new Promise((resolve) => setTimeout(resolve, 500));
            expect(lines(fake, "slow.log").length, "the killed run wrote nothing more").to.be.at.most(ticksAtFailure + 2);

            // A longer executionTimeout (timeoutSeconds is not part of the task's identity: it is the same task).
            const second = await up(provider, inputs([slow(60)]), { id: first.id, outs: first.outs });
            expect(second.error).to.equal(undefined);
            const runs = runsInOrder(lines(fake, "slow.log"));
            expect(runs).to.have.length(2);
            expect(runs[0], "the first run never finished").to.not.include("end");
            expect(runs[1].slice(-1)).to.deep.equal(["end"]);
        });

        it("a task that ignores SIGTERM outlives the kill for a while: the next up waits for it under the lock (its process group is recorded)", async function () {
            this.timeout(30000);
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: 100 });
            const stubborn = slow(3, ['trap "" TERM']);
            const first = await up(provider, inputs([stubborn]));
            expect(first.error?.message).to.contain("executionTimeout");
            const second = await up(provider, inputs([{ ...stubborn, timeoutSeconds: 60 }]), { id: first.id, outs: first.outs });
            expect(second.error).to.equal(undefined);
            const runs = runsInOrder(lines(fake, "slow.log"));
            expect(runs.map((r) => r.slice(-1)[0]), "the first ran to its end before the second began").to.deep.equal(["end", "end"]);
        });

        it("CancelCommand: the task stops with the command, and the next up runs it again", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
            const running = up(provider, inputs([slow(60)]));
            while (!lines(fake, "slow.log").some((l) => l.startsWith("tick"))) await new Promise((resolve) => setTimeout(resolve, 5));
            await new SSMClient({ region: "us-east-1" }).send(new CancelCommandCommand({ CommandId: fake.commandIds()[0] }));
            const first = await running;
            expect(first.error?.message.split("\n")[0]).to.equal(`SsmTasks: task "slow" (Slow) failed on ${I1}: SSM reported Cancelled (Cancelled) with exit code -1.`);
            expect(statuses(first.outs)).to.deep.equal({ slow: "failed" });
            const second = await up(provider, inputs([slow(60)]), { id: first.id, outs: first.outs });
            expect(second.error).to.equal(undefined);
            const runs = runsInOrder(lines(fake, "slow.log"));
            expect(runs.map((r) => r.includes("end"))).to.deep.equal([false, true]);
        });
    });

    describe("a task that fails before its commands start says why, not another run's output", () => {
        const task: TaskSpec = { id: "x", name: "X", timeoutSeconds: 1, commands: ['echo x >> "$HOME/runs.log"'] };
        const markers = () => fake.markerDirOf(I1);
        function oldLog(): void {
            fs.mkdirSync(markers(), { recursive: true });
            fs.writeFileSync(path.join(markers(), "x.log"), "A-RUN line 9\nA-RUN line 10\n");
        }

        it("its lock is held by another run past its timeoutSeconds (flock -E tells the lock wait apart)", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
            oldLog();
            const holder = spawn("flock", [path.join(markers(), "x.lock"), "sleep", "3"], { stdio: "ignore", detached: true });
            try {
                await new Promise((resolve) => setTimeout(resolve, 100));
                // A first task that takes no time leaves the run room (executionTimeout is the sum of the timeouts) for x's lock wait to end.
                const result = await up(provider, inputs([{ ...recordingTask("a"), timeoutSeconds: 10 }, task]));
                const message = result.error?.message ?? "";
                expect(message.split("\n").slice(0, 3)).to.deep.equal([
                    `SsmTasks: task "x" (X) failed on ${I1}: it did not start: another command held its lock on the instance for its whole timeoutSeconds.`,
                    "Last lines of its output (secrets scrubbed):",
                    `  capblocks: task x did not start: another command held its lock ${MARKER_DIR}/x.lock for its whole timeoutSeconds (1 s) and may still be running it`,
                ].map((l) => l.replace(MARKER_DIR, markers())));
                expect(message).to.not.contain("A-RUN");
                expect(lines(fake, "runs.log")).to.deep.equal(["a"]);
                expect(statuses(result.outs)).to.deep.equal({ a: "success", x: "failed" });
            } finally {
                process.kill(-(holder.pid as number), "SIGKILL");
            }
        });

        it("the marker directory is full: the message names the file that could not be written", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
            oldLog();
            fs.symlinkSync("/dev/full", path.join(markers(), "x.sh"));
            const result = await up(provider, inputs([task]));
            const message = result.error?.message ?? "";
            expect(message.split("\n")[0]).to.equal(`SsmTasks: task "x" (X) failed on ${I1}: it did not start: capblocks could not write its files on the instance.`);
            expect(message).to.contain(`capblocks: task x did not start: writing ${markers()}/x.sh failed (is ${markers()} full or read-only?)`);
            expect(message).to.match(/No space left on device/).and.not.contain("A-RUN");
            expect(statuses(result.outs)).to.deep.equal({ x: "failed" });
        });

        it("the task ran but its marker could not be written: it says so, and the task is not recorded as done", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
            fs.mkdirSync(markers(), { recursive: true });
            fs.symlinkSync("/dev/full", path.join(markers(), "x.hash"));
            const result = await up(provider, inputs([task]));
            expect(result.error?.message.split("\n")[0]).to.equal(`SsmTasks: task "x" (X) failed on ${I1}: it ran, but capblocks could not record it as done on the instance.`);
            expect(result.error?.message).to.contain(`capblocks: task x ran, but writing its marker ${markers()}/x.hash failed`);
            expect(lines(fake, "runs.log")).to.deep.equal(["x"]);
            expect(statuses(result.outs)).to.deep.equal({ x: "failed" });
        });
    });

    describe("reboots: a task exits 194 and the agent reboots the instance and runs the command again", () => {
        /** Installs something that needs a reboot: asks for one (exit 194) the first time, finds it done the next. */
        const driver: TaskSpec = {
            id: "driver",
            name: "Install a driver",
            commands: ['echo driver >> "$HOME/runs.log"', 'if [ ! -f "$HOME/driver-installed" ]; then touch "$HOME/driver-installed"; exit 194; fi'],
        };

        it("one command: tasks before it are skipped by marker after the reboot, it runs again, the rest follow", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
            const result = await up(provider, inputs([recordingTask("a"), driver, recordingTask("c")]));
            expect(result.error).to.equal(undefined);
            expect(fake.reboots(I1)).to.equal(1);
            expect(fake.count("SendCommand")).to.equal(1);
            expect(lines(fake, "runs.log")).to.deep.equal(["a", "driver", "driver", "c"]);
            expect(statuses(result.outs)).to.deep.equal({ a: "success", driver: "success", c: "success" });
            const second = await up(provider, inputs([recordingTask("a"), driver, recordingTask("c")]), { id: result.id, outs: result.outs });
            expect(second.updated).to.equal(false);
        });

        it("a task that asks for a reboot after every reboot fails after 3 instead of rebooting forever", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
            const always: TaskSpec = { id: "always", name: "Always reboots", commands: ["echo needs a reboot", "exit 194"] };
            const result = await up(provider, inputs([recordingTask("a"), always, recordingTask("c")]));
            expect(fake.reboots(I1)).to.equal(3);
            expect(result.error?.message.split("\n").slice(0, 3)).to.deep.equal([
                `SsmTasks: task "always" (Always reboots) failed on ${I1}: it asked for a reboot (exit 194) 3 times in a row; ` +
                    "once the reboot it asked for has happened, a task must find its work done and exit 0.",
                "Last lines of its output (secrets scrubbed):",
                "  needs a reboot",
            ]);
            expect(statuses(result.outs)).to.deep.equal({ a: "success", always: "failed", c: "pending" });
            expect(lines(fake, "runs.log")).to.deep.equal(["a"]);
        });
    });

    describe("an instance that stops answering mid-run is reported within minutes, not at the executionTimeout", () => {
        // One SSM second is 4 ms here, for the fake and the provider alike: 10 minutes pass in 2.4 s.
        const MS_PER_SECOND = 4;
        let restoreClock = () => {};
        let clock: Clock;
        beforeEach(() => {
            clock = scaledClock(MS_PER_SECOND);
            restoreClock = installClock(clock);
        });
        afterEach(() => restoreClock());
        /** The shipped code-server set's timeouts: 9,720 s of executionTimeout (2 h 42 min). */
        const tasks: TaskSpec[] = [
            { ...recordingTask("a"), timeoutSeconds: 120 },
            { id: "train", name: "Long setup", commands: ['echo begun >> "$HOME/runs.log"', "sleep 5"], timeoutSeconds: 9000 },
            { ...recordingTask("c"), timeoutSeconds: 600 },
        ];

        /** Runs `act` once the long task began; returns the result and the SSM minutes from `act` to the error. */
        async function upUntilBegun(act: () => void) {
            const running = up(provider, inputs(tasks));
            while (!lines(fake, "runs.log").includes("begun")) await new Promise((resolve) => setTimeout(resolve, 2));
            const lostAt = clock.now();
            act();
            const result = await running;
            return { result, minutes: (clock.now() - lostAt) / 60_000 };
        }

        it("terminated: the error names the instance after about 10 minutes; SSM's agent status was re-checked while polling", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: MS_PER_SECOND });
            const { result, minutes } = await upUntilBegun(() => fake.terminate(I1));
            expect(minutes, "checked every minute, lost after 10").to.be.within(10, 15);
            expect(result.error?.message.split("\n")).to.deep.equal([
                `SsmTasks: lost contact with ${I1}: it has not been registered with SSM for 10 minutes while it ran tasks a, train, c: ` +
                    "it stopped, was terminated or lost its network, and SSM would wait for it until the command's executionTimeout.",
                `Inspect: aws ssm get-command-invocation --region us-east-1 --command-id ${fake.commandIds()[0]} --instance-id ${I1}`,
                `When ${I1} is back, or replaced, run \`pulumi up\` again: tasks that finished there are not run again.`,
            ]);
            expect(fake.count("DescribeInstanceInformation"), "one before sending, then about one a minute").to.be.within(11, 17);
            expect(statuses(result.outs)).to.deep.equal({ a: "pending", train: "pending", c: "pending" });
            expect(result.error?.id).to.match(/^ssmtasks-/);
        });

        it("ConnectionLost for longer than 10 minutes: the same, naming the agent's status", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: MS_PER_SECOND });
            const { result, minutes } = await upUntilBegun(() => fake.setPingStatus(I1, "ConnectionLost"));
            expect(minutes).to.be.within(10, 15);
            expect(result.error?.message.split("\n")[0]).to.equal(`SsmTasks: lost contact with ${I1}: its SSM agent has been ConnectionLost for 10 minutes ` +
                "while it ran tasks a, train, c: it stopped, was terminated or lost its network, and SSM would wait for it until the command's executionTimeout.");
        });

        it("ConnectionLost for a few minutes, as while a reboot: the run goes on and succeeds", async () => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: MS_PER_SECOND });
            const short: TaskSpec[] = [tasks[0], { ...tasks[1], commands: ['echo begun >> "$HOME/runs.log"', "sleep 0.5"] }, tasks[2]];
            const running = up(provider, inputs(short));
            while (!lines(fake, "runs.log").includes("begun")) await new Promise((resolve) => setTimeout(resolve, 2));
            fake.setPingStatus(I1, "ConnectionLost");
            // About 4 SSM minutes (a reboot of a large instance); the task ends meanwhile and reports when the agent is back.
            await new Promise((resolve) => setTimeout(resolve, 1000));
            fake.setPingStatus(I1, "Online");
            const result = await running;
            expect(result.error).to.equal(undefined);
            expect(lines(fake, "runs.log")).to.deep.equal(["a", "begun", "c"]);
            expect(fake.count("DescribeInstanceInformation")).to.be.above(2);
        });
    });
});
