/**
 * #29: idle stop for the on-demand box, a CloudWatch alarm with EC2's stop action (index.ts under the offline mocks).
 */
import { expect } from "chai";
import { activeBlock, ofType, oneOfType, runProgram } from "../../helpers/mocks";
import { runWithStubAws } from "../../helpers/shellCommands";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const onDemand = (more: Record<string, unknown> = {}) => ({ "capblocks:codeServer": { instanceType: "g7e.2xlarge", ...more } });

describe("idle stop (capblocks:codeServer.idleStopMinutes)", () => {
    it("on demand: an alarm on the instance's CPU that stops it through EC2's own action after the idle time", async () => {
        const { run, outputs, error } = await runProgram(onDemand({ idleStopMinutes: 60 }), {});
        expect(error).to.equal(undefined);
        const alarm = oneOfType(run, ALARM);
        const instanceId = oneOfType(run, "aws:ec2/instance:Instance").id;
        expect(alarm.name).to.equal("code-server-idle-stop");
        expect(alarm.parent).to.equal("code-server");
        expect(alarm.inputs).to.deep.include({
            namespace: "AWS/EC2",
            metricName: "CPUUtilization",
            dimensions: { InstanceId: instanceId },
            statistic: "Average",
            period: 300,
            evaluationPeriods: 12,
            datapointsToAlarm: 12,
            comparisonOperator: "LessThanThreshold",
            threshold: 5,
            // A stopped instance sends no data: that never counts as idle, so a start gets the whole time again.
            treatMissingData: "notBreaching",
            alarmActions: ["arn:aws:automate:sa-east-1:ec2:stop"],
        });
        expect(alarm.inputs.alarmDescription).to.equal(
            `capblocks: stops ${instanceId} after 60 minutes with its CPU below 5%; start it again with: aws ec2 start-instances --instance-ids ${instanceId} --region sa-east-1`,
        );
        const start = `aws ec2 start-instances --instance-ids ${instanceId} --region sa-east-1`;
        expect(outputs?.nextStep).to.contain(`It stops itself after 60 minutes with its CPU below 5% (capblocks:codeServer.idleStopMinutes); start it again with \`${start}\`.`);
        expect(runWithStubAws(start, "substituted").calls).to.deep.equal([["ec2", "start-instances", "--instance-ids", instanceId as string, "--region", "sa-east-1"]]);
    });

    it("is off by default: no alarm", async () => {
        const { run, outputs } = await runProgram(onDemand(), {});
        expect(ofType(run, ALARM)).to.deep.equal([]);
        expect(outputs?.nextStep).to.not.contain("stops itself");
    });

    it("is refused with a Capacity Block, before anything is created: stopping a prepaid instance saves nothing", async () => {
        const block = activeBlock();
        const { run, error } = await runProgram({
            "capblocks:reservation": { id: block.id, instanceType: block.instanceType },
            "capblocks:codeServer": { idleStopMinutes: 60 },
        }, { block });
        expect(error?.message).to.contain(
            "capblocks:codeServer.idleStopMinutes: only applies on demand; a Capacity Block is paid up front, so stopping its instance " +
                "saves nothing, and an instance stopped when the block ends cannot start again; remove idleStopMinutes",
        );
        expect(run.resources).to.deep.equal([]);
    });

    for (const minutes of [5, 62, 1445]) {
        it(`refuses idleStopMinutes: ${minutes}`, async () => {
            const { error } = await runProgram(onDemand({ idleStopMinutes: minutes }), {});
            expect(error?.message).to.contain(
                `capblocks:codeServer.idleStopMinutes: ${minutes} must be 10..1440 minutes in steps of 5 (EC2 reports CPU every 5 minutes; an alarm looks back at most one day)`,
            );
        });
    }

    it("refuses a quoted number", async () => {
        const { error } = await runProgram(onDemand({ idleStopMinutes: "60" }), {});
        expect(error?.message).to.contain('capblocks:codeServer.idleStopMinutes: "60" must be a whole number');
    });
});
