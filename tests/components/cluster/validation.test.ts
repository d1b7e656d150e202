import { expect } from "chai";
import { clusterConfig as cluster } from "../../helpers/clusterConfig";
import {
    clusterConfigErrors,
    clusterNameError,
    computeInstanceTypeError,
    computeMinCountError,
    networkSettingsError,
    slurmVersionError,
    subnetAzError,
} from "../../../components/cluster/validation";

describe("cluster validation", () => {
    // PCS user guide "Slurm versions": new clusters accept 24.11, 25.05, 25.11; 24.05 and older are end of life.
    it("accepts the Slurm versions PCS takes for new clusters and names the accepted ones otherwise", () => {
        for (const v of ["24.11", "25.05", "25.11"]) expect(slurmVersionError(v)).to.equal(undefined);
        const err = slurmVersionError("24.05");
        expect(err).to.match(/capblocks:cluster.slurmVersion "24.05"/);
        expect(err).to.match(/24\.11, 25\.05, 25\.11/);
        expect(slurmVersionError("23.11")).to.be.a("string");
    });

    // PCS API model ClusterName: (?!pcs_)^(?![A-Za-z0-9]{10}$)[A-Za-z][A-Za-z0-9-]+, max 40.
    it("rejects cluster names the PCS API model's pattern or length would reject", () => {
        expect(clusterNameError("capblocks-dev")).to.equal(undefined);
        expect(clusterNameError("a".repeat(40))).to.equal(undefined);
        for (const bad of ["a".repeat(41), "1cluster", "my_cluster", "pcs_abc", "x", "abcdefghij", "has space"]) {
            expect(clusterNameError(bad), bad).to.match(/is not a valid PCS cluster name/);
        }
        expect(clusterNameError("abcdefghi-")).to.equal(undefined);
    });

    it("rejects a compute minimum above the block size", () => {
        expect(computeMinCountError(2, 2)).to.equal(undefined);
        expect(computeMinCountError(3, 2)).to.match(/computeMinCount 3 is above the 2 compute instance/);
        expect(computeMinCountError(-1, 2)).to.match(/0 or more/);
        expect(computeMinCountError(1.5, 2)).to.match(/whole number/);
    });

    it("rejects a compute type other than the block's", () => {
        expect(computeInstanceTypeError("p5.48xlarge", "p5.48xlarge")).to.equal(undefined);
        expect(computeInstanceTypeError("g6e.2xlarge", undefined)).to.equal(undefined);
        expect(computeInstanceTypeError("p5en.48xlarge", "p5.48xlarge")).to.match(/differs from the Capacity Block's p5\.48xlarge/);
    });

    // PCS Capacity Block guide: the compute subnet must be in the block's AZ.
    it("rejects a compute subnet outside the block's Availability Zone, naming both", () => {
        expect(subnetAzError("subnet-1", "us-east-2a", "us-east-2a")).to.equal(undefined);
        const err = subnetAzError("subnet-1", "us-east-2b", "us-east-2a");
        expect(err).to.match(/subnet-1 is in us-east-2b, but the Capacity Block is in us-east-2a/);
    });

    it("asks for a compute subnet when a VPC is given", () => {
        expect(networkSettingsError({ vpcId: "vpc-1" })).to.match(/computeSubnetId/);
        expect(networkSettingsError({ loginSubnetId: "subnet-2" })).to.match(/give both subnets/);
        expect(networkSettingsError({ vpcId: "vpc-1", computeSubnetId: "subnet-1" })).to.equal(undefined);
    });

    it("collects every broken rule at once, and none for a disabled cluster", () => {
        const bad = cluster({ name: "x", slurmVersion: "24.05", computeMinCount: 5 });
        expect(clusterConfigErrors(bad, { maxCount: 2, blockInstanceType: "p5.48xlarge" })).to.have.length(3);
        expect(clusterConfigErrors({ ...bad, enabled: false }, { maxCount: 2 })).to.deep.equal([]);
        expect(clusterConfigErrors(cluster(), { maxCount: 2, blockInstanceType: "p5.48xlarge" })).to.deep.equal([]);
    });
});
