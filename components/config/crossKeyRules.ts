/**
 * Rules across keys, checked once every value has its schema's shape: buy vs adopt, AZs vs the region,
 * code-server vs the block, the cluster vs the block's size. Each returns its problems, one line per key.
 */
import { clusterConfigErrors, clusterShare, noComputeCapacityError, shareBlockError } from "../cluster/validation";
import { seedParameterNames } from "../reservation/seedParameters";
import { acceleratorsPerInstance, instanceFacts, isBlockHardware } from "../shared/catalog";
import { show } from "./hints";
import { DURATION_RULE } from "../../dynamic-providers/capacityBlock/durations";
import { MAX_BLOCK_INSTANCES } from "./schema";
import type { ClusterConfig, CodeServerInput, ReservationConfig, ReservationInput } from "./types";

const BUY_ONLY_KEYS = [
    "instanceTypes", "instanceCount", "durationHours", "startAfter", "startBefore", "availabilityZones",
    "maxUpfrontFee", "selection", "generation", "instancePlatform",
] as const satisfies readonly (keyof ReservationInput)[];

/** The block's type when the config alone says it: one instanceType, or a list of one. */
export function configuredBlockType(r: Pick<ReservationInput, "instanceType" | "instanceTypes">): string | undefined {
    return r.instanceType ?? (r.instanceTypes?.length === 1 ? r.instanceTypes[0] : undefined);
}

/** The keys that name a block to adopt: none to buy one, one to adopt it, both is a mistake. */
export function adoptedBy(r: ReservationInput): ("id" | "parameterName")[] {
    return (["id", "parameterName"] as const).filter((k) => r[k] !== undefined);
}

export function reservationProblems(r: ReservationInput, region: string): string[] {
    const zones = (r.availabilityZones ?? [])
        .filter((az) => !az.startsWith(region))
        .map((az) => `capblocks:reservation.availabilityZones: ${show(az)} is not in aws:region ${region}`);
    const by = adoptedBy(r);
    if (by.length === 2) {
        return [...zones, "capblocks:reservation.parameterName: set either id or parameterName to adopt a block, not both"];
    }
    return [...zones, ...(by.length ? adoptProblems(r, by[0], region) : buyProblems(r))];
}

function adoptProblems(r: ReservationInput, by: "id" | "parameterName", region: string): string[] {
    const buyOnly = BUY_ONLY_KEYS.filter((k) => r[k] !== undefined)
        .map((k) => `capblocks:reservation.${k}: only applies when buying; remove it when adopting by ${by}`);
    // Publishing to the parameter the block is read from would write back what it read, and destroy would delete it.
    const seedName = seedParameterNames(region).reservationId;
    const readsWhatItPublishes = r.publishParameter && r.parameterName === seedName
        ? [`capblocks:reservation.publishParameter: ${show(r.publishParameter)} would write ${seedName}, the parameter this stack adopts the block from ` +
            "(parameterName); remove publishParameter (the parameter already names the block)"]
        : [];
    return [...buyOnly, ...readsWhatItPublishes];
}

/**
 * Several acceptable types: each sold as a block, each with a known accelerator count (prices are compared per
 * accelerator-hour), and one accelerator for all: the box's and the cluster's image follows it (all the catalog's
 * types are x86_64), so the block bought, whichever it is, runs the image the config implies.
 */
function instanceTypesProblems(types: string[]): string[] {
    const key = "capblocks:reservation.instanceTypes";
    const problems: string[] = [];
    for (const type of types) {
        const facts = instanceFacts(type);
        if (facts.known && !facts.blockEligible) problems.push(`${key}: ${type} is not sold as an EC2 Capacity Block; remove it from the list`);
        else if (acceleratorsPerInstance(type) === undefined) {
            problems.push(`${key}: ${type} is not in capblocks' catalog, so its accelerators per instance are unknown and its price per ` +
                "accelerator-hour cannot be compared; remove it, or buy it alone with instanceType");
        }
    }
    const kinds = [...new Set(types.map((t) => instanceFacts(t).accelerator))];
    if (kinds.length > 1) {
        const byKind = kinds.map((k) => `${k === "neuron" ? "AWS Neuron" : "NVIDIA"}: ${types.filter((t) => instanceFacts(t).accelerator === k).join(", ")}`);
        problems.push(`${key}: mixes accelerators (${byKind.join("; ")}), which need different images; list types of one accelerator`);
    }
    return problems;
}

