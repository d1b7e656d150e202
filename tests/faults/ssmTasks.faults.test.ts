import { expect } from "chai";
import { stateOnlyProvider } from "../../dynamic-providers/shared/partialFailure";
import * as fs from "fs";
import * as path from "path";
import { ssmTasksProvider } from "../../dynamic-providers/ssmTasks";
import type { SsmTasksOutputs, TaskSpec } from "../../dynamic-providers/ssmTasks";
import type { Clock } from "../../dynamic-providers/shared/clock";
import type { SsmFake } from "../fakes/ssmFake";
import { installSsmFake } from "../fakes/ssmFake";
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
});
