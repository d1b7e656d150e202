import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNetwork, pickSecondAz } from "../../../components/cluster/network";
import { PcsMocks, underMocks, valueOf } from "../../helpers/pcsMocks";

const subnets = {
    "subnet-in-block-az": { availabilityZone: "us-east-2b", vpcId: "vpc-1" },
    "subnet-elsewhere": { availabilityZone: "us-east-2a", vpcId: "vpc-1" },
};

function given(computeSubnetId: string, extra: { vpcId?: string; loginSubnetId?: string } = {}) {
    const mocks = new PcsMocks({ subnets });
    return underMocks(mocks, () =>
        new ClusterNetwork("net", { region: "us-east-2", blockAz: pulumi.output("us-east-2b"), computeSubnetId, loginPublic: false, tags: {}, ...extra }),
    ).then((network) => ({ mocks, network }));
}

describe("ClusterNetwork", () => {
    it("picks a second AZ other than the block's, and says so when there is none", () => {
        expect(pickSecondAz(["us-east-2a", "us-east-2b"], "us-east-2a")).to.equal("us-east-2b");
        expect(pickSecondAz(["us-east-2a", "us-east-2b"], "us-east-2b")).to.equal("us-east-2a");
        expect(() => pickSecondAz(["us-east-2a"], "us-east-2a")).to.throw(/no second Availability Zone next to us-east-2a/);
    });

    // PCS Capacity Block guide: the node group's subnet must be in the block's AZ (checked via ec2:DescribeSubnets).
    it("uses a given compute subnet in the block's AZ and creates no VPC", async () => {
        const { mocks, network } = await given("subnet-in-block-az");
        expect(await valueOf(network.computeSubnetId)).to.equal("subnet-in-block-az");
        expect(await valueOf(network.loginSubnetId)).to.equal("subnet-in-block-az");
        expect(await valueOf(network.vpcId)).to.equal("vpc-1");
        expect(mocks.resources.filter((r) => r.type.startsWith("aws:ec2/"))).to.deep.equal([]);
        expect(mocks.invokes).to.include("aws:ec2/getSubnet:getSubnet");
    });

    it("refuses a given compute subnet outside the block's AZ, naming both AZs", async () => {
        const { network } = await given("subnet-elsewhere");
        let message = "";
        await valueOf(network.computeSubnetId).catch((e: Error) => (message = e.message));
        expect(message).to.match(/subnet-elsewhere is in us-east-2a, but the Capacity Block is in us-east-2b/);
    });

    it("refuses a compute subnet from another VPC than the one given", async () => {
        const { network } = await given("subnet-in-block-az", { vpcId: "vpc-other" });
        let message = "";
        await valueOf(network.computeSubnetId).catch((e: Error) => (message = e.message));
        expect(message).to.match(/is in vpc-1, not in capblocks:cluster.vpcId vpc-other/);
    });

    it("uses a given login subnet as is", async () => {
        const { network } = await given("subnet-in-block-az", { loginSubnetId: "subnet-login" });
        expect(await valueOf(network.loginSubnetId)).to.equal("subnet-login");
    });
});
