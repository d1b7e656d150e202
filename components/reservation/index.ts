import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CapacityBlock } from "../../dynamic-providers/capacityBlock";
import type { AdoptReservationConfig, BuyReservationConfig } from "../config";
import { configuredBlockType } from "../config";
import type { AwsSettings } from "../shared/awsSettings";
import { awsSettingsInput } from "../shared/awsSettings";
import { acceleratorsPerInstance } from "../shared/catalog";
import { lookUp, lookUpIfAny } from "../shared/lookups";
import { blockInUse, knownBlockIds, LAUNCHABLE_STATE } from "./blockChoice";
import type { PreviousBlocks } from "./previousDeployment";
import { previousBlocks } from "./previousDeployment";
import { adoptedQuote, alreadyBoughtQuote } from "./quoteText";

/** The one shape every component sees, whether the block was bought, adopted, or there is none. */
export interface ReservationInfo {
    /** Capacity reservation id (`cr-…`). */
    id: pulumi.Output<string>;
    availabilityZone: pulumi.Output<string>;
    /**
     * The block's instance type, known when the program runs: the config's, or what EC2 (or the last deployment) says
     * the block is. Undefined only while this run's purchase chooses it among reservation.instanceTypes (typeChoice):
     * nothing is built on the block then.
     */
    instanceType?: string;
    /** Only while the purchase on this run chooses the type: the types it may choose, and the one it chose (after up). */
    typeChoice?: { candidates: string[]; chosen: pulumi.Output<string> };
    instanceCount: number;
    /** ISO 8601. */
    startDate: pulumi.Output<string>;
    /** ISO 8601. */
    endDate: pulumi.Output<string>;
    /** payment-pending | scheduled | active | expired | payment-failed | … as EC2 reports it. */
    state: pulumi.Output<string>;
    /** How this stack got the block. */
    source: "bought" | "adopted";
    /**
     * Known when the program runs: the block is `active`, so instances can launch into it on this run.
     * Decided before any resource is registered, because whether an instance exists cannot wait on an output.
     */
    launchable: boolean;
    /** The program-time lookup found no block for this generation: this run buys it (its dates are outputs). */
    boughtThisRun?: boolean;
    /** The block's AZ when the program already knows it (adopted, or bought on an earlier run); unset before a purchase. */
    knownAvailabilityZone?: string;
    /** Its id, state and start date, known at program time in the same cases: checks can stop the run before anything is declared. */
    knownId?: string;
    knownState?: string;
    knownStartDate?: string;
    /** What `up` would buy on this run (the quote `pulumi preview` shows), or why it buys nothing. */
    quote?: pulumi.Output<string>;
    /** Bought blocks only: the generation it was bought for, and what it cost with its extensions. */
    bought?: { generation: number; upfrontFee: pulumi.Output<string>; currencyCode: pulumi.Output<string> };
    /** A newer generation's block, bought while the instances stay on this one until it is active. */
    next?: { id: pulumi.Output<string>; generation: number; state: pulumi.Output<string>; startDate: pulumi.Output<string> };
}

/** The logical name of the CapacityBlock resource; part of its purchase token, so it must never change. */
const BLOCK_RESOURCE_NAME = "block";
/**
 * The logical name of this stack's identity: a random id created once, before the first purchase, and kept in state.
 * Renaming it would give this stack a new identity, and its own block would then look like another copy's.
 */
const IDENTITY_RESOURCE_NAME = "block-identity";

type BlockFacts = aws.ec2.GetCapacityBlockReservationResult;

/** The blocks of a buy config the program knows before it registers anything, each looked up by its id. */
export interface BoughtBlocks {
    /** This generation's block as EC2 describes it now; undefined when none is recorded (a purchase is coming). */
    current?: BlockFacts;
    /** The last deployment recorded this generation's block, but EC2 no longer lists it. */
    currentVanished?: boolean;
    /** Another generation's block the last deployment recorded, as EC2 describes it now. */
    older?: { facts: BlockFacts; generation: number };
    /** The last deployment's record: what the block in use then cost. */
    previous: PreviousBlocks;
}

