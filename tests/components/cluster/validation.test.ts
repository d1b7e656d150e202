import { expect } from "chai";
import { clusterConfig as cluster } from "../../helpers/clusterConfig";
import {
    clusterConfigErrors,
    clusterNameError,
    computeInstanceTypeError,
    computeMinCountError,
    networkSettingsError,
} from "../../../components/cluster/validation";
import { computeSubnetProblems } from "../../../components/cluster/preflight";

const NAME_RULE =
    "is not a PCS cluster name (2-40 letters, digits or hyphens, starting with a letter, and not exactly 10 letters/digits: " +
    "PCS reserves that shape for cluster ids); choose another name";

describe("cluster validation", () => {
    // PCS API model ClusterName: (?!pcs_)^(?![A-Za-z0-9]{10}$)[A-Za-z][A-Za-z0-9-]+, max 40.
    it("rejects cluster names the PCS API model's pattern or length would reject, in the config's message format", () => {
        expect(clusterNameError("capblocks-dev")).to.equal(undefined);
        expect(clusterNameError("a".repeat(40))).to.equal(undefined);
        expect(clusterNameError("abcdefghi-")).to.equal(undefined);
        for (const bad of ["a".repeat(41), "1cluster", "my_cluster", "pcs_abc", "x", "abcdefghij", "has space"]) {
            expect(clusterNameError(bad), bad).to.equal(`capblocks:cluster.name: ${JSON.stringify(bad)} ${NAME_RULE}`);
        }
    });

    it("rejects a compute minimum above the block size", () => {
        expect(computeMinCountError(2, 2)).to.equal(undefined);
        expect(computeMinCountError(3, 2)).to.equal(
            "capblocks:cluster.computeMinCount: 3 is above the 2 compute instance(s) available (the Capacity Block's size), " +
                "and PCS rejects a minimum above the maximum; set it to 2 or less",
        );
    });

    it("rejects a compute type other than the block's", () => {
        expect(computeInstanceTypeError("p5.48xlarge", "p5.48xlarge")).to.equal(undefined);
        expect(computeInstanceTypeError("g6e.2xlarge", undefined)).to.equal(undefined);
        expect(computeInstanceTypeError("p5en.48xlarge", "p5.48xlarge")).to.equal(
            "instanceType: p5en.48xlarge differs from the Capacity Block's p5.48xlarge; a block only launches its own type, so use p5.48xlarge",
        );
    });

    // PCS Capacity Block guide: the compute subnet must be in the block's AZ.
    it("rejects a compute subnet outside the block's Availability Zone, or where the block to buy may not land", () => {
        const subnet = { id: "subnet-1", availabilityZone: "us-east-2b", vpcId: "vpc-1" };
        expect(computeSubnetProblems(cluster(), subnet, { kind: "block", availabilityZone: "us-east-2b" })).to.deep.equal([]);
        expect(computeSubnetProblems(cluster(), subnet, { kind: "block", availabilityZone: "us-east-2a" })).to.deep.equal([
            "capblocks:cluster.computeSubnetId: subnet-1 is in us-east-2b, but the Capacity Block is in us-east-2a, and instances " +
                "can only use the block from its own Availability Zone; choose a subnet in us-east-2a",
        ]);
        // Before the purchase: the block must be bought in the subnet's zone, or it may be unusable.
        expect(computeSubnetProblems(cluster(), subnet, { kind: "block-to-buy", availabilityZones: ["us-east-2b"], region: "us-east-2" })).to.deep.equal([]);
        expect(computeSubnetProblems(cluster(), subnet, { kind: "block-to-buy", region: "us-east-2" })).to.deep.equal([
            "capblocks:cluster.computeSubnetId: subnet-1 is in us-east-2b, but the block to buy may land in any Availability Zone of us-east-2, " +
                "and instances can only use a block from its own Availability Zone; set capblocks:reservation.availabilityZones: [us-east-2b] " +
                "so the block is bought there (nothing was bought)",
        ]);
        expect(computeSubnetProblems(cluster(), subnet, { kind: "block-to-buy", availabilityZones: ["us-east-2a", "us-east-2b"], region: "us-east-2" })[0])
            .to.contain("may land in us-east-2a or us-east-2b");
        expect(computeSubnetProblems(cluster({ vpcId: "vpc-other", computeSubnetId: "subnet-1" }), subnet)).to.deep.equal([
            "capblocks:cluster.computeSubnetId: subnet-1 is in vpc-1, not in capblocks:cluster.vpcId vpc-other; give a subnet of that VPC",
        ]);
    });

    it("asks for a compute subnet when a VPC or a login subnet is given", () => {
        expect(networkSettingsError({ vpcId: "vpc-1" })).to.equal(
            "capblocks:cluster.vpcId: vpc-1 is set without capblocks:cluster.computeSubnetId; name a private subnet of that VPC " +
                "in the block's Availability Zone, or remove vpcId to get a new VPC",
        );
        expect(networkSettingsError({ loginSubnetId: "subnet-2" })).to.equal(
            "capblocks:cluster.loginSubnetId: subnet-2 is set without capblocks:cluster.computeSubnetId; give both subnets of your VPC, " +
                "or neither to get a new VPC",
        );
        expect(networkSettingsError({ vpcId: "vpc-1", computeSubnetId: "subnet-1" })).to.equal(undefined);
    });

    it("collects every broken rule at once, and none for a disabled cluster", () => {
        const bad = cluster({ name: "x", computeMinCount: 5, vpcId: "vpc-1" });
        expect(clusterConfigErrors(bad, { maxCount: 2 })).to.deep.equal([
            clusterNameError("x"),
            computeMinCountError(5, 2),
            networkSettingsError({ vpcId: "vpc-1" }),
        ]);
        expect(clusterConfigErrors({ ...bad, enabled: false }, { maxCount: 2 })).to.deep.equal([]);
        expect(clusterConfigErrors(cluster(), { maxCount: 2 })).to.deep.equal([]);
    });
});
