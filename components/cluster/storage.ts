/**
 * The cluster's shared file system: encrypted EFS with a mount target per subnet given (one per AZ), or FSx
 * for Lustre in the first (home) subnet, or nothing. Nodes mount it by MIME user data (userData.ts).
 *
 * The data outlives `pulumi destroy` unless capblocks:cluster.deleteSharedStorage is set: the EFS file system
 * is retained (its mount targets are deleted, so the VPC can go) and can be mounted again by id; FSx for
 * Lustre cannot be retained (it would keep its subnet and so the VPC alive), so it takes a final backup.
 *
 * A block in another AZ never empties it (docs/replacements.md#the-cluster): EFS is regional and the nodes
 * mount the target in their own AZ; FSx for Lustre stays in the VPC's home subnet, where it was made, and the
 * nodes reach it from their AZ over the VPC.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SharedStorage } from "../config";
import { lookUp } from "../shared/lookups";
import { DRA_EVENTS, dataRepositoryLinks } from "./dataRepository";
import type { SharedMount } from "./userData";
import { EFS_MOUNT_DIR, LUSTRE_MOUNT_DIR } from "./userData";

/**
 * FSx for Lustre sizing, shared by the PCS file system and the rendered ParallelCluster config. FSx for Lustre
 * user guide: SCRATCH_2/PERSISTENT_2 start at 1200 GiB; PERSISTENT_2 needs a per-unit throughput (125, 250, 500
 * or 1000 MB/s/TiB). PERSISTENT_2 keeps data on a server failure, which matters when the block's work lives there.
 */
export const LUSTRE_MIN_CAPACITY_GIB = 1200;
export const LUSTRE_DEPLOYMENT_TYPE = "PERSISTENT_2";
export const LUSTRE_THROUGHPUT_PER_TIB = 125;

const SHARED_FILE_SYSTEM_KEY = "capblocks:cluster.sharedFileSystemId";

export interface ClusterStorage {
    /** File system id, or "" without shared storage. */
    id: pulumi.Output<string>;
    mount: pulumi.Output<SharedMount>;
    /** Mount targets must exist before a node tries to mount. */
    ready: pulumi.Resource[];
    /** What `pulumi destroy` does to the data, and how to get it back. */
    note: pulumi.Output<string>;
}

/** What `pulumi destroy` does to the shared storage, and how to get the data back; pure so the exact words are tested. */
export function sharedStorageNote(kind: SharedStorage, id: string, deletedOnDestroy: boolean, region: string): string {
    switch (kind) {
        case "none":
            return "no shared storage (capblocks:cluster.sharedStorage is none)";
        case "efs":
            return deletedOnDestroy
                ? `pulumi destroy deletes EFS file system ${id} and the data in ${EFS_MOUNT_DIR} (capblocks:cluster.deleteSharedStorage is true)`
                : `pulumi destroy keeps EFS file system ${id} (your ${EFS_MOUNT_DIR} data); to use it again set ${SHARED_FILE_SYSTEM_KEY}: ${id}`;
        case "fsx-lustre":
            return deletedOnDestroy
                ? `pulumi destroy deletes FSx for Lustre file system ${id} and the data in ${LUSTRE_MOUNT_DIR} with no final backup (capblocks:cluster.deleteSharedStorage is true)`
                : `pulumi destroy deletes FSx for Lustre file system ${id} after a final backup of ${LUSTRE_MOUNT_DIR}; find it with ` +
                      `\`aws fsx describe-backups --filters Name=file-system-id,Values=${id} --region ${region}\` and restore it with \`aws fsx create-file-system-from-backup\``;
    }
}

/** What stays where when the compute nodes run outside the home AZ; "" when they run in it. */
export function crossZoneNote(kind: SharedStorage, id: string, homeAz: string, nodesAz: string): string {
    if (kind !== "fsx-lustre" || homeAz === nodesAz) return "";
    return (
        `FSx for Lustre file system ${id} stays in ${homeAz} with your ${LUSTRE_MOUNT_DIR} data; the compute nodes in ${nodesAz} mount it ` +
        "across Availability Zones (more latency, and EC2 bills data transfer between AZs). Moving it would mean a new file system restored from a backup."
    );
}