/** A block the last deployment recorded, by id; undefined when EC2 no longer lists it. */
function findBlockById(id: string, region: string): Promise<BlockFacts | undefined> {
    const what = `Capacity Block ${id} (recorded by this stack's last deployment)`;
    return lookUpIfAny({ key: "capblocks:reservation", what, region }, () => aws.ec2.getCapacityBlockReservation({ id, region }));
}

/**
 * The blocks this stack bought, from its own last outputs (previousDeployment.ts) and EC2: never found by a tag or
 * name recomputed from the current stack, project or generation, so a rename or a generation bump loses none.
 */
export async function findBoughtBlocks(cfg: BuyReservationConfig, region: string): Promise<BoughtBlocks> {
    const previous = await previousBlocks();
    const ids = knownBlockIds(previous, cfg.generation);
    const [current, older] = await Promise.all([
        ids.current ? findBlockById(ids.current, region) : undefined,
        ids.older ? findBlockById(ids.older.id, region) : undefined,
    ]);
    return {
        previous,
        ...(current ? { current } : {}),
        ...(ids.current && !current ? { currentVanished: true } : {}),
        ...(ids.older && older ? { older: { facts: older, generation: ids.older.generation } } : {}),
    };
}

export interface BuyOptions {
    region: string;
    tags: Record<string, string>;
    /** The stack's AWS account settings: the block is bought in the account the rest of the stack uses. */
    aws?: AwsSettings;
    opts?: pulumi.CustomResourceOptions;
}

/** The quote `pulumi preview` shows for the block resource, as a message on it; and the blockQuote output. */
function quoteOf(block: CapacityBlock, generation: number): pulumi.Output<string> {
    // During preview the engine answers a dynamic resource's create or update with its checked inputs (the host does
    // not support provider previews), so `quote` is known then; after up it is gone (docs/aws-notes.md#the-preview-quote).
    // Only `quote` is known then (not the id), so the message must not wait on any other output.
    return block.quote.apply((quote) => {
        if (!quote) return block.reservationId.apply((id) => alreadyBoughtQuote(id, generation));
        void pulumi.log.info(quote, block);
        return pulumi.output(quote);
    });
}

/** What the block cost: the purchase fee with its extensions (states from before the total existed: the fee). */
function costOf(block: CapacityBlock): { upfrontFee: pulumi.Output<string>; currencyCode: pulumi.Output<string> } {
    return {
        upfrontFee: pulumi.all([block.totalUpfrontFee, block.upfrontFee]).apply(([total, fee]) => total ?? fee),
        currencyCode: block.currencyCode,
    };
}

/** The config's choice of type as the CapacityBlock takes it: one type, or the acceptable ones with their accelerators. */
function typeArgs(cfg: BuyReservationConfig): { instanceType: string } | { instanceTypes: string[]; acceleratorsPerInstance: Record<string, number> } {
    if (cfg.instanceTypes === undefined) return { instanceType: cfg.instanceType as string };
    const counts = Object.fromEntries(cfg.instanceTypes.map((t) => [t, acceleratorsPerInstance(t) as number]));
    return { instanceTypes: cfg.instanceTypes, acceleratorsPerInstance: counts };
}

/**
 * A bought block is the type it is: a list of acceptable types that no longer holds it would need a second block.
 * Said before anything changes (the provider refuses it too).
 */
function assertTypeStillAcceptable(cfg: BuyReservationConfig, facts: BlockFacts): void {
    if (!cfg.instanceTypes || cfg.instanceTypes.includes(facts.instanceType)) return;
    throw new pulumi.RunError(
        `capblocks:reservation.instanceTypes: [${cfg.instanceTypes.join(", ")}] leaves out ${facts.instanceType}, the type of Capacity Block ${facts.id} ` +
            `bought for generation ${cfg.generation} (a block's type cannot change); add ${facts.instanceType} back, or bump ` +
            `capblocks:reservation.generation (${cfg.generation} → ${cfg.generation + 1}) to buy a new block. Nothing was bought.`,
    );
}

