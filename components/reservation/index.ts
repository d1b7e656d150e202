import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CapacityBlock } from "../../dynamic-providers/capacityBlock";
import { PURCHASE_TOKEN_TAG, purchaseToken } from "../../dynamic-providers/capacityBlock/token";
import { AdoptReservationConfig, BuyReservationConfig } from "../config";

/** The one shape every component sees, whether the block was bought, adopted, or there is none. */
export interface ReservationInfo {
    /** Capacity reservation id (`cr-…`). */
    id: pulumi.Output<string>;
    availabilityZone: pulumi.Output<string>;
    instanceType: string;
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
    /** What the user should do next (when the block starts, when to run `pulumi up` again). */
    nextStep: pulumi.Output<string>;
    /** The block's AZ when the program already knows it (adopted, or bought on an earlier run); unset before a purchase. */
    knownAvailabilityZone?: string;
}

/** The logical name of the CapacityBlock resource; part of its purchase token, so it must never change. */
export const BLOCK_RESOURCE_NAME = "block";

/** EC2 state in which instances can launch into a Capacity Block (EC2 user guide, "Capacity Blocks for ML"). */
const LAUNCHABLE_STATE = "active";

type BlockFacts = aws.ec2.GetCapacityBlockReservationResult;

/**
 * The AWS provider's singular data sources answer "no matching … found" when a filter matches nothing
 * (terraform-provider-aws tfresource.SingularDataSourceFindError); any other failure is real and must surface.
 */
export function isNoMatchError(err: unknown): boolean {
    return /no matching|no matches found|empty result/i.test(String((err as Error)?.message ?? err));
}

/**
 * Program-time lookup of a block this stack bought, by the purchase-token tag the CapacityBlock resource
 * puts on it. Undefined means "not bought yet" (first `pulumi up`, or preview): no instance this run.
 */
export async function findBoughtBlock(token: string, region: string): Promise<BlockFacts | undefined> {
    try {
        return await aws.ec2.getCapacityBlockReservation({ region, filters: [{ name: `tag:${PURCHASE_TOKEN_TAG}`, values: [token] }] });
    } catch (err) {
        if (isNoMatchError(err)) return undefined;
        throw new pulumi.RunError(`could not look up this stack's Capacity Block (tag ${PURCHASE_TOKEN_TAG}=${token}) in ${region}: ${(err as Error).message}`);
    }
}

export interface BuyOptions {
    region: string;
    tags: Record<string, string>;
    opts?: pulumi.CustomResourceOptions;
}

/** The block this stack already bought with this generation, if any: what `buyReservation` will keep. */
export function findBlockBoughtFor(cfg: BuyReservationConfig, region: string): Promise<BlockFacts | undefined> {
    return findBoughtBlock(purchaseToken(pulumi.getProject(), pulumi.getStack(), BLOCK_RESOURCE_NAME, cfg.generation), region);
}

/** Buys (or, after the first `up`, keeps) the block with a CapacityBlock resource. */
export async function buyReservation(cfg: BuyReservationConfig, o: BuyOptions): Promise<ReservationInfo> {
    const block = new CapacityBlock(
        BLOCK_RESOURCE_NAME,
        {
            instanceType: cfg.instanceType,
            instanceCount: cfg.instanceCount,
            durationHours: cfg.durationHours,
            maxUpfrontFee: cfg.maxUpfrontFee,
            ...(cfg.startAfter !== undefined ? { startAfter: cfg.startAfter } : {}),
            ...(cfg.startBefore !== undefined ? { startBefore: cfg.startBefore } : {}),
            ...(cfg.availabilityZones !== undefined ? { availabilityZones: cfg.availabilityZones } : {}),
            instancePlatform: cfg.instancePlatform,
            selection: cfg.selection,
            generation: cfg.generation,
            tags: o.tags,
            region: o.region,
        },
        o.opts,
    );
    const live = await findBlockBoughtFor(cfg, o.region);
    if (!live) {
        return {
            id: block.reservationId,
            availabilityZone: block.availabilityZone,
            instanceType: cfg.instanceType,
            instanceCount: cfg.instanceCount,
            startDate: block.startDate,
            endDate: block.endDate,
            state: block.state,
            source: "bought",
            launchable: false,
            nextStep: pulumi
                .all([block.state, block.startDate, block.endDate, block.availabilityZone])
                .apply(([state, startDate, endDate, availabilityZone]) => nextStepFor({ state, startDate, endDate, availabilityZone, boughtThisRun: true })),
        };
    }
    // Found: EC2's live answer is fresher than the resource's last refresh.
    return { ...infoFrom(live), source: "bought" };
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
        nextStep: pulumi.output(nextStepFor(facts)),
        knownAvailabilityZone: facts.availabilityZone,
    };
}