/**
 * Checks before anything is created that the EFS file system to reuse exists and can serve the cluster.
 * Returns a warning to show, if any.
 */
export async function checkSharedFileSystem(fileSystemId: string, region: string): Promise<string | undefined> {
    const fs = await lookUp(
        { key: SHARED_FILE_SYSTEM_KEY, what: fileSystemId, region },
        () => aws.efs.getFileSystem({ fileSystemId, region }),
        `${fileSystemId} is not an EFS file system in ${region} for this account (list yours with \`aws efs describe-file-systems --region ${region}\`)`,
    );
    // EFS user guide, "EFS file system types": a One Zone file system has a mount target only in its own AZ,
    // and the cluster mounts from a subnet in each of its AZs.
    if (fs.availabilityZoneName) {
        throw new pulumi.RunError(
            `${SHARED_FILE_SYSTEM_KEY}: ${fileSystemId} is a One Zone file system (in ${fs.availabilityZoneName}); ` +
                "the cluster needs a Regional one (mount targets in more than one Availability Zone)",
        );
    }
    return fs.encrypted ? undefined : `${SHARED_FILE_SYSTEM_KEY}: ${fileSystemId} is not encrypted at rest; capblocks mounts it as it is (file systems it creates are encrypted)`;
}

export interface ClusterStorageArgs {
    kind: SharedStorage;
    /** One subnet per AZ that gets an EFS mount target; the first is the VPC's home subnet, where FSx for Lustre lives. */
    subnetIds: pulumi.Output<string>[];
    /** Where the compute nodes run: EFS serves them from the mount target in their subnet. Default: the first subnet. */
    nodes?: { subnetId: pulumi.Output<string>; availabilityZone: pulumi.Output<string> };
    /** The first subnet's AZ, for saying where FSx for Lustre stays. */
    homeAvailabilityZone?: pulumi.Output<string>;
    securityGroupId?: pulumi.Output<string>;
    /** Delete the data with the stack instead of keeping the EFS file system / backing up FSx. */
    deleteOnDestroy: boolean;
    /** An existing EFS file system to mount (checked by checkSharedFileSystem); never deleted. */
    existingFileSystemId?: string;
    /** FSx for Lustre: S3 prefixes to link (capblocks:cluster.lustreImportPath / lustreExportPath). */
    s3Links?: { importPath?: string; exportPath?: string };
    region: string;
    tags: Record<string, string>;
}

export function clusterStorage(name: string, args: ClusterStorageArgs, parent: pulumi.Resource): ClusterStorage {
    const securityGroupId = args.securityGroupId;
    if (args.kind === "none" || !securityGroupId) {
        return { id: pulumi.output(""), mount: pulumi.output<SharedMount>({ kind: "none" }), ready: [], note: pulumi.output(sharedStorageNote("none", "", false, args.region)) };
    }
    return args.kind === "efs" ? efsStorage(name, args, securityGroupId, parent) : lustreStorage(name, args, securityGroupId, parent);
}

