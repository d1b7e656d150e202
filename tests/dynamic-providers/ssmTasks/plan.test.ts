import { expect } from "chai";
import { prepareTasks } from "../../../dynamic-providers/ssmTasks/template";
import { hasPendingWork, statesAfterRead, statesAfterRun, tasksToRun, TaskStates } from "../../../dynamic-providers/ssmTasks/plan";
import { failureMessage, interpretRun, parseRunOutput } from "../../../dynamic-providers/ssmTasks/output";
import { nextPollDelayMs } from "../../../dynamic-providers/ssmTasks/runner";

const DIR = "/var/lib/capblocks/tasks";
const tasks = prepareTasks(["a", "b", "c"].map((id) => ({ id, name: id, commands: [`echo ${id}`] })), {}, {});
const success = (t: { hash: string }) => ({ hash: t.hash, status: "success" as const, commandId: "c1", finishedAt: "2026-01-01T00:00:00.000Z" });
const allDone: TaskStates = Object.fromEntries(tasks.map((t) => [t.id, success(t)]));
const prior = { taskStates: allDone, instanceIds: ["i-1"], markerDir: DIR };

describe("planning which tasks run", () => {
    it("runs nothing when every task is applied with the same hash", () => {
        expect(tasksToRun(tasks, prior, ["i-1"], DIR)).to.deep.equal([]);
        expect(hasPendingWork(tasks, prior, ["i-1"], DIR)).to.equal(false);
    });

    it("runs only the failed/pending/changed tasks, in order", () => {
        const states = { ...allDone, b: { hash: tasks[1].hash, status: "failed" as const }, c: { hash: "old", status: "success" as const } };
        expect(tasksToRun(tasks, { ...prior, taskStates: states }, ["i-1"], DIR).map((t) => t.id)).to.deep.equal(["b", "c"]);
    });

    it("sends every task when an instance is new or the marker dir moved (wrappers skip what is there)", () => {
        expect(tasksToRun(tasks, prior, ["i-1", "i-2"], DIR)).to.have.length(3);
        expect(tasksToRun(tasks, prior, ["i-1"], "/elsewhere")).to.have.length(3);
        expect(tasksToRun(tasks, undefined, ["i-1"], DIR)).to.have.length(3);
    });

    it("an update is needed (without running anything) when a task or an instance is removed", () => {
        expect(hasPendingWork(tasks.slice(0, 2), prior, ["i-1"], DIR)).to.equal(true);
        expect(tasksToRun(tasks.slice(0, 2), prior, ["i-1"], DIR)).to.deep.equal([]);
        expect(hasPendingWork(tasks, { ...prior, instanceIds: ["i-1", "i-2"] }, ["i-1"], DIR)).to.equal(true);
    });

    it("after a run: success only where every instance ran or skipped, failed where one failed, pending after the stop", () => {
        const ok = parseRunOutput("cbt 0 ran 0 a\ncbt 1 skipped 0 b\ncbt 2 ran 0 c\ncbt-end ok\n");
        const bad = parseRunOutput("cbt 0 ran 0 a\ncbt 1 failed 3 b\ncbt-end failed\n");
        const lines = [ok, bad].map((o) => new Map(o.tasks.map((t) => [t.index, t])));
        const states = statesAfterRun(tasks, {}, tasks, lines, "cmd-1", "2026-01-01T00:00:00.000Z");
        expect([states.a.status, states.b.status, states.c.status]).to.deep.equal(["success", "failed", "pending"]);
        expect(states.c).to.deep.equal({ hash: tasks[2].hash, status: "pending" }, "no undefined keys");
    });

    it("after refresh: a marker missing on any instance makes the task pending; failed stays failed; nothing known keeps state", () => {
        const states = statesAfterRead({ ...allDone, c: { hash: tasks[2].hash, status: "failed" } }, ["a", "b", "c"], [[true, false, false], [true, true, false]]);
        expect([states.a.status, states.b.status, states.c.status]).to.deep.equal(["success", "pending", "failed"]);
        expect(states.a).to.deep.equal(allDone.a);
        expect(statesAfterRead(allDone, ["a", "b", "c"], [])).to.equal(allDone);
    });
});

describe("reading SSM results", () => {
    const view = { instanceId: "i-1", commandId: "cmd-1", status: "Failed", statusDetails: "Failed", responseCode: 1, stdout: "", stderr: "" };

    it("blames the task whose status line says failed, with its exit code and the stderr tail", () => {
        const run = interpretRun({ ...view, stdout: "cbt 0 ran 0 a\ncbt 1 failed 3 b\ncbt-end failed\n", stderr: "x\nE: no such package\n" }, ["a", "b", "c"]);
        expect(run.failure).to.deep.include({ index: 1, exitCode: 3, reason: "exit code 3" });
        expect(run.failure?.tail).to.deep.equal(["x", "E: no such package"]);
    });

    it("blames the first unreported task when SSM ended the command (TimedOut = executionTimeout)", () => {
        const run = interpretRun({ ...view, status: "TimedOut", statusDetails: "Execution Timed Out", stdout: "cbt 0 ran 0 a\n" }, ["a", "b"]);
        expect(run.failure?.index).to.equal(1);
        expect(run.failure?.reason).to.contain("executionTimeout");
        expect(run.lines.get(1)?.status).to.equal("timedout");
    });

    it("the failure message names task, instance, exit code, tail, command id, log path, and how to resume", () => {
        const failure = { index: 1, exitCode: 3, reason: "exit code 3", tail: ["E: boom"] };
        const message = failureMessage([{ instanceId: "i-1", commandId: "cmd-1", taskId: "b", taskName: "Bee", failure }], "us-east-1", DIR);
        expect(message).to.contain('task "b" (Bee) failed on i-1: exit code 3').and.contain("  E: boom");
        expect(message).to.contain("aws ssm get-command-invocation --region us-east-1 --command-id cmd-1 --instance-id i-1");
        expect(message).to.contain(`aws ssm start-session --region us-east-1 --target i-1, then: sudo less ${DIR}/b.log`);
        expect(message).to.contain('resumes at task "b"');
    });

    it("polls soon after sending and backs off with elapsed time (≤ 3% late, 150 ms … 5 s)", () => {
        expect(nextPollDelayMs(0)).to.equal(150);
        expect(nextPollDelayMs(20_000)).to.equal(600);
        expect(nextPollDelayMs(10 * 60_000)).to.equal(5000);
    });
});