/** Resolves the reservation id an adopt config names: given directly, or read from an SSM parameter. */
export async function adoptedReservationId(cfg: AdoptReservationConfig, region: string): Promise<string> {
    if (cfg.id) return cfg.id;
    const name = cfg.parameterName as string;
    let value: string;
    try {
        value = (await aws.ssm.getParameter({ name, region })).value;
    } catch (err) {
        throw new pulumi.RunError(`capblocks:reservation.parameterName: could not read SSM parameter ${name} in ${region}: ${(err as Error).message}`);
    }
    const id = value.trim();
    if (!/^cr-[0-9a-f]{8,17}$/.test(id)) {
        throw new pulumi.RunError(`capblocks:reservation.parameterName: SSM parameter ${name} holds ${JSON.stringify(value)}, not a capacity reservation id (cr-…)`);
    }
    return id;
}

/** Adopts a block bought elsewhere, after checking it is a Capacity Block of the configured type. */
export async function adoptReservation(cfg: AdoptReservationConfig, region: string): Promise<ReservationInfo> {
    const key = cfg.id ? "capblocks:reservation.id" : "capblocks:reservation.parameterName";
    const id = await adoptedReservationId(cfg, region);
    let facts: BlockFacts;
    try {
        facts = await aws.ec2.getCapacityBlockReservation({ id, region });
    } catch (err) {
        if (isNoMatchError(err)) {
            throw new pulumi.RunError(`${key}: ${id} is not a Capacity Block in ${region} for this account (an On-Demand Capacity Reservation cannot be adopted)`);
        }
        throw new pulumi.RunError(`${key}: could not look up ${id} in ${region}: ${(err as Error).message}`);
    }
    if (facts.instanceType !== cfg.instanceType) {
        throw new pulumi.RunError(
            `${key}: ${id} is a Capacity Block of ${facts.instanceType}, not capblocks:reservation.instanceType ${cfg.instanceType}; ` +
                `set instanceType to ${facts.instanceType} or adopt another block`,
        );
    }
    return { ...infoFrom(facts), source: "adopted" };
}

export interface BlockMoment {
    state: string;
    /** ISO 8601. */
    startDate: string;
    /** ISO 8601. */
    endDate: string;
    availabilityZone: string;
    /** The program-time lookup did not find the block: this run is the one buying it. */
    boughtThisRun?: boolean;
}

/** What the user should do next, from the block's state, dates and zone. */
export function nextStepFor({ state, startDate, endDate, availabilityZone, boughtThisRun }: BlockMoment): string {
    if (boughtThisRun) {
        return `The Capacity Block is bought on this run (${state}, starts ${startDate}); run \`pulumi up\` again once it is active to launch the instance and set it up.`;
    }
    switch (state) {
        case "active":
            return `The Capacity Block is active until ${endDate}; EC2 terminates its instances 30 minutes before that.`;
        case "payment-pending":
        case "scheduled":
            return `The Capacity Block is ${state} and starts at ${startDate}; everything that does not need a running instance is built. Run \`pulumi up\` again after ${startDate} to launch the instance and set it up.`;
        case "expired":
            return (
                `The Capacity Block ended at ${endDate}; its instances are gone; retained storage (the work volume, EFS) stays in ${availabilityZone}. ` +
                `To continue, bump capblocks:reservation.generation (buys a new block; set availabilityZones: [${availabilityZone}] ` +
                "so it lands next to that storage) or adopt another block there, then run `pulumi up`."
            );
        default:
            return `The Capacity Block is ${state}: instances cannot launch into it. Check it with \`aws ec2 describe-capacity-reservations\`, then run \`pulumi refresh\` and \`pulumi up\` once it is active.`;
    }
}