/** A new (or the given) EFS file system with a mount target in every storage subnet. */
function efsStorage(name: string, args: ClusterStorageArgs, securityGroupId: pulumi.Output<string>, parent: pulumi.Resource): ClusterStorage {
    const existing = args.existingFileSystemId;
    const fileSystemId = existing
        ? pulumi.output(existing)
        : new aws.efs.FileSystem(`${name}-shared`, {
              encrypted: true,
              performanceMode: "generalPurpose",
              throughputMode: "elastic",
              tags: { ...args.tags, Name: `${name}-shared` },
          }, { parent, retainOnDelete: !args.deleteOnDestroy }).id;
    const targets = args.subnetIds.map(
        (subnetId, i) => new aws.efs.MountTarget(`${name}-shared-${i}`, { fileSystemId, subnetId, securityGroups: [securityGroupId] }, { parent }),
    );
    // By IP: it works in VPCs without DNS hostnames. The nodes' own AZ's target: no traffic between AZs.
    const nodesSubnet = args.nodes?.subnetId ?? args.subnetIds[0];
    const served = pulumi.all(targets.map((t) => pulumi.all([t.subnetId, t.ipAddress])));
    const mount = pulumi
        .all([nodesSubnet, served])
        .apply(([subnetId, byTarget]): SharedMount => ({ kind: "efs", address: (byTarget.find(([s]) => s === subnetId) ?? byTarget[0])[1] }));
    const deleted = !existing && args.deleteOnDestroy;
    return { id: fileSystemId, mount, ready: targets, note: fileSystemId.apply((id) => sharedStorageNote("efs", id, deleted, args.region)) };
}

/** FSx for Lustre in the home subnet (it stays when blocks move), with a final backup on delete unless the user opts out. */
function lustreStorage(name: string, args: ClusterStorageArgs, securityGroupId: pulumi.Output<string>, parent: pulumi.Resource): ClusterStorage {
    // FSx API DeleteFileSystem: Lustre takes no final backup unless SkipFinalBackup is false (PERSISTENT_2 supports it).
    const fs = new aws.fsx.LustreFileSystem(`${name}-fsx`, {
        storageCapacity: LUSTRE_MIN_CAPACITY_GIB,
        deploymentType: LUSTRE_DEPLOYMENT_TYPE,
        perUnitStorageThroughput: LUSTRE_THROUGHPUT_PER_TIB,
        subnetIds: args.subnetIds[0],
        securityGroupIds: [securityGroupId],
        skipFinalBackup: args.deleteOnDestroy,
        ...(args.deleteOnDestroy ? {} : { finalBackupTags: { ...args.tags, Name: `${name}-fsx-final-backup` } }),
        tags: { ...args.tags, Name: `${name}-shared` },
    }, { parent });
    linkToS3(name, fs, args, parent);
    const mount = pulumi
        .all([fs.dnsName, fs.mountName])
        .apply(([dnsName, mountName]): SharedMount => ({ kind: "lustre", dnsName, mountName }));
    const homeAz = args.homeAvailabilityZone ?? pulumi.output("");
    const nodesAz = args.nodes?.availabilityZone ?? homeAz;
    const note = pulumi.all([fs.id, homeAz, nodesAz]).apply(([id, home, nodes]) => {
        const away = crossZoneNote("fsx-lustre", id, home, nodes);
        if (away) void pulumi.log.warn(`capblocks:cluster: ${away}`, parent);
        return [sharedStorageNote("fsx-lustre", id, args.deleteOnDestroy, args.region), away].filter(Boolean).join(" ");
    });
    return { id: fs.id, mount, ready: [fs], note };
}

/**
 * One data repository association per S3 link (dataRepository.ts): objects imported as they appear and change,
 * files exported as they are written. Deleting an association leaves the files on the file system and in S3.
 */
function linkToS3(name: string, fs: aws.fsx.LustreFileSystem, args: ClusterStorageArgs, parent: pulumi.Resource): void {
    for (const link of dataRepositoryLinks(args.s3Links?.importPath, args.s3Links?.exportPath)) {
        new aws.fsx.DataRepositoryAssociation(`${name}-fsx-${link.name}`, {
            fileSystemId: fs.id,
            fileSystemPath: link.fileSystemPath,
            dataRepositoryPath: link.dataRepositoryPath,
            batchImportMetaDataOnCreate: link.autoImport,
            s3: {
                ...(link.autoImport ? { autoImportPolicy: { events: DRA_EVENTS } } : {}),
                ...(link.autoExport ? { autoExportPolicy: { events: DRA_EVENTS } } : {}),
            },
            tags: { ...args.tags, Name: `${name}-fsx-${link.name}` },
        }, { parent });
    }
}
