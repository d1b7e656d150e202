/**
 * The cluster's shared file system: encrypted EFS with a mount target per subnet given (one per AZ), or FSx
 * for Lustre in the compute subnet, or nothing. Nodes mount it by MIME user data (clusterUserData.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SharedStorage } from "./config";
import { SharedMount } from "./clusterUserData";
import { LUSTRE_DEPLOYMENT_TYPE, LUSTRE_MIN_CAPACITY_GIB, LUSTRE_THROUGHPUT_PER_TIB } from "./clusterStorageDefaults";

export interface ClusterStorage {
    /** File system id, or "" without shared storage. */
    id: pulumi.Output<string>;
    mount: pulumi.Output<SharedMount>;
    /** Mount targets must exist before a node tries to mount. */
    ready: pulumi.Resource[];
}

export function clusterStorage(
    name: string,
    args: {
        kind: SharedStorage;
        /** First: the compute subnet (its mount target serves the nodes). */
        subnetIds: pulumi.Output<string>[];
        securityGroupId?: pulumi.Output<string>;
        tags: Record<string, string>;
    },
    parent: pulumi.Resource,
): ClusterStorage {
    if (args.kind === "none" || !args.securityGroupId) {
        return { id: pulumi.output(""), mount: pulumi.output<SharedMount>({ kind: "none" }), ready: [] };
    }
    const tags = { ...args.tags, Name: `${name}-shared` };
    if (args.kind === "efs") {
        const fs = new aws.efs.FileSystem(`${name}-shared`, {
            encrypted: true,
            performanceMode: "generalPurpose",
            throughputMode: "elastic",
            tags,
        }, { parent });
        const targets = args.subnetIds.map(
            (subnetId, i) =>
                new aws.efs.MountTarget(`${name}-shared-${i}`, {
                    fileSystemId: fs.id,
                    subnetId,
                    securityGroups: [args.securityGroupId as pulumi.Output<string>],
                }, { parent }),
        );
        // By IP: it works in VPCs without DNS hostnames, and every node runs in the compute subnet's AZ.
        const mount = targets[0].ipAddress.apply((address): SharedMount => ({ kind: "efs", address }));
        return { id: fs.id, mount, ready: targets };
    }
    const fs = new aws.fsx.LustreFileSystem(`${name}-fsx`, {
        storageCapacity: LUSTRE_MIN_CAPACITY_GIB,
        deploymentType: LUSTRE_DEPLOYMENT_TYPE,
        perUnitStorageThroughput: LUSTRE_THROUGHPUT_PER_TIB,
        subnetIds: args.subnetIds[0],
        securityGroupIds: [args.securityGroupId],
        tags,
    }, { parent });
    const mount = pulumi
        .all([fs.dnsName, fs.mountName])
        .apply(([dnsName, mountName]): SharedMount => ({ kind: "lustre", dnsName, mountName }));
    return { id: fs.id, mount, ready: [fs] };
}
