import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNetwork, firstAvailableAz, pickSecondAz, vpcZones } from "../../../components/cluster/network";
import { PcsMocks, underMocks, valueOf } from "../../helpers/pcsMocks";

const subnets = {
    "subnet-in-block-az": { availabilityZone: "us-east-2b", vpcId: "vpc-1" },
};

function given(computeSubnetId: string, extra: { loginSubnetId?: string } = {}) {
    const mocks = new PcsMocks({ subnets });
    return underMocks(mocks, () =>
        new ClusterNetwork("net", { region: "us-east-2", blockAz: pulumi.output("us-east-2b"), computeSubnetId, loginPublic: false, tags: {}, ...extra }),
    ).then((network) => ({ mocks, network }));
}

describe("ClusterNetwork", () => {
    it("picks a second AZ other than the block's, and says so when there is none", () => {
        expect(pickSecondAz(["us-east-2a", "us-east-2b"], "us-east-2a")).to.equal("us-east-2b");
        expect(pickSecondAz(["us-east-2a", "us-east-2b"], "us-east-2b")).to.equal("us-east-2a");
        expect(() => pickSecondAz(["us-east-2a"], "us-east-2a")).to.throw(pulumi.RunError).with.property(
            "message",
            "capblocks:cluster.computeSubnetId: not set, and there is no second Availability Zone next to us-east-2a for a new VPC " +
                "(available: us-east-2a); set it (and vpcId) to use subnets of your own VPC",
        );
    });

    it("on demand, takes the region's first available AZ, and names the region when there is none", () => {
        expect(firstAvailableAz(["us-east-2b", "us-east-2c"], "us-east-2")).to.equal("us-east-2b");
        expect(() => firstAvailableAz([], "us-east-2")).to.throw(pulumi.RunError).with.property(
            "message",
            "aws:region: us-east-2 reports no available Availability Zone; choose another region",
        );
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

    it("uses a given login subnet as is", async () => {
        const { network } = await given("subnet-in-block-az", { loginSubnetId: "subnet-login" });
        expect(await valueOf(network.loginSubnetId)).to.equal("subnet-login");
    });

    it("keeps the new VPC's home AZ and moves only the second private subnet to a block elsewhere", () => {
        const zones = ["us-east-2a", "us-east-2b", "us-east-2c"];
        expect(vpcZones(zones, "us-east-2a", "us-east-2a")).to.deep.equal({ home: "us-east-2a", publicSecond: "us-east-2b", privateSecond: "us-east-2b", computeSlot: 0 });
        expect(vpcZones(zones, "us-east-2a", "us-east-2b")).to.deep.equal({ home: "us-east-2a", publicSecond: "us-east-2b", privateSecond: "us-east-2b", computeSlot: 1 });
        expect(vpcZones(zones, "us-east-2a", "us-east-2c")).to.deep.equal({ home: "us-east-2a", publicSecond: "us-east-2b", privateSecond: "us-east-2c", computeSlot: 1 });
        expect(vpcZones(zones, "us-east-2a")).to.deep.equal({ home: "us-east-2a", publicSecond: "us-east-2b", privateSecond: "us-east-2b", computeSlot: 0 });
    });

    function newVpc(subnetsByName: Record<string, { id: string; availabilityZone: string }>, blockAz: string) {
        const mocks = new PcsMocks({ subnetsByName });
        return underMocks(mocks, () => new ClusterNetwork("net", { region: "us-east-2", blockAz: pulumi.output(blockAz), loginPublic: false, tags: { "capblocks:cluster": "demo" } })).then(
            (network) => ({ mocks, network }),
        );
    }

    it("builds a new VPC around the block's AZ the first time, its home subnet guarded against AZ changes", async () => {
        const { mocks, network } = await newVpc({}, "us-east-2b");
        const home = mocks.one("aws:ec2/subnet:Subnet", "net-private-0");
        expect(home.inputs.availabilityZone).to.equal("us-east-2b");
        expect(await valueOf(network.computeSubnetId)).to.equal(home.id);
        expect(await valueOf(network.homeSubnetId)).to.equal(home.id);
        expect(await valueOf(network.computeAvailabilityZone)).to.equal("us-east-2b");
    });

    it("keeps the home AZ an earlier deployment chose, and puts the compute subnet in the block's AZ", async () => {
        const { mocks, network } = await newVpc({ "net-private-0": { id: "subnet-home", availabilityZone: "us-east-2a" } }, "us-east-2c");
        const az = (name: string) => mocks.one("aws:ec2/subnet:Subnet", name).inputs.availabilityZone;
        expect([az("net-public-0"), az("net-private-0"), az("net-public-1"), az("net-private-1")]).to.deep.equal(["us-east-2a", "us-east-2a", "us-east-2b", "us-east-2c"]);
        expect(await valueOf(network.computeSubnetId)).to.equal(mocks.one("aws:ec2/subnet:Subnet", "net-private-1").id);
        expect(await valueOf(network.homeAvailabilityZone)).to.equal("us-east-2a");
        expect(await valueOf(network.computeAvailabilityZone)).to.equal("us-east-2c");
    });
});
