/**
 * Renders the AWS ParallelCluster 3 cluster config equivalent to the PCS cluster, for teams that use `pcluster`
 * (3.13 or later, for Ubuntu 24.04).
 *
 * Sources: ParallelCluster 3 user guide, "Cluster configuration file": `Image.Os`, `HeadNode` (InstanceType,
 * Networking.SubnetId, Ssh, Imds.Secured, Iam, CustomActions), `Scheduling.SlurmQueues[]` (CapacityType
 * CAPACITY_BLOCK with `ComputeResources[].CapacityReservationTarget.CapacityReservationId`, MinCount == MaxCount,
 * the block's type, a subnet in the block's AZ, no placement group, JobExclusiveAllocation, Iam, CustomActions),
 * `Efa.Enabled`, and `SharedStorage` (Efs / FsxLustre with DataRepositoryAssociations). The PCS cluster's other
 * settings need nothing here: ParallelCluster puts Slurm on PATH and shares /home from the head node itself.
 * Enroot and Pyxis ship in ParallelCluster's AMIs but are off (3.11.1 and later); AWS's post-install sample turns
 * them on, on the head node and the compute nodes.
 *
 * Node images: `Image.CustomAmi` must be a ParallelCluster AMI (official, or made by `pcluster build-image`, which
 * installs ParallelCluster's own node software: "Building a custom AWS ParallelCluster AMI"). A PCS node image
 * carries the PCS agent instead, so it never goes into CustomAmi: the config says, in a comment, how to build the
 * ParallelCluster equivalent from the same Image Builder components (`Build.Components`, `Type: arn`).
 */
import { Document } from "yaml";
import type { SharedStorage } from "../config";
import { ssmManagedInstanceCoreArn } from "../shared/ec2Role";
import { DRA_EVENTS, dataRepositoryLinks } from "./dataRepository";
import { ecrReadOnlyArn } from "./iam";
import { LUSTRE_DEPLOYMENT_TYPE, LUSTRE_MIN_CAPACITY_GIB, LUSTRE_THROUGHPUT_PER_TIB } from "./storage";
import { EFS_MOUNT_DIR, LUSTRE_MOUNT_DIR } from "./userData";

/** aws-samples/aws-parallelcluster-post-install-scripts: enables the Enroot and Pyxis that ParallelCluster ships. */
export const PYXIS_POST_INSTALL = "https://raw.githubusercontent.com/aws-samples/aws-parallelcluster-post-install-scripts/main/pyxis/postinstall.sh";

export type ParallelClusterOs = "ubuntu2404" | "ubuntu2204";

/** Where the PCS nodes' image comes from: AWS's PCS-ready DLAMI, one capblocks built, or the user's own. */
export type NodeImageSource = "pcs-dlami" | "built" | "own";

export interface NodeImageInfo {
    source: NodeImageSource;
    /** The Image Builder components capblocks built the image with (source "built"). */
    componentArns: string[];
}

/**
 * ParallelCluster's OS for the PCS nodes' OS: the same, except with FSx for Lustre, which ParallelCluster's
 * official Ubuntu 24.04 AMI cannot mount (ParallelCluster 3.13.0 changelog, "does not support Lustre").
 */
export function parallelClusterOs(nodeOs: ParallelClusterOs, storage: SharedStorage): ParallelClusterOs {
    return nodeOs === "ubuntu2404" && storage === "fsx-lustre" ? "ubuntu2204" : nodeOs;
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
    /** Enroot and Pyxis on (custom actions), ECR reads. */
    containers: boolean;
    /** Buckets the nodes read. */
    dataBuckets: string[];
    /** FSx for Lustre links to S3. */
    lustreImportPath?: string;
    lustreExportPath?: string;
    /** Whole nodes per job. */
    exclusiveNodes: boolean;
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
                        ...dataRepositoryAssociations(settings),
                    },
                },
            ];
        case "none":
            return undefined;
    }
}

/** The same S3 links as the PCS file system's (PERSISTENT_2 takes DataRepositoryAssociations, not ImportPath). */
function dataRepositoryAssociations(settings: ParallelClusterSettings): object {
    const links = dataRepositoryLinks(settings.lustreImportPath, settings.lustreExportPath);
    if (links.length === 0) return {};
    return {
        DataRepositoryAssociations: links.map((link) => ({
            Name: link.name,
            FileSystemPath: link.fileSystemPath,
            DataRepositoryPath: link.dataRepositoryPath,
            BatchImportMetaDataOnCreate: link.autoImport,
            ...(link.autoImport ? { AutoImportPolicy: DRA_EVENTS } : {}),
            ...(link.autoExport ? { AutoExportPolicy: DRA_EVENTS } : {}),
        })),
    };
}

/** The node permissions the PCS role has: SSM core, reads of the data buckets, ECR reads for containers. */
function nodeIam(settings: ParallelClusterSettings): object {
    const policies = [ssmManagedInstanceCoreArn(settings.partition), ...(settings.containers ? [ecrReadOnlyArn(settings.partition)] : [])];
    return {
        AdditionalIamPolicies: policies.map((Policy) => ({ Policy })),
        ...(settings.dataBuckets.length > 0 ? { S3Access: settings.dataBuckets.map((BucketName) => ({ BucketName, EnableWriteAccess: false })) } : {}),
    };
}

const containerActions = (settings: ParallelClusterSettings): object =>
    settings.containers ? { CustomActions: { OnNodeConfigured: { Script: PYXIS_POST_INSTALL } } } : {};

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
            Iam: nodeIam(settings),
            ...containerActions(settings),
        },
        Scheduling: {
            Scheduler: "slurm",
            SlurmQueues: [
                {
                    Name: QUEUE_NAME,
                    CapacityType: block ? "CAPACITY_BLOCK" : "ONDEMAND",
                    ...(settings.exclusiveNodes ? { JobExclusiveAllocation: true } : {}),
                    Networking: { SubnetIds: [settings.computeSubnetId], PlacementGroup: { Enabled: false } },
                    ComputeResources: [computeResource],
                    Iam: nodeIam(settings),
                    ...containerActions(settings),
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
