import { expect } from "chai";
import type { ExistingVolume } from "../../../components/codeServer/workVolume";
import { findWorkVolume, unencryptedVolumeWarning, workVolumeNote, workVolumeZoneError } from "../../../components/codeServer/workVolume";
import { mockAws, REGION } from "../../helpers/mocks";

const volume: ExistingVolume = { id: "vol-0123456789abcdef0", availabilityZone: "sa-east-1c", encrypted: true, sizeGb: 200 };

describe("existing work volume (codeServer.workVolumeId)", () => {
    it("says what destroy does, with the id and the key that brings the volume back", () => {
        expect(workVolumeNote("vol-0abc", false)).to.equal("pulumi destroy keeps volume vol-0abc (your work); to use it again set capblocks:codeServer.workVolumeId: vol-0abc");
        expect(workVolumeNote("vol-0abc", true)).to.equal("pulumi destroy deletes volume vol-0abc and the work on it (capblocks:codeServer.deleteWorkVolume is true)");
    });

    // EC2 user guide, "Attach an Amazon EBS volume to an instance": the volume and instance must be in the same AZ.
    it("fits only an instance in its own AZ: block, block to buy, or on demand", () => {
        expect(workVolumeZoneError(volume, { kind: "block", availabilityZone: "sa-east-1c" })).to.equal(undefined);
        expect(workVolumeZoneError(volume, { kind: "on-demand", availabilityZone: "sa-east-1c" })).to.equal(undefined);
        expect(workVolumeZoneError(volume, { kind: "block-to-buy", availabilityZones: ["sa-east-1c"] })).to.equal(undefined);
    });

    it("names the key, the volume's AZ, the block's AZ and the setting that moves the next block", () => {
        expect(workVolumeZoneError(volume, { kind: "block", availabilityZone: "sa-east-1b" })).to.equal(
            "capblocks:codeServer.workVolumeId: vol-0123456789abcdef0 is in sa-east-1c, but the block is in sa-east-1b " +
                "(an EBS volume attaches only to an instance in its own Availability Zone); adopt a block in sa-east-1c, " +
                "set capblocks:reservation.availabilityZones: [sa-east-1c] so the next block lands there, or copy the volume to sa-east-1b " +
                "(a snapshot, then a volume from it there) and set workVolumeId to the copy; capblocks never copies or deletes a volume it did not create",
        );
    });

    it("refuses to buy a block that could land away from the volume", () => {
        expect(workVolumeZoneError(volume, { kind: "block-to-buy" })).to.match(/may land in any Availability Zone .* set capblocks:reservation\.availabilityZones: \[sa-east-1c\]/);
        expect(workVolumeZoneError(volume, { kind: "block-to-buy", availabilityZones: ["sa-east-1c", "sa-east-1a"] })).to.match(/may land in sa-east-1c or sa-east-1a/);
    });

    it("points an on-demand instance at the volume's AZ", () => {
        expect(workVolumeZoneError(volume, { kind: "on-demand", availabilityZone: "sa-east-1a" })).to.match(
            /^capblocks:codeServer\.workVolumeId: vol-0123456789abcdef0 is in sa-east-1c, but the on-demand instance runs in sa-east-1a .*set capblocks:codeServer\.availabilityZone: sa-east-1c/,
        );
    });

    it("warns, without failing, about an unencrypted volume", () => {
        expect(unencryptedVolumeWarning(volume)).to.equal(undefined);
        expect(unencryptedVolumeWarning({ ...volume, encrypted: false })).to.match(/^capblocks:codeServer\.workVolumeId: vol-0123456789abcdef0 is not encrypted/);
    });

    it("looks the volume up by the volume-id filter", async () => {
        const run = await mockAws({ volumes: { [volume.id]: { availabilityZone: "sa-east-1c", encrypted: false, sizeGb: 750 } } });
        expect(await findWorkVolume(volume.id, REGION)).to.deep.equal({ ...volume, encrypted: false, sizeGb: 750 });
        const call = run.calls.find((c) => c.token === "aws:ebs/getVolume:getVolume");
        expect(call?.inputs.filters).to.deep.equal([{ name: "volume-id", values: [volume.id] }]);
    });

    it("fails naming the key when the volume does not exist", async () => {
        await mockAws({ volumes: {} });
        const err = await findWorkVolume(volume.id, REGION).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/^capblocks:codeServer\.workVolumeId: vol-0123456789abcdef0 does not exist in sa-east-1 for this account/);
    });
});