/**
 * The type of this generation's block when no live block tells it: the config's one type, or what the last deployment
 * recorded for a block EC2 no longer lists. Undefined while a purchase among several types is still to choose it.
 */
function typeKnownBeforePurchase(cfg: BuyReservationConfig, bought: BoughtBlocks): string | undefined {
    const recorded = bought.previous.inUse && (bought.previous.inUse.generation ?? cfg.generation) === cfg.generation ? bought.previous.instanceType : undefined;
    return configuredBlockType(cfg) ?? (bought.currentVanished ? recorded : undefined);
}

/**
 * This run buys the block, its type chosen by the purchase, and there is no older block for what runs on blocks to
 * stay on: nothing can be built on a block this run (the next `up` builds it on the type bought).
 */
export function buildsNothingOnBlock(cfg: BuyReservationConfig, bought: BoughtBlocks): boolean {
    return !bought.current && !bought.older && typeKnownBeforePurchase(cfg, bought) === undefined;
}

/** Buys (or, after the first `up`, keeps) the block with a CapacityBlock resource; `bought` is findBoughtBlocks'. */
export async function buyReservation(cfg: BuyReservationConfig, options: BuyOptions, bought: BoughtBlocks): Promise<ReservationInfo> {
    if (bought.current) assertTypeStillAcceptable(cfg, bought.current);
    const identity = new random.RandomUuid(IDENTITY_RESOURCE_NAME, {});
    const block = new CapacityBlock(
        BLOCK_RESOURCE_NAME,
        {
            ...typeArgs(cfg),
            instanceCount: cfg.instanceCount,
            durationHours: cfg.durationHours,
            maxUpfrontFee: cfg.maxUpfrontFee,
            ...(cfg.startAfter !== undefined ? { startAfter: cfg.startAfter } : {}),
            ...(cfg.startBefore !== undefined ? { startBefore: cfg.startBefore } : {}),
            ...(cfg.availabilityZones !== undefined ? { availabilityZones: cfg.availabilityZones } : {}),
            instancePlatform: cfg.instancePlatform,
            selection: cfg.selection,
            generation: cfg.generation,
            tags: options.tags,
            region: options.region,
            identity: identity.result,
            aws: awsSettingsInput(options.aws ?? {}),
        },
        options.opts,
    );
    const quote = quoteOf(block, cfg.generation);
    const cost = costOf(block);
    const { current, older } = bought;
    const instanceType = typeKnownBeforePurchase(cfg, bought);
    // While the purchase chooses the type, what runs on a block stays on the older one (nothing can be built without a type).
    const typeUndecided = !current && instanceType === undefined;
    if (older && (blockInUse(current?.state, older.facts.state) === "older" || typeUndecided)) {
        return stayOnOlderBlock(older, { block, current, generation: cfg.generation, quote, previous: bought.previous });
    }
    if (current) {
        // Found: EC2's live answer is fresher than the resource's last refresh.
        return { ...infoFrom(current), source: "bought", quote, bought: { generation: cfg.generation, ...cost } };
    }
    return {
        id: block.reservationId,
        availabilityZone: block.availabilityZone,
        ...(instanceType !== undefined
            ? { instanceType }
            : { typeChoice: { candidates: cfg.instanceTypes ?? [], chosen: block.instanceType } }),
        instanceCount: cfg.instanceCount,
        startDate: block.startDate,
        endDate: block.endDate,
        state: block.state,
        source: "bought",
        launchable: false,
        quote,
        bought: { generation: cfg.generation, ...cost },
        boughtThisRun: !bought.currentVanished,
    };
}

