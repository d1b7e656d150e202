import { expect } from "chai";
import { failureMessage, interpretRun, LOST } from "../../../dynamic-providers/ssmTasks/output";

const DIR = "/var/lib/capblocks/tasks";

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

    it("after a reboot (exit 194) a task's last line counts, whether SSM keeps the output from before the reboot or not", () => {
        const before = "cbt 0 ran 0 a\ncbt 1 reboot 194 b\n";
        const after = "cbt 0 skipped 0 a\ncbt 1 ran 0 b\ncbt 2 ran 0 c\ncbt-end ok\n";
        for (const stdout of [before + after, after]) {
            const run = interpretRun({ ...view, status: "Success", statusDetails: "Success", responseCode: 0, stdout }, ["a", "b", "c"]);
            expect(run.failure).to.equal(undefined);
            expect([...run.lines.values()].map((l) => l.status)).to.deep.equal(["skipped", "ran", "ran"]);
        }
    });

    it("a reboot the command never came back from is blamed on the task that asked for it", () => {
        const run = interpretRun({ ...view, status: "TimedOut", statusDetails: "Execution Timed Out", stdout: "cbt 0 ran 0 a\ncbt 1 reboot 194 b\n" }, ["a", "b", "c"]);
        expect(run.failure).to.deep.include({ index: 1 });
        expect(run.failure?.reason).to.equal("it asked for a reboot (exit 194), and SSM ended the command (TimedOut, Execution Timed Out) before the instance finished the run after it");
    });

    it("says why a task did not start, or was not recorded, from the wrapper's status words", () => {
        const reasons = ["locked", "busy", "nostart", "unmarked", "wrapper"].map((status) =>
            interpretRun({ ...view, stdout: `cbt 0 ${status} 98 a\ncbt-end failed\n` }, ["a"]).failure?.reason);
        expect(reasons).to.deep.equal([
            "it did not start: another command held its lock on the instance for its whole timeoutSeconds",
            "it did not start: an earlier run of it that SSM stopped was still running",
            "it did not start: capblocks could not write its files on the instance",
            "it ran, but capblocks could not record it as done on the instance",
            "capblocks' wrapper around it failed with exit code 98",
        ]);
    });

    it("an instance the runner lost contact with blames no task and ends with how to resume once it is back", () => {
        const run = interpretRun({ ...view, status: LOST, statusDetails: "its SSM agent has been ConnectionLost for 10 minutes" }, ["a", "b"]);
        expect(run.lines.size, "which task it was on is not known").to.equal(0);
        const lost = { instanceId: "i-1", commandId: "cmd-1", taskId: "a", taskName: "A", failure: run.failure as NonNullable<typeof run.failure> };
        const other = { ...lost, instanceId: "i-2", taskId: "b", failure: { index: 1, exitCode: 3, reason: "exit code 3", tail: [] } };
        expect(failureMessage([lost, other], "us-east-1", DIR).split("\n")).to.deep.equal([
            "SsmTasks: lost contact with i-1: its SSM agent has been ConnectionLost for 10 minutes while it ran tasks a, b: it stopped, " +
                "was terminated or lost its network, and SSM would wait for it until the command's executionTimeout.",
            'Also failed: task "b" on i-2: exit code 3.',
            "Inspect: aws ssm get-command-invocation --region us-east-1 --command-id cmd-1 --instance-id i-1",
            "When i-1 is back, or replaced, run `pulumi up` again: tasks that finished there are not run again.",
        ]);
    });
});
