/**
 * The steps of the program in index.ts: check what the config adopts, get the block, declare the components, and
 * map each to stack outputs. Every output is a string: none is ever undefined.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LoadedTasks } from "../tasks/loader";
import type { GpuNodeGroup } from "./cluster/gpuNodeGroup";
import { clusterBox } from "./codeServer/boxInCluster";
import { BOX_USER_UID, clusterBoxImage, clusterTaskIds } from "./codeServer/clusterAccess";
import { CodeServerInstance } from "./codeServer/codeServerInstance";
import { idleStopStep } from "./codeServer/idleStop";
import { defaultSubnetIn, onDemandZone, placementAt, placementIn, SUBNET_KEY as CODE_SERVER_SUBNET_KEY } from "./codeServer/placement";
import type { DevImagePlan } from "./codeServer/prebake";
import { devImagePlan, devImageStep, imageTasks } from "./codeServer/prebake";
import { setupEnabled } from "./codeServer/setupControls";
import type { SetupSecret } from "./codeServer/setupSecrets";
import { lookUpSetupSecrets } from "./codeServer/setupSecrets";
import { loadSetupTasks } from "./codeServer/setupTasks";
import type { ExistingVolume, InstancePlacement } from "./codeServer/workVolume";
import { findPriorWorkVolume, findWorkVolume, unencryptedVolumeWarning, workVolumeZoneError } from "./codeServer/workVolume";
import type { WorkVolumePlan } from "./codeServer/workVolumeMove";
import { moveNextStep, moveNotice, moveSizeError, planWorkVolume } from "./codeServer/workVolumeMove";
import { clusterUseStep } from "./cluster/access";
import { deferHourlyParts, deferredStep, nodeImageReadyStep } from "./cluster/deferral";
import { nodeImageErrors } from "./cluster/nodeImagePlan";
import { QUEUE_NAME } from "./cluster/parallelcluster";
import { COMPUTE_SUBNET_KEY, computeSubnetProblems, knownBlockProblems } from "./cluster/preflight";
import { checkSharedFileSystem } from "./cluster/storage";
import { EFS_MOUNT_DIR, LUSTRE_MOUNT_DIR } from "./cluster/userData";
import type { BlockShare } from "./cluster/validation";
import { blockShareNote, noComputeCapacityError } from "./cluster/validation";
import type { BuyReservationConfig, CodeServerConfig, StackConfig } from "./config";
import { clusterCapacity, ConfigError, withBlockType } from "./config";
import type { BoughtBlocks, ReservationInfo } from "./reservation";
import { adoptReservation, buildsNothingOnBlock, buyReservation, findBoughtBlocks } from "./reservation";
import type { StackShape } from "./reservation/nextStep";
import { nextStepFor, nextStepWhileNextBlockStarts, typeChosenByPurchaseNote } from "./reservation/nextStep";
import { publishBlock } from "./reservation/publishedParameters";
import { purchaseProblems } from "./reservation/purchaseChecks";
import { ON_DEMAND_QUOTE } from "./reservation/quoteText";
import { blockRegionWarning } from "./shared/blockRegions";
import { instanceFacts, unknownTypeWarning } from "./shared/catalog";
import { lookUpSubnet } from "./shared/lookups";
import { previousDeployment } from "./shared/previousDeployment";
import type { BlockZone, KnownSubnet } from "./shared/subnetZone";
import { subnetZoneError } from "./shared/subnetZone";

export type StackOutputs = Record<string, pulumi.Input<string>>;

/** What the config adopts, found and checked before anything is bought or created. */
export interface Adopted {
    workVolume?: ExistingVolume;
    /** capblocks:codeServer.subnetId and capblocks:cluster.computeSubnetId, looked up. */
    codeServerSubnet?: KnownSubnet;
    computeSubnet?: KnownSubnet;
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
    if (!purchaseComing(cfg, bought)) return;
    const problems = purchaseProblems(cfg.reservation as BuyReservationConfig, new Date());
    if (problems.length > 0) throw new ConfigError(problems);
    warn(blockRegionWarning(cfg.region));
}