interface NewerBlock {
    block: CapacityBlock;
    /** The new generation's block as EC2 describes it, when an earlier run bought it. */
    current?: BlockFacts;
    generation: number;
    quote: pulumi.Output<string>;
    previous: PreviousBlocks;
}

/** The instances stay on the older, still active block until the new generation's block is active. */
function stayOnOlderBlock(older: { facts: BlockFacts; generation: number }, newer: NewerBlock): ReservationInfo {
    const { block, current } = newer;
    const next = current
        ? { id: pulumi.output(current.id), state: pulumi.output(current.state), startDate: pulumi.output(current.startDate) }
        : { id: block.reservationId, state: block.state, startDate: block.startDate };
    return {
        ...infoFrom(older.facts),
        source: "bought",
        quote: newer.quote,
        bought: {
            generation: older.generation,
            upfrontFee: pulumi.output(newer.previous.upfrontFee ?? "unknown"),
            currencyCode: pulumi.output(newer.previous.currencyCode ?? "USD"),
        },
        next: { ...next, generation: newer.generation },
    };
}

function infoFrom(facts: BlockFacts): Omit<ReservationInfo, "source"> {
    return {
        id: pulumi.output(facts.id),
        availabilityZone: pulumi.output(facts.availabilityZone),
        instanceType: facts.instanceType,
        instanceCount: facts.instanceCount,
        startDate: pulumi.output(facts.startDate),
        endDate: pulumi.output(facts.endDate),
        state: pulumi.output(facts.state),
        launchable: facts.state === LAUNCHABLE_STATE,
        knownAvailabilityZone: facts.availabilityZone,
        knownId: facts.id,
        knownState: facts.state,
        knownStartDate: facts.startDate,
    };
}

const PARAMETER_KEY = "capblocks:reservation.parameterName";

/** Resolves the reservation id an adopt config names: given directly, or read from an SSM parameter. */
async function adoptedReservationId(cfg: AdoptReservationConfig, region: string): Promise<string> {
    if (cfg.id) return cfg.id;
    const name = cfg.parameterName as string;
    const { value } = await lookUp(
        { key: PARAMETER_KEY, what: `SSM parameter ${name}`, region },
        () => aws.ssm.getParameter({ name, region }),
        `SSM parameter ${name} does not exist in ${region} for this account; create it holding the block's id (cr-…), or set capblocks:reservation.id instead`,
    );
    const id = value.trim();
    if (!/^cr-[0-9a-f]{8,17}$/.test(id)) {
        throw new pulumi.RunError(`${PARAMETER_KEY}: SSM parameter ${name} holds ${JSON.stringify(value)}, not a capacity reservation id (cr-…)`);
    }
    return id;
}

/**
 * Adopts a block bought elsewhere, after checking it is a Capacity Block (of reservation.instanceType when set: the
 * block says what it is, and the config is checked against it).
 */
export async function adoptReservation(cfg: AdoptReservationConfig, region: string): Promise<ReservationInfo> {
    const key = cfg.id ? "capblocks:reservation.id" : PARAMETER_KEY;
    const id = await adoptedReservationId(cfg, region);
    const facts = await lookUp(
        { key, what: id, region },
        () => aws.ec2.getCapacityBlockReservation({ id, region }),
        `${id} is not a Capacity Block in ${region} for this account (an On-Demand Capacity Reservation cannot be adopted)`,
    );
    if (cfg.instanceType !== undefined && facts.instanceType !== cfg.instanceType) {
        throw new pulumi.RunError(
            `${key}: ${id} is a Capacity Block of ${facts.instanceType}, not capblocks:reservation.instanceType ${cfg.instanceType}; ` +
                `set instanceType to ${facts.instanceType} (or remove it: the block says its type) or adopt another block`,
        );
    }
    return { ...infoFrom(facts), source: "adopted", quote: pulumi.output(adoptedQuote(id)) };
}
