import { expect } from "chai";
import { loginConnectCommand } from "../../../components/cluster/access";

describe("login node access", () => {
    // PCS user guide "Finding compute node group instances": PCS tags login instances aws:pcs:compute-node-group-id.
    it("builds an SSM session command that finds the login instance by its PCS tag", () => {
        expect(loginConnectCommand("sa-east-1", "pcs_login123")).to.equal(
            'aws ssm start-session --region sa-east-1 --target "$(aws ec2 describe-instances --region sa-east-1 ' +
                '--filters "Name=tag:aws:pcs:compute-node-group-id,Values=pcs_login123" "Name=instance-state-name,Values=running" ' +
                '--query "Reservations[0].Instances[0].InstanceId" --output text)"',
        );
    });
});
