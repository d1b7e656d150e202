import { expect } from "chai";
import { loginConnectCommand } from "../../../components/cluster/access";
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
        it(`${how}: finds the running login instance by its PCS tag and opens an SSM session on it`, () => {
            const run = runWithStubAws(COMMAND, how, "i-0login0000000001");
            expect(run.status, run.stderr).to.equal(0);
            expect(run.calls).to.deep.equal([LOOKUP, ["ssm", "start-session", "--region", "sa-east-1", "--target", "i-0login0000000001"]]);
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
});
