/**
 * The steps of the program in index.ts: check what the config adopts, get the block, declare the components, and
 * map each to stack outputs. Every output is a string: none is ever undefined.
 */
import * as pulumi from "@pulumi/pulumi";
import { CodeServerInstance } from "./codeServer/codeServerInstance";
import { onDemandZone, placementIn } from "./codeServer/placement";
import { lookUpSetupSecrets } from "./codeServer/setupSecrets";
import { loadSetupTasks } from "./codeServer/setupTasks";
import type { ExistingVolume, InstancePlacement } from "./codeServer/workVolume";
import { findPriorWorkVolume, findWorkVolume, unencryptedVolumeWarning, workVolumeZoneError } from "./codeServer/workVolume";
import type { WorkVolumePlan } from "./codeServer/workVolumeMove";
import { moveNextStep, moveNotice, moveSizeError, planWorkVolume } from "./codeServer/workVolumeMove";
import { checkSharedFileSystem } from "./cluster/storage";
import type { StackConfig } from "./config";
import { clusterCapacity, ConfigError } from "./config";
import type { BoughtBlocks, ReservationInfo } from "./reservation";
import { adoptReservation, buyReservation, findBoughtBlocks } from "./reservation";
import { purchaseProblems } from "./reservation/purchaseChecks";
import { ON_DEMAND_QUOTE } from "./reservation/quoteText";
import { blockRegionWarning } from "./shared/blockRegions";
import { instanceFacts, unknownTypeWarning } from "./shared/catalog";
import { previousDeployment } from "./shared/previousDeployment";

export type StackOutputs = Record<string, pulumi.Input<string>>;

/** What the config adopts, found and checked before anything is bought or created. */
export interface Adopted {
    workVolume?: ExistingVolume;
}

function warn(warning: string | undefined): void {
    if (warning) void pulumi.log.warn(warning);
}

/** Stops the program, before anything more is created, when the adopted work volume cannot attach there. */
function assertWorkVolumeFits(volume: ExistingVolume, where: InstancePlacement): void {
    const problem = workVolumeZoneError(volume, where);
    if (problem) throw new pulumi.RunError(problem);
}

/**
 * The work volume the config adopts, looked up and, when a block is still to buy, checked to fit where it may land.
 * A bought block is checked where the instance goes: this generation's block, else the older one it stays on.
 */