function buyProblems(r: ReservationInput): string[] {
    const problems: string[] = [];
    if (r.instanceType !== undefined && r.instanceTypes !== undefined) {
        problems.push("capblocks:reservation.instanceTypes: set either instanceType (one type) or instanceTypes (the acceptable types), not both");
    } else if (r.instanceTypes !== undefined) {
        problems.push(...instanceTypesProblems(r.instanceTypes));
    } else if (r.instanceType === undefined) {
        problems.push("capblocks:reservation.instanceType: is required to buy a block (e.g. trn2.3xlarge; or instanceTypes: the acceptable types)");
    }
    if (r.durationHours === undefined) problems.push(`capblocks:reservation.durationHours: is required to buy a block (${DURATION_RULE})`);
    if (r.maxUpfrontFee === undefined) {
        problems.push("capblocks:reservation.maxUpfrontFee: is required to buy a block: the most you agree to pay, in USD (e.g. \"900\")");
    }
    const facts = r.instanceType === undefined ? undefined : instanceFacts(r.instanceType);
    if (facts?.known && !facts.blockEligible) {
        problems.push(
            `capblocks:reservation.instanceType: ${r.instanceType} is not sold as an EC2 Capacity Block; ` +
                `remove capblocks:reservation and set capblocks:codeServer.instanceType to run it on demand`,
        );
    }
    if (r.startAfter !== undefined && r.startBefore !== undefined && Date.parse(r.startAfter) >= Date.parse(r.startBefore)) {
        problems.push(`capblocks:reservation.startBefore: ${show(r.startBefore)} must be later than startAfter ${show(r.startAfter)}`);
    }
    return problems;
}

/** `set` is what the user wrote (some rules are about a key being set at all); `enabled` is with its default. */
export function codeServerProblems(set: CodeServerInput, enabled: boolean, block: ReservationConfig | undefined, region: string): string[] {
    return [
        ...(enabled ? instanceTypeProblems(set, block) : []),
        ...zoneProblems(set, block, region),
        ...workVolumeProblems(set),
        ...(set.idleStopMinutes !== undefined && block ? [IDLE_STOP_ON_A_BLOCK] : []),
    ];
}

const IDLE_STOP_ON_A_BLOCK =
    "capblocks:codeServer.idleStopMinutes: only applies on demand; a Capacity Block is paid up front, so stopping its instance " +
    "saves nothing, and an instance stopped when the block ends cannot start again; remove idleStopMinutes";

function instanceTypeProblems(set: CodeServerInput, block: ReservationConfig | undefined): string[] {
    const blockType = block ? configuredBlockType(block) : undefined;
    // A block without a type here is adopted (its type is checked once it is found) or bought among several types.
    if (blockType && set.instanceType !== undefined && set.instanceType !== blockType) {
        return [
            `capblocks:codeServer.instanceType: ${show(set.instanceType)} differs from the block's ${blockType}; ` +
                "an instance only launches into a block of its own type (remove codeServer.instanceType to use the block's)",
        ];
    }
    if (block?.kind === "buy" && block.instanceTypes !== undefined && !blockType && set.instanceType !== undefined) {
        return [
            `capblocks:codeServer.instanceType: ${show(set.instanceType)} cannot be promised: the purchase chooses the block's type among ` +
                "capblocks:reservation.instanceTypes, and the box runs on the block; remove codeServer.instanceType (the box takes the block's type)",
        ];
    }
    if (!block && set.instanceType === undefined) {
        return ["capblocks:codeServer.instanceType: is required on demand (no capblocks:reservation), e.g. g7e.2xlarge"];
    }
    if (!block && set.instanceType !== undefined && isBlockHardware(set.instanceType) && set.onDemand !== true) {
        return [
            `capblocks:codeServer.instanceType: ${show(set.instanceType)} is Capacity Block hardware and there is no capblocks:reservation, ` +
                "so it would run on demand, billed by the hour (tens of USD an hour per instance) until `pulumi destroy`; " +
                "set capblocks:reservation to run it on a Capacity Block, or set capblocks:codeServer.onDemand: true to run it on demand on purpose",
        ];
    }
    if (block && set.onDemand === true) {
        return ["capblocks:codeServer.onDemand: only applies without capblocks:reservation; with a block the instance runs on the block (remove onDemand)"];
    }
    return [];
}

function zoneProblems(set: CodeServerInput, block: ReservationConfig | undefined, region: string): string[] {
    const zone = set.availabilityZone;
    if (zone === undefined) return [];
    const onDemandOnly = "capblocks:codeServer.availabilityZone: only applies on demand; with a block the instance goes to the block's AZ";
    return [
        ...(block ? [onDemandOnly] : []),
        ...(zone.startsWith(region) ? [] : [`capblocks:codeServer.availabilityZone: ${show(zone)} is not in aws:region ${region}`]),
    ];
}

function workVolumeProblems(set: CodeServerInput): string[] {
    const volumeId = set.workVolumeId;
    if (volumeId === undefined) return [];
    const problems: string[] = [];
    if (set.deleteWorkVolume === true) {
        problems.push(
            `capblocks:codeServer.deleteWorkVolume: cannot be true with workVolumeId ${volumeId}: ` +
                "capblocks never deletes a volume it did not create (delete it yourself with `aws ec2 delete-volume` if you mean to)",
        );
    }
    if (set.workVolumeSizeGb !== undefined) {
        problems.push(
            `capblocks:codeServer.workVolumeSizeGb: only applies to a work volume capblocks creates; ${volumeId} keeps its own size ` +
                "(grow it with `aws ec2 modify-volume`; the next setup grows the filesystem)",
        );
    }
    return problems;
}

