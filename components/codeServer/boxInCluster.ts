/**
 * The dev box inside the stack's cluster: where it goes (the cluster's compute subnet, in the block's AZ, so the
 * work volume stays where it is), the image it boots, and what makes it a member (clusterAccess.ts). While the
 * cluster's hourly parts wait (components/cluster/deferral.ts) there is no PCS cluster to join: the box gets the
 * network and EFS now, and the join task and its permissions come with the `pulumi up` that builds the cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GpuNodeGroup } from "../cluster/gpuNodeGroup";
import type { ClusterConfig, CodeServerConfig } from "../config";
import type { ReservationInfo } from "../reservation";
import type { BoxInCluster } from "./codeServerInstance";
import {
    boxUserTask, clusterAccessPolicy, clusterBoxImage, clusterBoxStep, sharedStorageTask, slurmJoinTask,
} from "./clusterAccess";
import type { Placement } from "./placement";

export interface ClusterBox {
    placement: Placement;
    /** codeServer with the image the box boots (its own amiId, else the nodes' amiId). */
    config: CodeServerConfig;
    /** The public parameter of the image, when no amiId is set. */
    amiParameter?: string;
    member: BoxInCluster;
    /** For nextStep: what the box can do with the cluster, or when it joins. */
    step: string;
    /** The PCS cluster exists on this run. */
    built: boolean;
}

export interface ClusterBoxArgs {
    codeServer: CodeServerConfig;
    cluster: ClusterConfig;
    group: GpuNodeGroup;
    reservation: ReservationInfo;
    region: string;
    queue: string;
}

export function clusterBox({ codeServer, cluster, group, reservation, region, queue }: ClusterBoxArgs): ClusterBox {
    const image = clusterBoxImage(codeServer, cluster);
    if (image.warning) void pulumi.log.warn(image.warning);
    const pcsArn = group.clusterArn;
    const joins = image.hasPcsSlurm && pcsArn !== undefined;
    const join = joins
        ? group.clusterId.apply((clusterId) => [slurmJoinTask({ clusterId, region, slurmVersion: cluster.slurmVersion })])
        : pulumi.output([]);
    const tasks = pulumi.all([group.sharedMount, join]).apply(([mount, joinTasks]) => {
        const storage = sharedStorageTask(mount);
        return [...(storage ? [storage] : []), ...joinTasks];
    });
    const policy = joins
        ? pulumi.all([pcsArn, group.clusterId]).apply(([arn, id]) => JSON.stringify(clusterAccessPolicy(arn, id)))
        : undefined;
    return {
        // A private subnet: the box goes out through the cluster's NAT gateway, never with a public address of its own.
        placement: {
            subnetId: group.network.computeSubnetId,
            vpcId: group.vpcId,
            availabilityZone: pulumi.output(reservation.availabilityZone),
            defaultSubnet: false,
        },
        config: image.amiId ? { ...codeServer, amiId: image.amiId } : codeServer,
        ...(image.parameter ? { amiParameter: image.parameter } : {}),
        member: {
            securityGroupId: group.nodeSecurityGroupId,
            firstTasks: [boxUserTask(codeServer.user, codeServer.homeDir)],
            tasks,
            ...(policy ? { policy } : {}),
        },
        step: clusterBoxStep({ name: cluster.name, built: pcsArn !== undefined, joins: image.hasPcsSlurm, sharedStorage: cluster.sharedStorage, queue }),
        built: pcsArn !== undefined,
    };
}
