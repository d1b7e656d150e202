import { expect } from "chai";
import { failureMessage, interpretRun } from "../../../dynamic-providers/ssmTasks/output";

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
});
