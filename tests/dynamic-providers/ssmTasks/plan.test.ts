import { expect } from "chai";
import { prepareTasks } from "../../../dynamic-providers/ssmTasks/template";
import type { TaskStates } from "../../../dynamic-providers/ssmTasks/plan";
import { hasPendingWork, plannedRunLine, statesAfterRead, statesAfterRun, tasksToRun } from "../../../dynamic-providers/ssmTasks/plan";
import { parseRunOutput } from "../../../dynamic-providers/ssmTasks/output";

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

    it("says what the next run sends (preview's dry run): the tasks it runs, and how many are done and will not", () => {
        const states = { ...allDone, b: { hash: tasks[1].hash, status: "failed" as const } };
        const run = tasksToRun(tasks, { ...prior, taskStates: states }, ["i-1"], DIR);
        expect(plannedRunLine(run, tasks, 1)).to.equal("SsmTasks: up will run b on 1 instance; the other 2 are done and will not run");
        expect(plannedRunLine(tasksToRun(tasks, prior, ["i-1", "i-2"], DIR), tasks, 2))
            .to.equal("SsmTasks: up will run a, b, c on 2 instances; an instance skips each one it already has");
        expect(plannedRunLine(tasksToRun(tasks, prior, ["i-1"], DIR), tasks, 1)).to.equal(undefined);
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
        const states = statesAfterRun(tasks, {}, { sent: tasks, instanceIds: ["i-1", "i-2"], outcomes: lines, commandId: "cmd-1", finishedAt: "2026-01-01T00:00:00.000Z" });
        expect([states.a.status, states.b.status, states.c.status]).to.deep.equal(["success", "failed", "pending"]);
        expect(states.c).to.deep.equal({ hash: tasks[2].hash, status: "pending", instances: { "i-2": "pending" } }, "no undefined keys");
    });

    it("after a run: a task not done everywhere names the instances where it is not, and how it stands there", () => {
        const ok = parseRunOutput("cbt 0 ran 0 a\ncbt 1 ran 0 b\ncbt 2 ran 0 c\ncbt-end ok\n");
        const bad = parseRunOutput("cbt 0 ran 0 a\ncbt 1 failed 3 b\ncbt-end failed\n");
        const lines = [ok, bad, ok].map((o) => new Map(o.tasks.map((t) => [t.index, t])));
        const states = statesAfterRun(tasks, {}, { sent: tasks, instanceIds: ["i-1", "i-2", "i-3"], outcomes: lines, commandId: "cmd-1", finishedAt: "2026-01-01T00:00:00.000Z" });
        expect(states.a).to.not.have.property("instances");
        expect(states.b.instances).to.deep.equal({ "i-2": "failed" });
        expect(states.c.instances).to.deep.equal({ "i-2": "pending" });
    });

    it("after refresh: a marker missing on any instance makes the task pending; failed stays failed; nothing known keeps state", () => {
        const rows = [{ instanceId: "i-1", applied: [true, false, false] }, { instanceId: "i-2", applied: [true, true, false] }];
        const states = statesAfterRead({ ...allDone, c: { hash: tasks[2].hash, status: "failed", instances: { "i-1": "failed" } } }, ["a", "b", "c"], rows);
        expect([states.a.status, states.b.status, states.c.status]).to.deep.equal(["success", "pending", "failed"]);
        expect(states.a).to.deep.equal(allDone.a);
        expect(states.b).to.deep.equal({ hash: tasks[1].hash, status: "pending", instances: { "i-1": "pending" } });
        expect(states.c.instances).to.deep.equal({ "i-1": "failed", "i-2": "pending" });
        expect(statesAfterRead(allDone, ["a", "b", "c"], [])).to.equal(allDone);
    });

    it("a task the wrapper could not start or record is failed; one that asked for a reboot and was not seen again is pending", () => {
        const nostart = parseRunOutput("cbt 0 ran 0 a\ncbt 1 nostart 0 b\ncbt-end failed\n");
        const rebooting = parseRunOutput("cbt 0 ran 0 a\ncbt 1 reboot 194 b\n");
        const states = (o: ReturnType<typeof parseRunOutput>) =>
            statesAfterRun(tasks, {}, { sent: tasks, instanceIds: ["i-1"], outcomes: [new Map(o.tasks.map((t) => [t.index, t]))], commandId: "cmd-1", finishedAt: "2026-01-01T00:00:00.000Z" });
        expect(Object.values(states(nostart)).map((s) => s.status)).to.deep.equal(["success", "failed", "pending"]);
        expect(Object.values(states(rebooting)).map((s) => s.status)).to.deep.equal(["success", "pending", "pending"]);
    });
});
