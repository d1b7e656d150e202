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

export function computeMinCountError(minCount: number, maxCount: number): string | undefined {
    if (minCount <= maxCount) return undefined;
    return (
        `capblocks:cluster.computeMinCount: ${minCount} is above the ${maxCount} compute instance(s) available ` +
        `(the Capacity Block's size, or the on-demand maximum), and PCS rejects a minimum above the maximum; set it to ${maxCount} or less`
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
    /** The Capacity Block's size, or the on-demand maximum. */
    maxCount: number;
}

/** Every plain-value cluster rule; the config layer reports these before anything is created. */
export function clusterConfigErrors(cluster: ClusterConfig, capacity: ComputeCapacity): string[] {
    if (!cluster.enabled) return [];
    return [
        clusterNameError(cluster.name),
        computeMinCountError(cluster.computeMinCount, capacity.maxCount),
        networkSettingsError(cluster),
    ].filter((e): e is string => e !== undefined);
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