async function adoptedWorkVolume(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<ExistingVolume | undefined> {
    const id = cfg.codeServer.enabled ? cfg.codeServer.workVolumeId : undefined;
    if (!id) return undefined;
    const workVolume = await findWorkVolume(id, cfg.region);
    warn(unencryptedVolumeWarning(workVolume));
    if (cfg.reservation?.kind === "buy") {
        const known = bought?.current ?? bought?.older?.facts;
        assertWorkVolumeFits(
            workVolume,
            known ? { kind: "block", availabilityZone: known.availabilityZone } : { kind: "block-to-buy", availabilityZones: cfg.reservation.availabilityZones },
        );
    }
    return workVolume;
}

/** The blocks a buy config already bought, from the stack's last outputs and EC2; undefined unless buying. */
export async function boughtBlocksFor(cfg: StackConfig): Promise<BoughtBlocks | undefined> {
    return cfg.reservation?.kind === "buy" ? findBoughtBlocks(cfg.reservation, cfg.region) : undefined;
}

/**
 * A block still to buy (none recorded for this generation) is held to the CapacityBlock check's rules now, so the
 * offline plan and preview stop where check would (a closed or too distant window), and warned about a Region that
 * may not sell blocks. Once bought, the window is history and is not judged.
 */
function checkPurchase(cfg: StackConfig, bought: BoughtBlocks | undefined): void {
    if (cfg.reservation?.kind !== "buy" || bought?.current || bought?.currentVanished) return;
    const problems = purchaseProblems(cfg.reservation, new Date());
    if (problems.length > 0) throw new ConfigError(problems);
    warn(blockRegionWarning(cfg.region));
}

/**
 * Warnings about instance types the catalog does not know, the rules a purchase still to come must meet, then
 * existing storage to adopt: looked up, and checked to fit the block to buy, before anything is bought.
 */
export async function preflight(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<Adopted> {
    for (const type of [cfg.reservation?.instanceType, cfg.codeServer.enabled ? cfg.codeServer.instanceType : undefined]) {
        if (type) warn(unknownTypeWarning(instanceFacts(type)));
    }
    checkPurchase(cfg, bought);
    const workVolume = await adoptedWorkVolume(cfg, bought);
    if (cfg.cluster.enabled && cfg.reservation && cfg.cluster.sharedFileSystemId) {
        warn(await checkSharedFileSystem(cfg.cluster.sharedFileSystemId, cfg.region));
    }
    return { workVolume };
}

/** The block the config buys or adopts; undefined on demand. `bought`: boughtBlocksFor's answer. */
export async function reservationFor(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<ReservationInfo | undefined> {
    const wanted = cfg.reservation;
    if (wanted?.kind === "buy") return buyReservation(wanted, { region: cfg.region, tags: cfg.tags, aws: cfg.aws }, bought ?? { previous: {} });
    if (wanted?.kind === "adopt") return adoptReservation(wanted, cfg.region);
    return undefined;
}

/**
 * The block outputs. blockId and blockGeneration (and nextBlockId/nextBlockGeneration while a newer generation's
 * block waits to start) are also what the next run reads back (reservation/previousDeployment.ts): keep the names.
 */
export function reservationOutputs(reservation: ReservationInfo | undefined): StackOutputs {
    if (!reservation) return { blockState: "none: on demand", blockQuote: ON_DEMAND_QUOTE, nextStep: "No Capacity Block: instances run on demand." };
    const { bought, next } = reservation;
    return {
        blockId: reservation.id,
        blockState: reservation.state,
        blockSource: reservation.source,
        blockInstanceType: reservation.instanceType,
        blockAvailabilityZone: reservation.availabilityZone,
        blockStart: reservation.startDate,
        blockEnd: reservation.endDate,
        ...(reservation.quote ? { blockQuote: reservation.quote } : {}),
        ...(bought ? { blockGeneration: String(bought.generation), blockUpfrontFee: bought.upfrontFee, blockCurrency: bought.currencyCode } : {}),
        ...(next
            ? { nextBlockId: next.id, nextBlockGeneration: String(next.generation), nextBlockState: next.state, nextBlockStart: next.startDate }
            : {}),
        nextStep: reservation.nextStep,
    };
}

/** The stack output that says whose the work volume is: "created" (the stack's own) or "adopted" (codeServer.workVolumeId). */
const WORK_VOLUME_SOURCE = "workVolumeSource";

/** String outputs of the last deployment; a backend that cannot be read stops the run before anything is created. */
async function lastOutputs(names: string[]): Promise<(string | undefined)[]> {
    const last = previousDeployment();
    try {
        return await Promise.all(names.map((name) => last.output(name)));
    } catch (err) {
        throw new pulumi.RunError(
            `capblocks:codeServer: could not read this stack's last outputs to find its work volume: ${(err as Error)?.message ?? String(err)}; ` +
                "nothing was created or moved. Check access to the Pulumi backend and run the command again.",
        );
    }
}

/**
 * Where the stack's own work volume goes on this run: the last deployment's outputs name it (its id; the rest is
 * looked up live), and the AZ this run's instance runs in decides whether the work moves. A volume the last
 * deployment only adopted is not the stack's to move: without workVolumeId now, the stack creates its own.
 */
async function workVolumePlanFor(cfg: StackConfig, targetAz: string | undefined, launch: boolean): Promise<WorkVolumePlan> {
    const [id, source, instanceId] = await lastOutputs(["workVolumeId", WORK_VOLUME_SOURCE, "instanceId"]);
    // Outputs written before workVolumeSource existed count as the stack's own volume: at worst an adopted one is
    // copied by a move, never deleted (it is in no state).
    if (!id || source === "adopted") return { kind: "create" };
    const previous = await findPriorWorkVolume(id, cfg.region);
    if (!previous) {
        warn(`capblocks:codeServer: the work volume ${id} of the last deployment no longer exists in ${cfg.region}; this update creates a new, empty one`);
        return { kind: "create" };
    }
    const plan = planWorkVolume({ previous, targetAz, launch, ...(instanceId ? { previousInstanceId: instanceId } : {}) });
    const sizeProblem = moveSizeError(plan, cfg.codeServer.workVolumeSizeGb);
    if (sizeProblem) throw new pulumi.RunError(sizeProblem);
    warn(moveNotice(plan, cfg.codeServer.homeDir, !cfg.codeServer.deleteWorkVolume));
    return plan;
}

export interface CodeServerContext {
    reservation?: ReservationInfo;
    adopted: Adopted;
    /** Where relative task file paths start (the project directory). */
    projectDir: string;
    /** The nextStep so far; once the instance is launched it also says how to connect. */
    nextStep: pulumi.Input<string>;
}

/** The code-server box on the block (or on demand in its zone), and its outputs. */
export async function codeServerOutputs(cfg: StackConfig, { reservation, adopted, projectDir, nextStep }: CodeServerContext): Promise<StackOutputs> {
    const cs = cfg.codeServer;
    const { region, tags } = cfg;
    const workVolume = adopted.workVolume;
    const onDemandAz = reservation ? undefined : await onDemandZone(region, cs.subnetId, cs.availabilityZone);
    if (workVolume && onDemandAz) assertWorkVolumeFits(workVolume, { kind: "on-demand", availabilityZone: onDemandAz });
    // A block bought on this run was held to the volume's AZ before the purchase; any other block's AZ is known.
    if (workVolume && reservation?.knownAvailabilityZone) {
        assertWorkVolumeFits(workVolume, { kind: "block", availabilityZone: reservation.knownAvailabilityZone });
    }
    const launch = reservation ? reservation.launchable : true;
    const targetAz = reservation ? reservation.knownAvailabilityZone : onDemandAz;
    const workVolumePlan = workVolume ? undefined : await workVolumePlanFor(cfg, targetAz, launch);
    const setup = loadSetupTasks(cs, projectDir);
    const secrets = cs.secrets ? await lookUpSetupSecrets(cs.secrets, region) : [];
    const codeServer = new CodeServerInstance("code-server", {
        config: cs,
        region,
        aws: cfg.aws,
        placement: placementIn(reservation ? reservation.availabilityZone : (onDemandAz as string), region, cs.subnetId),
        reservation,
        launch,
        tasks: setup.tasks,
        variables: setup.variables,
        secrets,
        existingWorkVolume: workVolume,
        ...(workVolumePlan ? { workVolumePlan } : {}),
        tags,
    });
    const moving = workVolumePlan ? moveNextStep(workVolumePlan) : "";
    return {
        instanceId: codeServer.instanceId,
        url: codeServer.url,
        portForwardCommand: codeServer.portForwardCommand,
        sessionCommand: codeServer.sessionCommand,
        passwordCommand: codeServer.passwordCommand,
        workVolumeId: codeServer.workVolumeId,
        workVolume: codeServer.workVolumeNote,
        [WORK_VOLUME_SOURCE]: workVolume ? "adopted" : "created",
        ...(cs.allowedCidrs.length ? { tlsCertificateSha256: codeServer.tlsCertificateSha256 } : {}),
        ...(launch || moving
            ? { nextStep: pulumi.all([nextStep, launch ? codeServer.connectHint : ""]).apply(([step, hint]) => [step, moving, hint].filter(Boolean).join(" ")) }
            : {}),
    };
}

/** The PCS cluster on the block, and its outputs. */
export async function clusterOutputs(cfg: StackConfig, reservation: ReservationInfo): Promise<StackOutputs> {
    // Loaded only for stacks with a cluster: @pulumi/aws-native and the PCS modules add ~0.4 s to every start.
    const { GpuNodeGroup } = await import("./cluster/gpuNodeGroup");
    const cluster = new GpuNodeGroup("cluster", {
        cluster: cfg.cluster,
        reservation,
        instanceType: reservation.instanceType,
        instanceCount: clusterCapacity(reservation.instanceCount, cfg.codeServer.enabled),
        region: cfg.region,
        tags: cfg.tags,
    });
    return {
        clusterId: cluster.clusterId,
        clusterName: cluster.clusterName,
        clusterQueue: cluster.queueName,
        clusterLoginNodeGroupId: cluster.loginNodeGroupId,
        clusterLoginCommand: cluster.loginCommand,
        clusterSharedStorageId: cluster.sharedStorageId,
        clusterSharedStorage: cluster.sharedStorageNote,
        parallelClusterConfig: cluster.parallelClusterConfig,
    };
}