/**
 * With the stack's cluster the box lives in the cluster's compute subnet (components/codeServer/boxInCluster.ts):
 * a subnet of its own would take it out of the cluster, and in the VPC capblocks creates that subnet is private, so
 * allowedCidrs could reach nothing.
 */
export function codeServerInClusterProblems(set: CodeServerInput, codeServerEnabled: boolean, cluster: ClusterConfig): string[] {
    if (!codeServerEnabled || !cluster.enabled) return [];
    return [
        ...(set.subnetId !== undefined
            ? [
                  `capblocks:codeServer.subnetId: ${show(set.subnetId)} would take the dev box out of the cluster: with capblocks:cluster.enabled ` +
                      "it lives in the cluster's compute subnet (in the block's AZ); remove subnetId, or set capblocks:cluster.computeSubnetId to choose that subnet",
              ]
            : []),
        ...((set.allowedCidrs?.length ?? 0) > 0 && !cluster.computeSubnetId
            ? [
                  "capblocks:codeServer.allowedCidrs: with capblocks:cluster.enabled the dev box lives in the private compute subnet of the cluster's VPC " +
                      "and has no public address; remove allowedCidrs and connect with the port forward (portForwardCommand), or give the cluster " +
                      "subnets of your own (capblocks:cluster.computeSubnetId)",
              ]
            : []),
    ];
}

/**
 * The password is kept secret end to end only if the stack file holds it encrypted; `secret` says whether Pulumi
 * marks capblocks:codeServer secret. PASSWORD is the password's own placeholder, not a task file's secret.
 */
export function codeServerSecretProblems(set: CodeServerInput, secret: boolean): string[] {
    return [
        ...(set.password !== undefined && !secret
            ? [
                  "capblocks:codeServer.password: is stored in plain text in the stack's config file; " +
                      "set it as a secret: pulumi config set --secret --path capblocks:codeServer.password <password>",
              ]
            : []),
        ...(set.secrets && "PASSWORD" in set.secrets
            ? ["capblocks:codeServer.secrets.PASSWORD: PASSWORD is the code-server password; set capblocks:codeServer.password instead"]
            : []),
    ];
}

/** Compute nodes the cluster may use: the block, less the one instance code-server runs on it. */
export function clusterCapacity(blockInstanceCount: number, codeServerEnabled: boolean): number {
    return clusterShare({ instances: blockInstanceCount, codeServer: codeServerEnabled });
}

export function clusterProblems(cluster: ClusterConfig, block: ReservationConfig | undefined, codeServerEnabled: boolean): string[] {
    // An adopted block's size is known only after its lookup: the program checks it then, before anything is created.
    const bought = cluster.enabled && block?.kind === "buy" ? block : undefined;
    const share = bought ? { instances: bought.instanceCount, codeServer: codeServerEnabled } : undefined;
    // Several acceptable types are of one accelerator family (instanceTypesProblems): the first stands for all in the image rules.
    const blockType = block ? configuredBlockType(block) ?? (block.kind === "buy" ? block.instanceTypes?.[0] : undefined) : undefined;
    const boughtTypes = bought?.instanceTypes ? `(${bought.instanceTypes.join(" or ")})` : bought?.instanceType;
    const roomProblem = share && noComputeCapacityError(share, `the block to buy (${bought?.instanceCount} × ${boughtTypes})`, false);
    const shareProblem = cluster.enabled && block ? shareBlockError(cluster, codeServerEnabled) : undefined;
    return [
        ...(cluster.enabled && !block ? [NO_BLOCK] : []),
        ...sharedStorageProblems(cluster),
        ...(roomProblem ? [roomProblem] : []),
        ...(shareProblem ? [shareProblem] : []),
        ...clusterConfigErrors(cluster, { maxCount: share ? clusterShare(share) : MAX_BLOCK_INSTANCES, share, instanceType: blockType || undefined }),
    ];
}

const NO_BLOCK =
    "capblocks:cluster.enabled: the PCS compute node group runs on a Capacity Block; " +
    "set capblocks:reservation (buy or adopt) or disable the cluster";

function sharedStorageProblems(cluster: ClusterConfig): string[] {
    const fileSystemId = cluster.sharedFileSystemId;
    if (fileSystemId === undefined) return [];
    const problems: string[] = [];
    if (cluster.sharedStorage !== "efs") {
        problems.push(
            "capblocks:cluster.sharedFileSystemId: is an EFS file system to reuse, " +
                `but capblocks:cluster.sharedStorage is ${cluster.sharedStorage}; set sharedStorage: efs or remove sharedFileSystemId`,
        );
    }
    if (cluster.deleteSharedStorage) {
        problems.push(
            `capblocks:cluster.deleteSharedStorage: cannot be true with sharedFileSystemId ${fileSystemId}: ` +
                "capblocks never deletes a file system it did not create",
        );
    }
    return problems;
}