/** A buy config with no block recorded for its generation: up buys one on this run. */
function purchaseComing(cfg: StackConfig, bought: BoughtBlocks | undefined): boolean {
    return cfg.reservation?.kind === "buy" && !bought?.current && !bought?.currentVanished;
}

/**
 * The subnets the config names, looked up; a block still to buy must be bought in their zone, and the cluster's must
 * be in capblocks:cluster.vpcId. Checked now, before the purchase: after it, the block could be in the wrong zone.
 */
async function adoptedSubnets(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<Pick<Adopted, "codeServerSubnet" | "computeSubnet">> {
    const { codeServer, cluster, region } = cfg;
    const [codeServerSubnet, computeSubnet] = await Promise.all([
        codeServer.enabled && codeServer.subnetId ? lookUpSubnet(CODE_SERVER_SUBNET_KEY, codeServer.subnetId, region) : undefined,
        cluster.enabled && cfg.reservation && cluster.computeSubnetId ? lookUpSubnet(COMPUTE_SUBNET_KEY, cluster.computeSubnetId, region) : undefined,
    ]);
    const toBuy: BlockZone | undefined = purchaseComing(cfg, bought)
        ? { kind: "block-to-buy", availabilityZones: (cfg.reservation as BuyReservationConfig).availabilityZones, region }
        : undefined;
    const problems = [
        ...(codeServerSubnet && toBuy ? [subnetZoneError(CODE_SERVER_SUBNET_KEY, codeServerSubnet, toBuy)] : []),
        ...(computeSubnet ? computeSubnetProblems(cluster, computeSubnet, toBuy) : []),
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) throw new ConfigError(problems);
    return { ...(codeServerSubnet ? { codeServerSubnet } : {}), ...(computeSubnet ? { computeSubnet } : {}) };
}

/** Outputs of a deployment that built something on a block, and what they name. */
const BUILT_ON_BLOCK = [["instanceId", "code-server instance"], ["workVolumeId", "work volume"], ["clusterName", "PCS cluster"]] as const;

/**
 * A run whose purchase chooses the block's type among several builds nothing on the block; it must not take down
 * what the last deployment built (a box on demand before, or on a block EC2 no longer lists): refused, nothing bought.
 */
async function assertNothingDropped(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<void> {
    if (cfg.reservation?.kind !== "buy" || !bought || !buildsNothingOnBlock(cfg.reservation, bought)) return;
    const last = previousDeployment();
    const found = await Promise.all(BUILT_ON_BLOCK.map(([name]) => last.output(name))).catch((err: unknown) => {
        throw new pulumi.RunError(`capblocks:reservation.instanceTypes: could not read this stack's last outputs to see what it built ` +
            `(${(err as Error)?.message ?? String(err)}); nothing was bought. Check access to the Pulumi backend and run the command again.`);
    });
    const built = BUILT_ON_BLOCK.flatMap(([, what], i) => (found[i] ? [`${what} ${found[i]}`] : []));
    if (built.length === 0) return;
    throw new pulumi.RunError(
        `capblocks:reservation.instanceTypes: this run buys the block and the purchase chooses its type, so nothing can be built on it ` +
            `before the next \`pulumi up\`; the last deployment's ${built.join(", ")} would be taken down meanwhile. Nothing was bought. ` +
            "Buy this block with one capblocks:reservation.instanceType (instanceTypes works once a block is bought: the next generation stays on it " +
            "until the new one's type is known).",
    );
}

/**
 * One warning per instance type the catalog does not know (the block, code-server and the cluster often share
 * one), naming the settings of this stack that override what capblocks guessed for it.
 */
function unknownTypeWarnings(cfg: StackConfig): string[] {
    const overrides = new Map<string, string[]>();
    const use = (type: string | undefined, keys: string[]) => {
        if (type) overrides.set(type, [...(overrides.get(type) ?? []), ...keys]);
    };
    use(cfg.reservation?.instanceType, []);
    if (cfg.cluster.enabled && cfg.reservation) use(cfg.reservation.instanceType, ["capblocks:cluster.efaInterfaces", "capblocks:cluster.amiId"]);
    if (cfg.codeServer.enabled) use(cfg.codeServer.instanceType, ["capblocks:codeServer.amiId", "capblocks:codeServer.volumeSizeGb"]);
    return [...overrides].flatMap(([type, keys]) => unknownTypeWarning(instanceFacts(type), keys) ?? []);
}

/**
 * Warnings about instance types the catalog does not know, the rules a purchase still to come must meet, then
 * existing storage to adopt: looked up, and checked to fit the block to buy, before anything is bought.
 */
export async function preflight(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<Adopted> {
    unknownTypeWarnings(cfg).forEach(warn);
    checkPurchase(cfg, bought);
    await assertNothingDropped(cfg, bought);
    const workVolume = await adoptedWorkVolume(cfg, bought);
    const subnets = await adoptedSubnets(cfg, bought);
    if (cfg.cluster.enabled && cfg.reservation && cfg.cluster.sharedFileSystemId) {
        warn(await checkSharedFileSystem(cfg.cluster.sharedFileSystemId, cfg.region));
    }
    return { workVolume, ...subnets };
}

/**
 * What runs on a block the program knows (adopted, or bought on an earlier run) checked against it before code-server
 * or the cluster is declared: the cluster needs it scheduled or active and big enough, and the subnets the config
 * names must be in its zone.
 */
export function checkBlockFits(cfg: StackConfig, reservation: ReservationInfo | undefined, adopted: Adopted): void {
    const az = reservation?.knownAvailabilityZone;
    const here: BlockZone | undefined = az ? { kind: "block", availabilityZone: az } : undefined;
    const problems = [
        ...(cfg.cluster.enabled && reservation ? knownBlockProblems(cfg.cluster, reservation, blockShare(cfg, reservation)) : []),
        ...(here && adopted.computeSubnet ? [subnetZoneError(COMPUTE_SUBNET_KEY, adopted.computeSubnet, here)] : []),
        ...(here && adopted.codeServerSubnet ? [subnetZoneError(CODE_SERVER_SUBNET_KEY, adopted.codeServerSubnet, here)] : []),
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * The block the config buys or adopts; undefined on demand. `bought`: boughtBlocksFor's answer. An adopted block
 * whose size is known only now, and leaves the cluster no node, stops the run here, before anything is created.
 */
export async function reservationFor(cfg: StackConfig, bought: BoughtBlocks | undefined): Promise<ReservationInfo | undefined> {
    const wanted = cfg.reservation;
    if (wanted?.kind === "buy") return buyReservation(wanted, { region: cfg.region, tags: cfg.tags, aws: cfg.aws }, bought ?? { previous: {} });
    if (wanted?.kind === "adopt") {
        const adopted = await adoptReservation(wanted, cfg.region);
        const named = wanted.id ?? `named by ${wanted.parameterName}`;
        const problem = cfg.cluster.enabled ? noComputeCapacityError(blockShare(cfg, adopted), `the adopted block ${named}`, true) : undefined;
        // The block says its type only now when the config does not: the node image rules wait for it.
        const imageProblems = cfg.cluster.enabled && wanted.instanceType === undefined && adopted.instanceType
            ? nodeImageErrors(cfg.cluster, adopted.instanceType)
            : [];
        if (problem || imageProblems.length > 0) throw new ConfigError([...(problem ? [problem] : []), ...imageProblems]);
        return adopted;
    }
    return undefined;
}

/** What the stack runs and keeps, for nextStep. */
function stackShape(cfg: StackConfig): StackShape {
    const r = cfg.reservation;
    return {
        reservation: r?.kind === "adopt" ? { kind: "adopt", ...(r.parameterName ? { parameterName: r.parameterName } : {}) } : { kind: "buy" },
        ...(cfg.codeServer.enabled ? { codeServer: { workVolumeKept: !cfg.codeServer.deleteWorkVolume } } : {}),
        ...(cfg.cluster.enabled
            ? { cluster: { newVpc: !cfg.cluster.computeSubnetId, sharedStorage: cfg.cluster.sharedStorage, deleteSharedStorage: cfg.cluster.deleteSharedStorage } }
            : {}),
    };
}

/** nextStep as far as the block goes: its state and dates, or the handover to a newer generation's block. */
function blockNextStep(reservation: ReservationInfo, stack: StackShape): pulumi.Output<string> {
    const { next, bought } = reservation;
    if (next && bought) {
        return pulumi.all([reservation.id, reservation.endDate, next.id, next.state, next.startDate]).apply(([id, endDate, nextId, state, startDate]) =>
            nextStepWhileNextBlockStarts({
                inUse: { id, generation: bought.generation, endDate },
                next: { id: nextId, generation: next.generation, state, startDate },
            }));
    }
    // A purchase that chooses the type builds nothing on the block this run: no box is waiting to launch.
    const shape = reservation.typeChoice ? { reservation: stack.reservation } : stack;
    const typeNote = reservation.typeChoice ? ` ${typeChosenByPurchaseNote(reservation.typeChoice.candidates)}` : "";
    return pulumi
        .all([reservation.state, reservation.startDate, reservation.endDate, reservation.availabilityZone])
        .apply(([state, startDate, endDate, availabilityZone]) =>
            nextStepFor({ state, startDate, endDate, availabilityZone, boughtThisRun: reservation.boughtThisRun }, shape) + typeNote);
}

const ON_DEMAND_STEP = "No Capacity Block: the instance runs on demand and bills by the hour while it runs, until `pulumi destroy`.";

/** The block's instances as the cluster and code-server share them (config rules make code-server's share explicit). */
function blockShare(cfg: StackConfig, reservation: ReservationInfo): BlockShare {
    return { instances: reservation.instanceCount, codeServer: cfg.codeServer.enabled };
}

/**
 * The block outputs. blockId and blockGeneration (and nextBlockId/nextBlockGeneration while a newer generation's
 * block waits to start) are also what the next run reads back (reservation/previousDeployment.ts): keep the names.
 */
export function reservationOutputs(cfg: StackConfig, reservation: ReservationInfo | undefined): StackOutputs {
    if (!reservation) return { blockState: "none: on demand", blockQuote: ON_DEMAND_QUOTE, nextStep: ON_DEMAND_STEP };
    const { bought, next } = reservation;
    return {
        blockId: reservation.id,
        blockState: reservation.state,
        blockSource: reservation.source,
        blockInstanceType: reservation.instanceType ?? (reservation.typeChoice as NonNullable<ReservationInfo["typeChoice"]>).chosen,
        blockAvailabilityZone: reservation.availabilityZone,
        blockStart: reservation.startDate,
        blockEnd: reservation.endDate,
        ...(reservation.quote ? { blockQuote: reservation.quote } : {}),
        ...(bought ? { blockGeneration: String(bought.generation), blockUpfrontFee: bought.upfrontFee, blockCurrency: bought.currencyCode } : {}),
        ...(next
            ? { nextBlockId: next.id, nextBlockGeneration: String(next.generation), nextBlockState: next.state, nextBlockStart: next.startDate }
            : {}),
        nextStep: blockNextStep(reservation, stackShape(cfg)),
    };
}

/** The stack output that says whose the work volume is: "created" (the stack's own) or "adopted" (codeServer.workVolumeId). */
const WORK_VOLUME_SOURCE = "workVolumeSource";

/**
 * String outputs of the last deployment, read for `key` (the config key whose resources depend on them, and why);
 * a backend that cannot be read stops the run before anything is created.
 */
async function lastOutputs(names: string[], key: string, why: string): Promise<(string | undefined)[]> {
    const last = previousDeployment();
    try {
        return await Promise.all(names.map((name) => last.output(name)));
    } catch (err) {
        throw new pulumi.RunError(
            `${key}: could not read this stack's last outputs ${why}: ${(err as Error)?.message ?? String(err)}; ` +
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
    const [id, source, instanceId] = await lastOutputs(["workVolumeId", WORK_VOLUME_SOURCE, "instanceId"], "capblocks:codeServer", "to find its work volume");
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

/** The stack outputs that record the dev image (prebake.ts): the one baked, and the one the box was launched from. */
const DEV_IMAGE_ID = "devImageId";
const INSTANCE_IMAGE_ID = "instanceImageId";

/** Whether this run bakes the dev image and what the box boots, from the block and the last deployment's outputs. */
async function devImagePlanFor(cfg: StackConfig, reservation: ReservationInfo | undefined, now: Date, inCluster: boolean): Promise<DevImagePlan> {
    const [instanceId, blockId, launchedFrom, bakedImageId] = await lastOutputs(
        ["instanceId", "blockId", INSTANCE_IMAGE_ID, DEV_IMAGE_ID], "capblocks:codeServer.prebake", "to find the dev image",
    );
    const known = reservation?.knownState !== undefined && reservation.knownStartDate !== undefined
        ? { state: reservation.knownState, startDate: reservation.knownStartDate }
        : undefined;
    return devImagePlan({
        // Without setup (codeServer.setup: false) there is nothing to bake. A box in the cluster is not baked yet: its
        // build would run in the cluster's private subnet and has to wait for the NAT route (docs/prebake.md).
        prebake: setupEnabled(cfg.codeServer) && !inCluster ? cfg.codeServer.prebake : false,
        ...(reservation ? { block: { ...(reservation.knownId ? { id: reservation.knownId } : {}), ...(known ? { known } : {}) } } : {}),
        previous: {
            ...(instanceId ? { instanceId } : {}),
            ...(blockId ? { blockId } : {}),
            ...(launchedFrom ? { launchedFrom } : {}),
            ...(bakedImageId ? { bakedImageId } : {}),
        },
        now,
    });
}

export interface CodeServerContext {
    reservation?: ReservationInfo;
    adopted: Adopted;
    /** Where relative task file paths start (the project directory). */
    projectDir: string;
}

/**
 * The box's settings on this run's block: the block's type when the config leaves it to the block, and a
 * codeServer.instanceType given for an adopted block checked against what the block is.
 */
export function codeServerOnBlock(cs: CodeServerConfig, reservation: ReservationInfo | undefined): CodeServerConfig {
    const blockType = reservation?.instanceType;
    if (!blockType) return cs;
    if (!cs.typeFromBlock && reservation.source === "adopted" && cs.instanceType !== blockType) {
        throw new pulumi.RunError(
            `capblocks:codeServer.instanceType: ${JSON.stringify(cs.instanceType)} differs from ${blockType}, the type of the adopted Capacity Block; ` +
                "an instance only launches into a block of its own type; remove codeServer.instanceType (the box takes the block's type) or adopt another block",
        );
    }
    return withBlockType(cs, blockType);
}

/** The code-server box's decisions, made (and checked) before any component is declared. */
export interface PreparedCodeServer extends CodeServerContext {
    /** codeServer on this run's block (codeServerOnBlock). */
    config: CodeServerConfig;
    onDemandAz?: string;
    launch: boolean;
    /** The box's own subnet (codeServer.subnetId or the default VPC's) where its AZ is known now; none in the cluster. */
    subnet?: { availabilityZone: string; subnetId: string; vpcId: string; defaultSubnet: boolean };
    workVolumePlan?: WorkVolumePlan;
    setup: LoadedTasks;
    secrets: SetupSecret[];
    /** Whether this run bakes the dev image and what the box boots (prebake.ts), decided at `now`. */
    imagePlan: DevImagePlan;
    now: Date;
}

/**
 * Everything about the box that is looked up or may stop the run: its type on the block, the AZ, the adopted
 * volume's fit, the work volume's plan, its subnet, the task files and the user's secrets. Done before the cluster
 * is declared, so a stop creates nothing.
 */
export async function prepareCodeServer(cfg: StackConfig, { reservation, adopted, projectDir }: CodeServerContext): Promise<PreparedCodeServer> {
    const cs = codeServerOnBlock(cfg.codeServer, reservation);
    const workVolume = adopted.workVolume;
    const onDemandAz = reservation ? undefined : await onDemandZone(cfg.region, cs.subnetId, cs.availabilityZone);
    if (workVolume && onDemandAz) assertWorkVolumeFits(workVolume, { kind: "on-demand", availabilityZone: onDemandAz });
    // A block bought on this run was held to the volume's AZ before the purchase; any other block's AZ is known.
    if (workVolume && reservation?.knownAvailabilityZone) {
        assertWorkVolumeFits(workVolume, { kind: "block", availabilityZone: reservation.knownAvailabilityZone });
    }
    const launch = reservation ? reservation.launchable : true;
    const targetAz = reservation ? reservation.knownAvailabilityZone : onDemandAz;
    const workVolumePlan = workVolume ? undefined : await workVolumePlanFor(cfg, targetAz, launch);
    // The box joins the stack's cluster, whose tasks rerun may name too.
    const inCluster = cfg.cluster.enabled && reservation?.instanceType !== undefined;
    const clusterTasks = inCluster ? clusterTaskIds(cfg.cluster.sharedStorage, clusterBoxImage(cs, cfg.cluster).hasPcsSlurm) : [];
    // Where the instance goes is known now unless the block is bought on this run: its subnet is found (or found
    // missing) before anything is declared, not inside an apply. In the cluster it goes to the cluster's subnet.
    const own = adopted.codeServerSubnet;
    const subnet = targetAz && !inCluster ? (own ? { subnetId: own.id, vpcId: own.vpcId } : await defaultSubnetIn(targetAz, cfg.region)) : undefined;
    const setup = loadSetupTasks(cs, projectDir, clusterTasks);
    const secrets = cs.secrets ? await lookUpSetupSecrets(cs.secrets, cfg.region) : [];
    const now = new Date();
    const imagePlan = await devImagePlanFor(cfg, reservation, now, inCluster);
    return {
        reservation,
        adopted,
        projectDir,
        config: cs,
        ...(onDemandAz ? { onDemandAz } : {}),
        launch,
        ...(targetAz && subnet ? { subnet: { availabilityZone: targetAz, ...subnet, defaultSubnet: !own } } : {}),
        ...(workVolumePlan ? { workVolumePlan } : {}),
        setup,
        secrets,
        imagePlan,
        now,
    };
}

/** A feature's outputs, and the subnet its instances run in on the block (which publishParameter publishes). */
export interface PlacedOutputs {
    outputs: StackOutputs;
    subnetId: pulumi.Output<string>;
}

/**
 * The code-server box on the block (or on demand in its zone), and its outputs. With the stack's cluster it lives
 * in the cluster's compute subnet (the block's AZ, so the work volume stays), mounts its storage and joins Slurm.
 */
export function codeServerOutputs(cfg: StackConfig, box: PreparedCodeServer, nextStep: pulumi.Input<string>, cluster?: DeclaredCluster): PlacedOutputs {
    const { region, tags } = cfg;
    const { config: cs, reservation, launch, workVolumePlan, setup, secrets, subnet, imagePlan, now } = box;
    const workVolume = box.adopted.workVolume;
    const inCluster = cluster
        ? clusterBox({ codeServer: cs, cluster: cfg.cluster, group: cluster.group, reservation: cluster.reservation, region, queue: QUEUE_NAME })
        : undefined;
    const placement = inCluster?.placement
        ?? (subnet ? placementAt(subnet.availabilityZone, subnet, subnet.defaultSubnet) : placementIn(reservation ? reservation.availabilityZone : (box.onDemandAz as string), region, cs.subnetId));
    const codeServer = new CodeServerInstance("code-server", {
        config: inCluster?.config ?? cs,
        region,
        aws: cfg.aws,
        placement,
        reservation,
        launch,
        tasks: setup.tasks,
        variables: setup.variables,
        secrets,
        image: { plan: imagePlan, tasks: imageTasks(setup.tasks, setup.imageTaskIds), variables: setup.variables },
        existingWorkVolume: workVolume,
        ...(workVolumePlan ? { workVolumePlan } : {}),
        ...(inCluster?.amiParameter ? { amiParameter: inCluster.amiParameter } : {}),
        ...(inCluster ? { cluster: inCluster.member } : {}),
        tags,
    });
    const moving = workVolumePlan ? moveNextStep(workVolumePlan) : "";
    const idleMinutes = cs.idleStopMinutes;
    const idle = !reservation && idleMinutes !== undefined ? codeServer.instanceId.apply((id) => idleStopStep(idleMinutes, id, region)) : "";
    // What the box does with the cluster: once it runs, or (while the cluster waits) when it will join.
    const withCluster = inCluster && (launch || !inCluster.built) ? inCluster.step : "";
    // Only a launched instance has an address and commands; before that nextStep says when it will.
    const reach: StackOutputs = launch
        ? {
              instanceId: codeServer.instanceId,
              url: codeServer.url,
              portForwardCommand: codeServer.portForwardCommand,
              sessionCommand: codeServer.sessionCommand,
              instanceInfoCommand: codeServer.instanceInfoCommand,
              ...(cs.allowedCidrs.length ? { tlsCertificateSha256: codeServer.tlsCertificateSha256 } : {}),
              [INSTANCE_IMAGE_ID]: codeServer.launchImageId,
          }
        : {};
    const baked: StackOutputs = imagePlan.bake ? { [DEV_IMAGE_ID]: codeServer.devImageId } : {};
    const imageStep = pulumi
        .all([imagePlan.bake ? codeServer.devImageId : "", launch ? codeServer.launchImageId : "", reservation ? reservation.startDate : ""])
        .apply(([bakedId, launchedId, startDate]) => devImageStep({
            plan: imagePlan,
            ...(launchedId || bakedId ? { imageId: launchedId || bakedId } : {}),
            launch,
            ...(startDate ? { startDate } : {}),
            now,
        }));
    return { outputs: {
        ...reach,
        ...baked,
        password: codeServer.password,
        passwordCommand: codeServer.passwordCommand,
        workVolumeId: codeServer.workVolumeId,
        workVolume: codeServer.workVolumeNote,
        [WORK_VOLUME_SOURCE]: workVolume ? "adopted" : "created",
        // Read by `npm run tasks` (scripts/tasks.ts).
        setupTasks: codeServer.setupTasks,
        nextStep: pulumi
            .all([nextStep, imageStep, launch ? codeServer.connectHint : "", idle])
            .apply(([step, image, hint, idleStep]) => [step, image, moving, hint, idleStep, withCluster].filter(Boolean).join(" ")),
    }, subnetId: placement.subnetId };
}

/**
 * capblocks:reservation.publishParameter: the block in use, and the subnet to launch into it from (the box's, else the
 * cluster's compute subnet), in the seed scripts' parameters.
 */
export function publishedParameterOutputs(cfg: StackConfig, reservation: ReservationInfo | undefined, subnetId?: pulumi.Output<string>): StackOutputs {
    if (!reservation) return {};
    return publishBlock({ setting: cfg.reservation?.publishParameter, region: cfg.region, aws: cfg.aws, blockId: reservation.id, ...(subnetId ? { subnetId } : {}) });
}

/** The stack output whose presence says the cluster's hourly parts were built (deferral.ts). */
const CLUSTER_ID = "clusterId";

/** A block whose type is known (see ReservationInfo.instanceType): what the cluster is built on. */
export type TypedReservation = ReservationInfo & { instanceType: string };

/** The PCS cluster as declared on this run, for its outputs and for the dev box that joins it. */
export interface DeclaredCluster {
    group: GpuNodeGroup;
    reservation: TypedReservation;
    /** The hourly parts wait for a later run (deferral.ts). */
    waits: boolean;
    now: Date;
}

/** The PCS cluster on the block. */
export async function declareCluster(cfg: StackConfig, reservation: TypedReservation): Promise<DeclaredCluster> {
    const [builtBefore] = await lastOutputs([CLUSTER_ID], "capblocks:cluster", "to see whether its cluster is built");
    const now = new Date();
    const known = reservation.knownState !== undefined && reservation.knownStartDate !== undefined
        ? { state: reservation.knownState, startDate: reservation.knownStartDate }
        : undefined;
    const waits = deferHourlyParts({ known, built: builtBefore !== undefined, now });
    // Loaded only for stacks with a cluster: @pulumi/aws-native and the PCS modules add ~0.4 s to every start.
    const { GpuNodeGroup } = await import("./cluster/gpuNodeGroup");
    const share = blockShare(cfg, reservation);
    void pulumi.log.info(`capblocks:cluster: ${blockShareNote(share)}`);
    const group = new GpuNodeGroup("cluster", {
        cluster: cfg.cluster,
        reservation,
        instanceType: reservation.instanceType,
        instanceCount: clusterCapacity(share.instances, share.codeServer),
        region: cfg.region,
        tags: cfg.tags,
        deferHourlyParts: waits,
        ...(cfg.codeServer.enabled ? { boxUser: { name: cfg.codeServer.user, uid: BOX_USER_UID } } : {}),
    });
    return { group, reservation, waits, now };
}

/** The cluster's outputs; `nextStep` so far gains how to use the cluster, or when it is built. */
export function clusterOutputs(cfg: StackConfig, { group: cluster, reservation, waits, now }: DeclaredCluster, nextStep: pulumi.Input<string>): PlacedOutputs {
    const shareNote = blockShareNote(blockShare(cfg, reservation));
    const sharedStorage = cfg.cluster.sharedStorage;
    const buildsImage = !cfg.cluster.amiId && cfg.cluster.image.build;
    const clusterStep = pulumi.all([reservation.state, reservation.startDate, cluster.nodeImageId]).apply(([state, startDate, nodeImageId]) => {
        if (waits) return deferredStep(startDate, now, sharedStorage, buildsImage);
        if (state !== "active" && state !== "scheduled") return "";
        const mountDir = sharedStorage === "efs" ? EFS_MOUNT_DIR : sharedStorage === "fsx-lustre" ? LUSTRE_MOUNT_DIR : undefined;
        const use = clusterUseStep({ name: cfg.cluster.name, queue: QUEUE_NAME, ...(mountDir ? { mountDir } : {}), state, startDate });
        return state === "scheduled" && nodeImageId ? `${nodeImageReadyStep(nodeImageId, startDate)} ${use}` : use;
    });
    // Only what exists is an output: the PCS ids and commands once built, FSx for Lustre's id once it exists.
    const built: StackOutputs = waits
        ? {}
        : {
            [CLUSTER_ID]: cluster.clusterId,
            clusterQueue: cluster.queueName,
            clusterLoginNodeGroupId: cluster.loginNodeGroupId,
            clusterLoginCommand: cluster.loginCommand,
            clusterConsoleUrl: cluster.consoleUrl,
            ...(buildsImage ? { clusterNodeImageId: cluster.nodeImageId } : {}),
        };
    const storage: StackOutputs = waits && sharedStorage === "fsx-lustre"
        ? {}
        : { clusterSharedStorageId: cluster.sharedStorageId, clusterSharedStorage: cluster.sharedStorageNote };
    return { outputs: {
        clusterCapacity: shareNote,
        ...built,
        clusterName: cluster.clusterName,
        ...storage,
        clusterVpcId: cluster.vpcId,
        clusterInstancesUrl: cluster.instancesConsoleUrl,
        clusterNodeRoleArn: cluster.nodeRoleArn,
        parallelClusterConfig: cluster.parallelClusterConfig,
        nextStep: pulumi.all([nextStep, clusterStep]).apply(([step, more]) => [step, more].filter(Boolean).join(" ")),
    }, subnetId: cluster.network.computeSubnetId };
}
