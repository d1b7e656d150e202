/**
 * Renders the AWS ParallelCluster 3 cluster config equivalent to the PCS cluster, for teams that use `pcluster`.
 *
 * Sources: ParallelCluster 3 user guide, "Cluster configuration file": `Image.Os`, `HeadNode` (InstanceType,
 * Networking.SubnetId, Ssh, Imds.Secured), `Scheduling.SlurmQueues[]` (CapacityType CAPACITY_BLOCK with
 * `ComputeResources[].CapacityReservationTarget.CapacityReservationId`, MinCount == MaxCount, the block's type,
 * a subnet in the block's AZ, no placement group), `Efa.Enabled`, and `SharedStorage` (Efs / FsxLustre).
 *
 * Node images: `Image.CustomAmi` must be a ParallelCluster AMI (official, or made by `pcluster build-image`, which
 * installs ParallelCluster's own node software: "Building a custom AWS ParallelCluster AMI"). A PCS node image
 * carries the PCS agent instead, so it never goes into CustomAmi: the config says, in a comment, how to build the
 * ParallelCluster equivalent from the same Image Builder components (`Build.Components`, `Type: arn`).
 */
import { Document } from "yaml";
import type { SharedStorage } from "../config";
import { ssmManagedInstanceCoreArn } from "../shared/ec2Role";
import { LUSTRE_DEPLOYMENT_TYPE, LUSTRE_MIN_CAPACITY_GIB, LUSTRE_THROUGHPUT_PER_TIB } from "./storage";
import { EFS_MOUNT_DIR, LUSTRE_MOUNT_DIR } from "./userData";

export type ParallelClusterOs = "ubuntu2404" | "ubuntu2204";

/** Where the PCS nodes' image comes from: AWS's PCS-ready DLAMI, one capblocks built, or the user's own. */
export type NodeImageSource = "pcs-dlami" | "built" | "own";

export interface NodeImageInfo {
    source: NodeImageSource;
    /** The Image Builder components capblocks built the image with (source "built"). */
    componentArns: string[];
}

export interface ParallelClusterSettings {
    region: string;
    /** The region's ARN partition (aws, aws-cn, aws-us-gov). */
    partition: string;
    os: ParallelClusterOs;
    headNodeInstanceType: string;
    headNodeSubnetId: string;
    /** SSH to the head node is only allowed from here (the VPC); connect over SSM. */
    sshAllowedCidr: string;
    computeSubnetId: string;
    instanceType: string;
    /** Block size, or the on-demand maximum. */
    instanceCount: number;
    /** Undefined: on demand. */
    reservationId?: string;
    efaSupported: boolean;
    sharedStorage: SharedStorage;
    /** False: managed shared storage gets `DeletionPolicy: Retain`, so deleting the cluster keeps the data. */
    deleteSharedStorage: boolean;
    /** An existing EFS file system: mounted as external storage, which ParallelCluster never deletes. */
    sharedFileSystemId?: string;
    /** The PCS nodes' image; undefined: the PCS-ready DLAMI. */
    nodeImage?: NodeImageInfo;
}

/** The cluster's one Slurm queue, named alike in PCS and ParallelCluster so job scripts run on either. */
export const QUEUE_NAME = "compute";

