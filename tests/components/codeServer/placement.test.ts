import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { failure } from "../../helpers/failure";
import { checkedSubnet, defaultSubnetIn, onDemandZone } from "../../../components/codeServer/placement";
import { mockAws, REGION } from "../../helpers/mocks";

// EC2 user guide, Capacity Blocks: instances launch only in the block's Availability Zone.
describe("network", () => {
    it("picks the default VPC's default subnet in the block's AZ", async () => {
        const run = await mockAws({ subnetsByAz: { "sa-east-1b": ["subnet-0bbb0000000000002", "subnet-0bbb0000000000001"] } });
        expect(await defaultSubnetIn("sa-east-1b", REGION)).to.deep.equal({ subnetId: "subnet-0bbb0000000000001", vpcId: "vpc-0default0000000001" });
        const call = run.calls.find((c) => c.token === "aws:ec2/getSubnets:getSubnets");
        expect(call?.inputs.filters).to.deep.equal([
            { name: "vpc-id", values: ["vpc-0default0000000001"] },
            { name: "availability-zone", values: ["sa-east-1b"] },
            { name: "default-for-az", values: ["true"] },
        ]);
    });

    it("fails naming the AZ when the default VPC has no subnet there", async () => {
        await mockAws({ subnetsByAz: { "sa-east-1c": [] } });
        const err = await failure(defaultSubnetIn("sa-east-1c", REGION));
        expect(err.message).to.equal(
            "capblocks:codeServer.subnetId: not set, and the default VPC vpc-0default0000000001 has no default subnet in sa-east-1c; " +
                "create it with `aws ec2 create-default-subnet --availability-zone sa-east-1c --region sa-east-1` or set capblocks:codeServer.subnetId to a subnet in sa-east-1c",
        );
    });

    it("fails naming the key to set when the region has no default VPC", async () => {
        await pulumi.runtime.setMocks({
            call: () => {
                throw Object.assign(new Error("no matching EC2 VPC found"), { details: "no matching EC2 VPC found" });
            },
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        }, "capblocks", "test");
        const err = await failure(defaultSubnetIn("sa-east-1c", REGION));
        expect(err).to.be.instanceOf(pulumi.RunError);
        expect(err.message).to.equal(
            "capblocks:codeServer.subnetId: not set, and sa-east-1 has no default VPC; create one with `aws ec2 create-default-vpc --region sa-east-1` " +
                "or set capblocks:codeServer.subnetId to a subnet in sa-east-1c",
        );
    });

    it("rejects a given subnet outside the block's AZ", async () => {
        await mockAws({ subnetAzs: { "subnet-0aaa0000000000001": "sa-east-1a" } });
        const err = await failure(checkedSubnet("subnet-0aaa0000000000001", "sa-east-1b", REGION));
        expect(err.message).to.equal(
            "capblocks:codeServer.subnetId: subnet-0aaa0000000000001 is in sa-east-1a, but the instance must run in sa-east-1b " +
                "(a Capacity Block's instances launch only in its Availability Zone); choose a subnet in sa-east-1b",
        );
    });

    it("on demand, uses the given subnet's AZ, else the configured AZ, else <region>a", async () => {
        await mockAws({ subnetAzs: { "subnet-0ccc0000000000001": "sa-east-1c" } });
        expect(await onDemandZone(REGION, "subnet-0ccc0000000000001")).to.equal("sa-east-1c");
        expect(await onDemandZone(REGION, undefined, "sa-east-1b")).to.equal("sa-east-1b");
        expect(await onDemandZone(REGION)).to.equal("sa-east-1a");
    });
});
