import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { launchTemplateBase, rootDeviceNameOf } from "../../../components/shared/launchTemplate";
import { mockAws, REGION, resolved } from "../../helpers/mocks";

const base = { rootDeviceName: "/dev/xvda", rootVolumeGb: 300, instanceTags: { Name: "box", team: "ml" }, tags: { team: "ml" } };

describe("shared launch template base", () => {
    it("on demand: encrypted gp3 root on the given device, IMDSv2 required, tags on instances and volumes, no block settings", () => {
        expect(launchTemplateBase(base)).to.deep.equal({
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 300, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
            tagSpecifications: [
                { resourceType: "instance", tags: { Name: "box", team: "ml" } },
                { resourceType: "volume", tags: { Name: "box", team: "ml" } },
            ],
            tags: { team: "ml" },
        });
    });

    // EC2 user guide "Capacity Blocks for ML": both the market type and the reservation target, or EC2 refuses the launch.
    it("on a block: the capacity-block market type and the block as reservation target", () => {
        const args = launchTemplateBase({ ...base, capacityBlockId: "cr-0123456789abcdef0" });
        expect(args.instanceMarketOptions).to.deep.equal({ marketType: "capacity-block" });
        expect(args.capacityReservationSpecification).to.deep.equal({ capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" } });
    });

    it("sets the IMDS hop limit only when asked (2 lets containers reach IMDS)", () => {
        expect(launchTemplateBase({ ...base, imdsHopLimit: 2 }).metadataOptions).to.deep.equal({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 });
    });

    it("asks EC2 for the image's root device name by image id", async () => {
        const run = await mockAws();
        const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
        expect(await resolved(rootDeviceNameOf("ami-0example000000001", REGION, parent))).to.equal("/dev/sda1");
        const call = run.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
        expect(call?.inputs).to.deep.include({ filters: [{ name: "image-id", values: ["ami-0example000000001"] }], region: REGION });
    });
});