/** Compute resource names are lowercase letters, digits and hyphens, starting with a letter. */
function computeResourceName(instanceType: string): string {
    return instanceType.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** ParallelCluster 3 "SharedStorage": managed storage is deleted with the cluster unless DeletionPolicy is Retain. */
function sharedStorageSection(settings: ParallelClusterSettings): object[] | undefined {
    const DeletionPolicy = settings.deleteSharedStorage ? "Delete" : "Retain";
    switch (settings.sharedStorage) {
        case "efs":
            return [{
                Name: "shared",
                StorageType: "Efs",
                MountDir: EFS_MOUNT_DIR,
                EfsSettings: settings.sharedFileSystemId ? { FileSystemId: settings.sharedFileSystemId } : { Encrypted: true, DeletionPolicy },
            }];
        case "fsx-lustre":
            return [
                {
                    Name: "fsx",
                    StorageType: "FsxLustre",
                    MountDir: LUSTRE_MOUNT_DIR,
                    FsxLustreSettings: {
                        StorageCapacity: LUSTRE_MIN_CAPACITY_GIB,
                        DeploymentType: LUSTRE_DEPLOYMENT_TYPE,
                        PerUnitStorageThroughput: LUSTRE_THROUGHPUT_PER_TIB,
                        DeletionPolicy,
                    },
                },
            ];
        case "none":
            return undefined;
    }
}

function parallelClusterConfig(settings: ParallelClusterSettings): object {
    const block = settings.reservationId !== undefined;
    const computeResource: Record<string, unknown> = {
        Name: computeResourceName(settings.instanceType),
        InstanceType: settings.instanceType,
        // A block's instances are all paid for: keep them all up (ParallelCluster requires MinCount == MaxCount).
        MinCount: block ? settings.instanceCount : 0,
        MaxCount: settings.instanceCount,
    };
    if (block) computeResource.CapacityReservationTarget = { CapacityReservationId: settings.reservationId };
    if (settings.efaSupported) computeResource.Efa = { Enabled: true };

    const config: Record<string, unknown> = {
        Region: settings.region,
        // ParallelCluster boots its own official AMI for this OS; the PCS AMI carries the PCS agent instead.
        Image: { Os: settings.os },
        HeadNode: {
            InstanceType: settings.headNodeInstanceType,
            Networking: { SubnetId: settings.headNodeSubnetId },
            Ssh: { AllowedIps: settings.sshAllowedCidr },
            Imds: { Secured: true },
            Iam: { AdditionalIamPolicies: [{ Policy: ssmManagedInstanceCoreArn(settings.partition) }] },
        },
        Scheduling: {
            Scheduler: "slurm",
            SlurmQueues: [
                {
                    Name: QUEUE_NAME,
                    CapacityType: block ? "CAPACITY_BLOCK" : "ONDEMAND",
                    Networking: { SubnetIds: [settings.computeSubnetId], PlacementGroup: { Enabled: false } },
                    ComputeResources: [computeResource],
                },
            ],
        },
    };
    const shared = sharedStorageSection(settings);
    if (shared) config.SharedStorage = shared;
    return config;
}

/** What the comment above the config says about a PCS node image ParallelCluster cannot boot; undefined for the PCS-ready DLAMI. */
function nodeImageComment(image: NodeImageInfo | undefined): string | undefined {
    if (!image || image.source === "pcs-dlami") return undefined;
    const lines = [
        ...(image.source === "built"
            ? [" The PCS nodes boot an image capblocks built with EC2 Image Builder: the PCS-ready DLAMI plus the", " components below."]
            : [" The PCS nodes boot your own image (capblocks:cluster.amiId)."]),
        " That image carries the PCS agent, not ParallelCluster's node software, so it is not Image.CustomAmi here:",
        " ParallelCluster boots its official AMI for Image.Os. For the same software on ParallelCluster nodes, build",
        image.componentArns.length > 0
            ? " an AMI with `pcluster build-image`, these components in Build.Components (Type: arn), and set Image.CustomAmi to it:"
            : " an AMI with `pcluster build-image` and set Image.CustomAmi to it.",
        ...image.componentArns.map((arn) => `   ${arn}`),
    ];
    return lines.join("\n");
}

/** The config as YAML text, ready for `pcluster create-cluster --cluster-configuration`. */
export function renderParallelClusterConfig(settings: ParallelClusterSettings): string {
    const doc = new Document(parallelClusterConfig(settings));
    const comment = nodeImageComment(settings.nodeImage);
    if (comment) doc.commentBefore = comment;
    return doc.toString();
}
