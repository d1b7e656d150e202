/**
 * Cluster rules PCS would otherwise reject minutes into `pulumi up`, checked before anything is created: by the
 * config (with a bought block's size), and by GpuNodeGroup (with the size of a block adopted only at run time).
 * The schema in config/schema.ts checks each value's shape; these rules need the block, or a value capblocks
 * derives (the default cluster name). Each returns `<key>: <value> <rule>; <fix>`, or undefined.
 *
 * Sources: PCS API model (botocore `pcs` ClusterName: pattern `(?!pcs_)^(?![A-Za-z0-9]{10}$)[A-Za-z][A-Za-z0-9-]+`,
 * length 1..40); "Configure an AWS PCS compute node group to use a Capacity Block" (maxInstanceCount must not
 * exceed the block, the subnet must be in the block's AZ, the launch template's type must be the block's).
 */
import type { ClusterConfig } from "../config/types";
import { nodeImageErrors } from "./nodeImagePlan";
import { dataRepositoryErrors } from "./dataRepository";

const CLUSTER_NAME_MAX = 40;
const CLUSTER_NAME_SHAPE = /^[A-Za-z][A-Za-z0-9-]+$/;
/** PCS reserves exactly-10-alphanumeric names, which look like generated ids. */
const LOOKS_LIKE_ID = /^[A-Za-z0-9]{10}$/;

/** Checks the name the cluster gets, which is derived from project and stack unless set. */
export function clusterNameError(name: string): string | undefined {
    if (name.length <= CLUSTER_NAME_MAX && CLUSTER_NAME_SHAPE.test(name) && !LOOKS_LIKE_ID.test(name)) return undefined;
    return (
        `capblocks:cluster.name: ${JSON.stringify(name)} is not a PCS cluster name (2-40 letters, digits or hyphens, ` +
        "starting with a letter, and not exactly 10 letters/digits: PCS reserves that shape for cluster ids); choose another name"
    );
}

/** `share`: how the block is split, when known, so the message says when code-server took one of the block's instances. */
export function computeMinCountError(minCount: number, maxCount: number, share?: BlockShare): string | undefined {
    // No room at all is its own error (noComputeCapacityError); a minimum above nothing would only repeat it.
    if (minCount <= maxCount || maxCount < 1) return undefined;
    const available = share?.codeServer
        ? `the ${maxCount} compute instance(s) the cluster gets (${blockShareNote(share)})`
        : `the ${maxCount} compute instance(s) available (the Capacity Block's size)`;
    return (
        `capblocks:cluster.computeMinCount: ${minCount} is above ${available}, ` +
        `and PCS rejects a minimum above the maximum; set it to ${maxCount} or less`
    );
}

/** The compute nodes' type (GpuNodeGroupArgs.instanceType) must be the block's: a block only runs its own type. */
export function computeInstanceTypeError(computeInstanceType: string, blockInstanceType: string | undefined): string | undefined {
    if (blockInstanceType === undefined || computeInstanceType === blockInstanceType) return undefined;
    return (
        `instanceType: ${computeInstanceType} differs from the Capacity Block's ${blockInstanceType}; ` +
        `a block only launches its own type, so use ${blockInstanceType}`
    );
}

export function networkSettingsError(cluster: Pick<ClusterConfig, "vpcId" | "computeSubnetId" | "loginSubnetId">): string | undefined {
    if (cluster.vpcId && !cluster.computeSubnetId) {
        return (
            `capblocks:cluster.vpcId: ${cluster.vpcId} is set without capblocks:cluster.computeSubnetId; name a private ` +
            `subnet of that VPC in the block's Availability Zone, or remove vpcId to get a new VPC`
        );
    }
    if (cluster.loginSubnetId && !cluster.computeSubnetId) {
        return (
            `capblocks:cluster.loginSubnetId: ${cluster.loginSubnetId} is set without capblocks:cluster.computeSubnetId; ` +
            `give both subnets of your VPC, or neither to get a new VPC`
        );
    }
    return undefined;
}

interface ComputeCapacity {
    /** The Capacity Block's size (less code-server's instance), or the most any block has. */
    maxCount: number;
    /** How the block is shared with code-server, when known. */
    share?: BlockShare;
    /** The compute nodes' type (the block's), for the node image rules; undefined when not known yet. */
    instanceType?: string;
}

