/**
 * The cluster checked against AWS at program time, before anything is bought or declared: the compute subnet the
 * config names (in vpcId, and in the block's zone or the zone the block will be bought in), and a block the program
 * already knows (its state and its size). A check inside an apply could only fail after the purchase, as a
 * serialization error of every resource that uses the value. Each problem is a config line naming its key.
 */
import type { ClusterConfig } from "../config";
import type { ReservationInfo } from "../reservation";
import type { BlockZone, KnownSubnet } from "../shared/subnetZone";
import { subnetZoneError } from "../shared/subnetZone";
import type { BlockShare } from "./validation";
import { clusterConfigErrors, clusterShare, knownStateProblem } from "./validation";

export const COMPUTE_SUBNET_KEY = "capblocks:cluster.computeSubnetId";

/** The compute subnet must be in capblocks:cluster.vpcId (when set), and where the block is or will be bought (when given). */
export function computeSubnetProblems(cluster: ClusterConfig, subnet: KnownSubnet, where?: BlockZone): string[] {
    const otherVpc = cluster.vpcId && cluster.vpcId !== subnet.vpcId
        ? [`${COMPUTE_SUBNET_KEY}: ${subnet.id} is in ${subnet.vpcId}, not in capblocks:cluster.vpcId ${cluster.vpcId}; give a subnet of that VPC`]
        : [];
    const zone = where ? subnetZoneError(COMPUTE_SUBNET_KEY, subnet, where) : undefined;
    return [...otherVpc, ...(zone ? [zone] : [])];
}

/**
 * A block the program knows (adopted, or bought on an earlier run): PCS takes it only scheduled or active, and the
 * cluster's minimum must fit its share of the block (an adopted block's size is known only now; one that leaves the
 * cluster no node has already stopped the run).
 */
export function knownBlockProblems(cluster: ClusterConfig, block: ReservationInfo, share: BlockShare): string[] {
    const state = knownStateProblem(block);
    return [
        ...(state?.blocking ? [`capblocks:cluster.enabled: ${state.message}`] : []),
        ...clusterConfigErrors(cluster, { maxCount: clusterShare(share), share }),
    ];
}
