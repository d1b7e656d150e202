import { expect } from "chai";
import { loginConnectCommand } from "../../../components/cluster/access";
import { IAM_NAME_PREFIX_MAX, pcsRoleNamePrefix } from "../../../components/cluster/iam";
import { storagePorts } from "../../../components/cluster/security";
import { blockStateProblem } from "../../../components/cluster/validation";
import { pcsAmiWarning } from "../../../components/cluster/ami";

describe("cluster pieces", () => {
    // PCS guide "IAM instance profiles": role name starts with AWSPCS; IAM namePrefix max 38 (+26 suffix = 64).
    it("names the node role AWSPCS-… within IAM's limit for any valid cluster name", () => {
        expect(pcsRoleNamePrefix("dev")).to.equal("AWSPCS-dev-");
        const long = pcsRoleNamePrefix("a".repeat(40));
        expect(long).to.match(/^AWSPCS-a+-$/);
        expect(long.length).to.equal(IAM_NAME_PREFIX_MAX);
    });

    // PCS tags login instances aws:pcs:compute-node-group-id.
    it("builds an SSM session command that finds the login instance by its PCS tag", () => {
        const cmd = loginConnectCommand("sa-east-1", "pcs_login123");
        expect(cmd).to.equal(
            'aws ssm start-session --region sa-east-1 --target "$(aws ec2 describe-instances --region sa-east-1 ' +
                '--filters "Name=tag:aws:pcs:compute-node-group-id,Values=pcs_login123" "Name=instance-state-name,Values=running" ' +
                '--query "Reservations[0].Instances[0].InstanceId" --output text)"',
        );
    });

    // PCS Capacity Block guide: the block must be scheduled or active.
    it("accepts a scheduled or active block, stops on an unpaid one, and only warns about an ended one", () => {
        expect(blockStateProblem("cr-1", "scheduled")).to.equal(undefined);
        expect(blockStateProblem("cr-1", "active")).to.equal(undefined);
        const pending = blockStateProblem("cr-1", "payment-pending");
        expect(pending?.blocking).to.equal(true);
        expect(pending?.message).to.match(/cr-1 is payment-pending.*run `pulumi up` again/);
        expect(blockStateProblem("cr-1", "payment-failed")?.blocking).to.equal(true);
        const expired = blockStateProblem("cr-1", "expired");
        expect(expired?.blocking).to.equal(false);
        expect(expired?.message).to.match(/can no longer start/);
    });

    it("opens NFS for EFS and Lustre's ports for FSx, nothing without storage", () => {
        expect(storagePorts("efs")).to.deep.equal([{ fromPort: 2049, toPort: 2049 }]);
        expect(storagePorts("fsx-lustre")).to.deep.equal([{ fromPort: 988, toPort: 988 }, { fromPort: 1018, toPort: 1023 }]);
        expect(storagePorts("none")).to.deep.equal([]);
    });

    // PCS-ready DLAMI is built on the NVIDIA Base DLAMI: no Neuron driver.
    it("warns that the PCS-ready DLAMI has no Neuron driver unless an AMI is given", () => {
        expect(pcsAmiWarning("neuron", undefined)).to.match(/no AWS Neuron driver/);
        expect(pcsAmiWarning("neuron", "ami-1")).to.equal(undefined);
        expect(pcsAmiWarning("nvidia", undefined)).to.equal(undefined);
    });
});