/** Every plain-value cluster rule; the config layer reports these before anything is created. */
export function clusterConfigErrors(cluster: ClusterConfig, capacity: ComputeCapacity): string[] {
    if (!cluster.enabled) return [];
    return [
        clusterNameError(cluster.name),
        computeMinCountError(cluster.computeMinCount, capacity.maxCount, capacity.share),
        networkSettingsError(cluster),
        ...(capacity.instanceType === undefined ? [] : nodeImageErrors(cluster, capacity.instanceType)),
        ...dataRepositoryErrors(cluster),
    ].filter((e): e is string => e !== undefined);
}

/** How a block's instances are shared: code-server, when it runs on the block, takes one; the cluster gets the rest. */
export interface BlockShare {
    /** The block's instances. */
    instances: number;
    /** Code-server runs on one of them. */
    codeServer: boolean;
}

/** Compute nodes the cluster may use: the block, less the one instance code-server runs on it. */
export function clusterShare(share: BlockShare): number {
    return share.instances - (share.codeServer ? 1 : 0);
}

/** What the plan and the outputs say about the split, e.g. "code-server uses 1 of 3 instances; the cluster gets 2". */
export function blockShareNote(share: BlockShare): string {
    const plural = (n: number) => `${n} instance${n === 1 ? "" : "s"}`;
    return share.codeServer
        ? `code-server uses 1 of ${plural(share.instances)}; the cluster gets ${clusterShare(share)}`
        : `the cluster gets all ${plural(share.instances)} of the block`;
}

/**
 * A block that leaves the cluster no compute node is an error (a zero-node cluster would look fine and run
 * nothing). `block`: how to name it, e.g. "the adopted block cr-0123…"; `adopted`: the fix differs.
 */
export function noComputeCapacityError(share: BlockShare, block: string, adopted: boolean): string | undefined {
    if (clusterShare(share) >= 1) return undefined;
    const fix = adopted
        ? "adopt a block with more instances, or disable code-server (capblocks:codeServer.enabled: false)"
        : "raise capblocks:reservation.instanceCount, or disable code-server (capblocks:codeServer.enabled: false)";
    return (
        `capblocks:cluster.enabled: ${block} has ${share.instances} instance(s) and code-server takes one, ` +
        `leaving none for the cluster; ${fix}`
    );
}

/** `shareBlockWithCodeServer: false` says the cluster gets the whole block: code-server on it contradicts that. */
export function shareBlockError(cluster: Pick<ClusterConfig, "shareBlockWithCodeServer">, codeServerEnabled: boolean): string | undefined {
    if (cluster.shareBlockWithCodeServer || !codeServerEnabled) return undefined;
    return (
        "capblocks:cluster.shareBlockWithCodeServer: false gives the cluster the whole block, but code-server is enabled and " +
        "runs on one of the block's instances; disable code-server (capblocks:codeServer.enabled: false), or set shareBlockWithCodeServer: true"
    );
}

interface BlockStateProblem {
    message: string;
    /** True when nothing can work yet (creating the node group now would fail); false when only a warning. */
    blocking: boolean;
}

/**
 * PCS only accepts a block that is `scheduled` or `active` when the compute node group is created or updated.
 * A block still being paid for (or whose payment failed) stops the run with the fix; an ended block only warns,
 * so `pulumi up` keeps working for everything else (PCS keeps the group at zero instances after expiry).
 */
export function blockStateProblem(reservationId: string, state: string): BlockStateProblem | undefined {
    if (state === "scheduled" || state === "active") return undefined;
    const prefix = `Capacity Block ${reservationId} is ${state}, but AWS PCS needs it scheduled or active`;
    if (state === "payment-pending") {
        return { blocking: true, message: `${prefix}: EC2 is still taking payment; run \`pulumi up\` again in a few minutes.` };
    }
    if (state === "payment-failed") {
        return {
            blocking: true,
            message:
                `${prefix}: the purchase failed, so there is no block to run on; ` +
                "check billing and buy again (bump capblocks:reservation.generation).",
        };
    }
    return {
        blocking: false,
        message:
            `${prefix}: the compute nodes can no longer start. ` +
            "Buy a new block (bump capblocks:reservation.generation) or disable the cluster.",
    };
}

/** blockStateProblem for a block whose id and state the program knows at program time (adopted, or bought earlier). */
export function knownStateProblem(block: { knownId?: string; knownState?: string } | undefined): BlockStateProblem | undefined {
    return block?.knownId !== undefined && block.knownState !== undefined ? blockStateProblem(block.knownId, block.knownState) : undefined;
}
