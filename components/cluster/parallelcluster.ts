/**
 * Renders the AWS ParallelCluster 3 cluster config equivalent to the PCS cluster, for teams that use `pcluster`.
 *
 * Sources: ParallelCluster 3 user guide, "Cluster configuration file": `Image.Os`, `HeadNode` (InstanceType,
 * Networking.SubnetId, Ssh, Imds.Secured), `Scheduling.SlurmQueues[]` (CapacityType CAPACITY_BLOCK with
 * `ComputeResources[].CapacityReservationTarget.CapacityReservationId`, MinCount == MaxCount, the block's type,
 * a subnet in the block's AZ, no placement group), `Efa.Enabled`, and `SharedStorage` (Efs / FsxLustre).
 */
import { stringify } from "yaml";
import { SharedStorage } from "../config";
import { EFS_MOUNT_DIR, LUSTRE_MOUNT_DIR } from "./userData";
import { LUSTRE_DEPLOYMENT_TYPE, LUSTRE_MIN_CAPACITY_GIB, LUSTRE_THROUGHPUT_PER_TIB } from "./storageDefaults";

export type ParallelClusterOs = "ubuntu2404" | "ubuntu2204";

export interface ParallelClusterSettings {
    region: string;
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
}

export const PARALLELCLUSTER_QUEUE_NAME = "compute";

/** Compute resource names are lowercase letters, digits and hyphens, starting with a letter. */
export function computeResourceName(instanceType: string): string {
    return instanceType.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** ParallelCluster 3 "SharedStorage": managed storage is deleted with the cluster unless DeletionPolicy is Retain. */
function sharedStorageSection(s: ParallelClusterSettings): object[] | undefined {
    const DeletionPolicy = s.deleteSharedStorage ? "Delete" : "Retain";
    switch (s.sharedStorage) {
        case "efs":
            return [{
                Name: "shared",
                StorageType: "Efs",
                MountDir: EFS_MOUNT_DIR,
                EfsSettings: s.sharedFileSystemId ? { FileSystemId: s.sharedFileSystemId } : { Encrypted: true, DeletionPolicy },
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

/** The ARN partition a region belongs to. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

export function parallelClusterConfig(s: ParallelClusterSettings): object {
    const block = s.reservationId !== undefined;
    const computeResource: Record<string, unknown> = {
        Name: computeResourceName(s.instanceType),
        InstanceType: s.instanceType,
        // A block's instances are all paid for: keep them all up (ParallelCluster requires MinCount == MaxCount).
        MinCount: block ? s.instanceCount : 0,
        MaxCount: s.instanceCount,
    };
    if (block) computeResource.CapacityReservationTarget = { CapacityReservationId: s.reservationId };
    if (s.efaSupported) computeResource.Efa = { Enabled: true };

    const config: Record<string, unknown> = {
        Region: s.region,
        // ParallelCluster boots its own official AMI for this OS; the PCS AMI carries the PCS agent instead.
        Image: { Os: s.os },
        HeadNode: {
            InstanceType: s.headNodeInstanceType,
            Networking: { SubnetId: s.headNodeSubnetId },
            Ssh: { AllowedIps: s.sshAllowedCidr },
            Imds: { Secured: true },
            Iam: { AdditionalIamPolicies: [{ Policy: `arn:${partitionOf(s.region)}:iam::aws:policy/AmazonSSMManagedInstanceCore` }] },
        },
        Scheduling: {
            Scheduler: "slurm",
            SlurmQueues: [
                {
                    Name: PARALLELCLUSTER_QUEUE_NAME,
                    CapacityType: block ? "CAPACITY_BLOCK" : "ONDEMAND",
                    Networking: { SubnetIds: [s.computeSubnetId], PlacementGroup: { Enabled: false } },
                    ComputeResources: [computeResource],
                },
            ],
        },
    };
    const shared = sharedStorageSection(s);
    if (shared) config.SharedStorage = shared;
    return config;
}

/** The config as YAML text, ready for `pcluster create-cluster --cluster-configuration`. */
export function renderParallelClusterConfig(s: ParallelClusterSettings): string {
    return stringify(parallelClusterConfig(s));
}
