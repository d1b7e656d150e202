/**
 * index.ts under the offline mocks with existing storage to adopt: what it attaches, what it creates, and
 * that a volume or file system it cannot use stops the program before anything is bought or created.
 */
import { expect } from "chai";
import type { MockRun } from "../../scripts/offlineMocks";
import { activeBlock, ofType, oneOfType } from "../helpers/mocks";
import { runProgram } from "../helpers/mocks";

const VOLUME_ID = "vol-0feedface0000001";
const FS_ID = "fs-0feedface0000001";
const BLOCK = activeBlock({ availabilityZone: "sa-east-1b" });
const adopt = { id: BLOCK.id, instanceType: BLOCK.instanceType };
const buy = { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" };

const volumeIn = (availabilityZone: string) => ({ [VOLUME_ID]: { availabilityZone, encrypted: true, sizeGb: 300 } });
const customResources = (run: MockRun) => run.resources.filter((r) => r.custom);

describe("keeping the user's work: the program with existing storage", () => {
    it("attaches the adopted work volume to the instance on the block and creates no volume", async () => {
        const { run, outputs, error } = await runProgram({ "capblocks:reservation": adopt, "capblocks:codeServer": { workVolumeId: VOLUME_ID } }, { block: BLOCK, volumes: volumeIn("sa-east-1b") });
        expect(error).to.equal(undefined);
        expect(ofType(run, "aws:ebs/volume:Volume")).to.have.length(0);
        expect(oneOfType(run, "aws:ec2/volumeAttachment:VolumeAttachment").inputs.volumeId).to.equal(VOLUME_ID);
        expect(outputs?.workVolumeId).to.equal(VOLUME_ID);
        expect(outputs?.workVolume).to.equal(`pulumi destroy keeps volume ${VOLUME_ID} (your work); to use it again set capblocks:codeServer.workVolumeId: ${VOLUME_ID}`);
    });

    it("stops before creating anything when the volume is in another AZ than the block, naming both AZs", async () => {
        const { run, error } = await runProgram({ "capblocks:reservation": adopt, "capblocks:codeServer": { workVolumeId: VOLUME_ID } }, { block: BLOCK, volumes: volumeIn("sa-east-1c") });
        expect(error?.message).to.match(/^capblocks:codeServer\.workVolumeId: vol-0feedface0000001 is in sa-east-1c, but the block is in sa-east-1b/);
        expect(error?.message).to.contain("capblocks:reservation.availabilityZones: [sa-east-1c]");
        expect(customResources(run)).to.deep.equal([]);
    });

    it("buys nothing when the block to buy could land away from the volume", async () => {
        const { run, error } = await runProgram({ "capblocks:reservation": buy, "capblocks:codeServer": { workVolumeId: VOLUME_ID } }, { volumes: volumeIn("sa-east-1c") });
        expect(error?.message).to.match(/vol-0feedface0000001 is in sa-east-1c, but the block to buy may land in any Availability Zone/);
        expect(ofType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock")).to.have.length(0);
    });

    it("buys the block in the volume's AZ when availabilityZones says so", async () => {
        const { run, error } = await runProgram(
            { "capblocks:reservation": { ...buy, availabilityZones: ["sa-east-1c"] }, "capblocks:codeServer": { workVolumeId: VOLUME_ID } },
            { availabilityZone: "sa-east-1c", volumes: volumeIn("sa-east-1c") },
        );
        expect(error).to.equal(undefined);
        expect(oneOfType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock").inputs.availabilityZones).to.deep.equal(["sa-east-1c"]);
        expect(ofType(run, "aws:ebs/volume:Volume")).to.have.length(0);
    });

    it("stops on demand when the volume is elsewhere, and when it does not exist", async () => {
        const onDemand = { instanceType: "g7e.2xlarge", availabilityZone: "sa-east-1a", workVolumeId: VOLUME_ID };
        const away = await runProgram({ "capblocks:codeServer": onDemand }, { volumes: volumeIn("sa-east-1c") });
        expect(away.error?.message).to.match(/is in sa-east-1c, but the on-demand instance runs in sa-east-1a/);
        expect(customResources(away.run)).to.deep.equal([]);
        const missing = await runProgram({ "capblocks:codeServer": onDemand }, { volumes: {} });
        expect(missing.error?.message).to.match(/^capblocks:codeServer\.workVolumeId: vol-0feedface0000001 does not exist in sa-east-1/);
        expect(customResources(missing.run)).to.deep.equal([]);
    });

    describe("cluster shared storage", () => {
        const p5 = activeBlock({ id: "cr-05500000000000001", instanceType: "p5.48xlarge", instanceCount: 2, availabilityZone: "sa-east-1b" });
        const clusterConfig = (cluster: Record<string, unknown>) => ({
            "capblocks:reservation": { id: p5.id, instanceType: p5.instanceType },
            "capblocks:codeServer": { enabled: false },
            "capblocks:cluster": { enabled: true, ...cluster },
        });

        it("mounts an existing EFS file system: mount targets for its id, no new file system, kept on destroy", async () => {
            const { run, outputs, error } = await runProgram(clusterConfig({ sharedFileSystemId: FS_ID }), { block: p5, fileSystems: { [FS_ID]: { encrypted: true } } });
            expect(error).to.equal(undefined);
            expect(ofType(run, "aws:efs/fileSystem:FileSystem")).to.have.length(0);
            // One mount target per storage subnet: the new VPC's two private subnets.
            const targets = ofType(run, "aws:efs/mountTarget:MountTarget");
            expect(targets).to.have.length(2);
            for (const t of targets) expect(t.inputs.fileSystemId).to.equal(FS_ID);
            expect(outputs?.clusterSharedStorageId).to.equal(FS_ID);
            expect(outputs?.clusterSharedStorage).to.equal(`pulumi destroy keeps EFS file system ${FS_ID} (your /shared data); to use it again set capblocks:cluster.sharedFileSystemId: ${FS_ID}`);
        });

        it("keeps a new EFS file system on destroy by default and deletes its mount targets (so the VPC can go)", async () => {
            const { run, outputs } = await runProgram(clusterConfig({}), { block: p5 });
            const fs = oneOfType(run, "aws:efs/fileSystem:FileSystem");
            expect(fs.options.retainOnDelete).to.equal(true);
            for (const t of ofType(run, "aws:efs/mountTarget:MountTarget")) expect(t.options.retainOnDelete).to.equal(undefined);
            const id = outputs?.clusterSharedStorageId as string;
            expect(id).to.match(/^fs-/);
            expect(outputs?.clusterSharedStorage).to.equal(`pulumi destroy keeps EFS file system ${id} (your /shared data); to use it again set capblocks:cluster.sharedFileSystemId: ${id}`);
        });

        it("deletes the EFS file system with the stack only with deleteSharedStorage", async () => {
            const { run, outputs } = await runProgram(clusterConfig({ deleteSharedStorage: true }), { block: p5 });
            expect(oneOfType(run, "aws:efs/fileSystem:FileSystem").options.retainOnDelete).to.equal(undefined);
            expect(outputs?.clusterSharedStorage).to.match(/^pulumi destroy deletes EFS file system fs-\w+ and the data in \/shared \(capblocks:cluster\.deleteSharedStorage is true\)$/);
        });

        // FSx API DeleteFileSystem: a Lustre file system is deleted without a final backup unless SkipFinalBackup is false.
        it("takes a final FSx for Lustre backup on destroy by default, and none with deleteSharedStorage", async () => {
            const kept = await runProgram(clusterConfig({ sharedStorage: "fsx-lustre" }), { block: p5 });
            const fsx = oneOfType(kept.run, "aws:fsx/lustreFileSystem:LustreFileSystem");
            expect(fsx.inputs).to.include({ skipFinalBackup: false, deploymentType: "PERSISTENT_2" });
            expect(fsx.inputs.finalBackupTags).to.include({ Name: "cluster-fsx-final-backup" });
            expect(fsx.options.retainOnDelete, "a retained file system would keep its subnet and VPC").to.equal(undefined);
            expect(kept.outputs?.clusterSharedStorage).to.match(/after a final backup of \/fsx; find it with `aws fsx describe-backups --filters Name=file-system-id,Values=fs-\w+ --region sa-east-1`/);
            const deleted = await runProgram(clusterConfig({ sharedStorage: "fsx-lustre", deleteSharedStorage: true }), { block: p5 });
            const gone = oneOfType(deleted.run, "aws:fsx/lustreFileSystem:LustreFileSystem").inputs;
            expect(gone.skipFinalBackup).to.equal(true);
            expect(gone).to.not.have.property("finalBackupTags");
            expect(deleted.outputs?.clusterSharedStorage).to.match(/with no final backup \(capblocks:cluster\.deleteSharedStorage is true\)$/);
        });

        it("says there is nothing to keep without shared storage", async () => {
            const { outputs } = await runProgram(clusterConfig({ sharedStorage: "none" }), { block: p5 });
            expect(outputs?.clusterSharedStorage).to.equal("no shared storage (capblocks:cluster.sharedStorage is none)");
        });

        it("stops before creating anything when the file system does not exist, or is One Zone", async () => {
            const missing = await runProgram(clusterConfig({ sharedFileSystemId: FS_ID }), { block: p5, fileSystems: {} });
            expect(missing.error?.message).to.equal(
                "capblocks:cluster.sharedFileSystemId: fs-0feedface0000001 is not an EFS file system in sa-east-1 for this account " +
                    "(list yours with `aws efs describe-file-systems --region sa-east-1`)",
            );
            expect(customResources(missing.run)).to.deep.equal([]);
            const oneZone = await runProgram(clusterConfig({ sharedFileSystemId: FS_ID }), { block: p5, fileSystems: { [FS_ID]: { encrypted: true, availabilityZoneName: "sa-east-1b" } } });
            expect(oneZone.error?.message).to.match(/is a One Zone file system \(in sa-east-1b\)/);
            expect(customResources(oneZone.run)).to.deep.equal([]);
        });
    });
});
