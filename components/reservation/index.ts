import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CapacityBlock } from "../../dynamic-providers/capacityBlock";
import { PURCHASE_TOKEN_TAG, purchaseToken } from "../../dynamic-providers/capacityBlock/token";
import type { AdoptReservationConfig, BuyReservationConfig } from "../config";
import type { AwsSettings } from "../shared/awsSettings";
import { awsSettingsInput } from "../shared/awsSettings";
import { lookUp, lookUpIfAny } from "../shared/lookups";
import { nextStepFor } from "./nextStep";

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
const BLOCK_RESOURCE_NAME = "block";

/** EC2 state in which instances can launch into a Capacity Block (EC2 user guide, "Capacity Blocks for ML"). */
const LAUNCHABLE_STATE = "active";

type BlockFacts = aws.ec2.GetCapacityBlockReservationResult;

/**
 * Program-time lookup of a block this stack bought, by the purchase-token tag the CapacityBlock resource
 * puts on it. Undefined means "not bought yet" (first `pulumi up`, or preview): no instance this run.
 */
function findBoughtBlock(token: string, region: string): Promise<BlockFacts | undefined> {
    const what = `this stack's Capacity Block (tag ${PURCHASE_TOKEN_TAG}=${token})`;
    return lookUpIfAny({ key: "capblocks:reservation", what, region }, () =>
        aws.ec2.getCapacityBlockReservation({ region, filters: [{ name: `tag:${PURCHASE_TOKEN_TAG}`, values: [token] }] }),
    );
}

export interface BuyOptions {
    region: string;
    tags: Record<string, string>;
    /** The stack's AWS account settings: the block is bought in the account the rest of the stack uses. */
    aws?: AwsSettings;
    opts?: pulumi.CustomResourceOptions;
}

/** The block this stack already bought with this generation, if any: what `buyReservation` will keep. */
export function findBlockBoughtFor(cfg: BuyReservationConfig, region: string): Promise<BlockFacts | undefined> {
    return findBoughtBlock(purchaseToken(pulumi.getProject(), pulumi.getStack(), BLOCK_RESOURCE_NAME, cfg.generation), region);
}

/** Buys (or, after the first `up`, keeps) the block with a CapacityBlock resource. */
export async function buyReservation(cfg: BuyReservationConfig, options: BuyOptions): Promise<ReservationInfo> {
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
            tags: options.tags,
            region: options.region,
            aws: awsSettingsInput(options.aws ?? {}),
        },
        options.opts,
    );
    const live = await findBlockBoughtFor(cfg, options.region);
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

/** Adopts a block bought elsewhere, after checking it is a Capacity Block of the configured type. */
export async function adoptReservation(cfg: AdoptReservationConfig, region: string): Promise<ReservationInfo> {
    const key = cfg.id ? "capblocks:reservation.id" : PARAMETER_KEY;
    const id = await adoptedReservationId(cfg, region);
    const facts = await lookUp(
        { key, what: id, region },
        () => aws.ec2.getCapacityBlockReservation({ id, region }),
        `${id} is not a Capacity Block in ${region} for this account (an On-Demand Capacity Reservation cannot be adopted)`,
    );
    if (facts.instanceType !== cfg.instanceType) {
        throw new pulumi.RunError(
            `${key}: ${id} is a Capacity Block of ${facts.instanceType}, not capblocks:reservation.instanceType ${cfg.instanceType}; ` +
                `set instanceType to ${facts.instanceType} or adopt another block`,
        );
    }
    return { ...infoFrom(facts), source: "adopted" };
}
