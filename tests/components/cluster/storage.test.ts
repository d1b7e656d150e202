import { expect } from "chai";
import { crossZoneNote, sharedStorageNote } from "../../../components/cluster/storage";

describe("shared storage note", () => {
    it("says there is nothing to keep without shared storage", () => {
        expect(sharedStorageNote("none", "", false, "us-east-2")).to.equal("no shared storage (capblocks:cluster.sharedStorage is none)");
    });

    it("says destroy keeps EFS and which key mounts it again, unless deleteSharedStorage", () => {
        expect(sharedStorageNote("efs", "fs-0abc", false, "us-east-2")).to.equal(
            "pulumi destroy keeps EFS file system fs-0abc (your /shared data); to use it again set capblocks:cluster.sharedFileSystemId: fs-0abc",
        );
        expect(sharedStorageNote("efs", "fs-0abc", true, "us-east-2")).to.equal(
            "pulumi destroy deletes EFS file system fs-0abc and the data in /shared (capblocks:cluster.deleteSharedStorage is true)",
        );
    });

    // FSx API DeleteFileSystem: a final backup unless SkipFinalBackup; CreateFileSystemFromBackup restores it.
    it("says FSx for Lustre is deleted after a final backup, and how to find and restore it", () => {
        expect(sharedStorageNote("fsx-lustre", "fs-0abc", false, "us-east-2")).to.equal(
            "pulumi destroy deletes FSx for Lustre file system fs-0abc after a final backup of /fsx; find it with " +
                "`aws fsx describe-backups --filters Name=file-system-id,Values=fs-0abc --region us-east-2` and restore it with `aws fsx create-file-system-from-backup`",
        );
        expect(sharedStorageNote("fsx-lustre", "fs-0abc", true, "us-east-2")).to.equal(
            "pulumi destroy deletes FSx for Lustre file system fs-0abc and the data in /fsx with no final backup (capblocks:cluster.deleteSharedStorage is true)",
        );
    });
});

describe("shared storage when the compute nodes run outside the VPC's home AZ", () => {
    it("says FSx for Lustre stays with its data and is mounted across AZs", () => {
        expect(crossZoneNote("fsx-lustre", "fs-0abc", "us-east-2a", "us-east-2c")).to.equal(
            "FSx for Lustre file system fs-0abc stays in us-east-2a with your /fsx data; the compute nodes in us-east-2c mount it " +
                "across Availability Zones (more latency, and EC2 bills data transfer between AZs). Moving it would mean a new file system restored from a backup.",
        );
    });

    it("says nothing in the home AZ, or for EFS (a mount target in every AZ)", () => {
        expect(crossZoneNote("fsx-lustre", "fs-0abc", "us-east-2a", "us-east-2a")).to.equal("");
        expect(crossZoneNote("efs", "fs-0abc", "us-east-2a", "us-east-2c")).to.equal("");
    });
});
