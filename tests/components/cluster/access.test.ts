import { expect } from "chai";
import { ec2InstancesConsoleUrl, loginConnectCommand, pcsConsoleUrl } from "../../../components/cluster/access";
import type { HowRun } from "../../helpers/shellCommands";
import { runWithStubAws } from "../../helpers/shellCommands";

const COMMAND = loginConnectCommand("sa-east-1", "pcs_login123");

const LOOKUP = [
    "ec2", "describe-instances", "--region", "sa-east-1",
    "--filters", "Name=tag:aws:pcs:compute-node-group-id,Values=pcs_login123", "Name=instance-state-name,Values=running",
    "--query", "Reservations[0].Instances[0].InstanceId", "--output", "text",
];

describe("login node access", () => {
    // PCS user guide "Finding compute node group instances": PCS tags login instances aws:pcs:compute-node-group-id.
    for (const how of ["pasted", "eval"] as HowRun[]) {
        it(`${how}: finds the running login instance by its PCS tag and opens an SSM session on it as ubuntu`, () => {
            const run = runWithStubAws(COMMAND, how, "i-0login0000000001");
            expect(run.status, run.stderr).to.equal(0);
            expect(run.calls).to.deep.equal([
                LOOKUP,
                [
                    "ssm", "start-session", "--region", "sa-east-1", "--target", "i-0login0000000001",
                    "--document-name", "AWS-StartInteractiveCommand", "--parameters", '{"command":["sudo -iu ubuntu"]}',
                ],
            ]);
        });

        it(`${how}: says that no login node runs yet, and opens no session, when EC2 finds none`, () => {
            const run = runWithStubAws(COMMAND, how);
            expect(run.status).to.equal(1);
            expect(run.calls).to.deep.equal([LOOKUP]);
            expect(run.stderr).to.equal(
                "capblocks: no login node of PCS node group pcs_login123 is running yet in sa-east-1; " +
                    "PCS launches it a few minutes after the node group is created. Run this command again shortly.\n",
            );
        });
    }

    it("is one sh -c '…' command, so any POSIX shell runs it the same", () => {
        expect(COMMAND).to.match(/^sh -c '[^']*'$/);
    });

    it("refuses values that could break out of the command", () => {
        expect(() => loginConnectCommand("us-east-2; rm -rf ~", "pcs_x")).to.throw(/unexpected Region/);
        expect(() => loginConnectCommand("us-east-2", "pcs_x$(id)")).to.throw(/unexpected node group id/);
    });
});

describe("console links", () => {
    it("opens the cluster in the PCS console and its nodes (by the capblocks:cluster tag) in the EC2 console, per partition", () => {
        expect(pcsConsoleUrl("us-east-2", "pcs_abc123")).to.equal("https://us-east-2.console.aws.amazon.com/pcs/home?region=us-east-2#/clusters/pcs_abc123");
        expect(ec2InstancesConsoleUrl("us-east-2", "p5-training")).to.equal(
            "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:tag:capblocks:cluster=p5-training",
        );
        expect(pcsConsoleUrl("us-gov-west-1", "pcs_a")).to.match(/^https:\/\/console\.amazonaws-us-gov\.com\/pcs\//);
        expect(ec2InstancesConsoleUrl("cn-north-1", "c")).to.match(/^https:\/\/console\.amazonaws\.cn\/ec2\//);
    });
});
