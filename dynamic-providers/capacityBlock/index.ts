import * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../shared/awsCredentials";
import { regionInput } from "../shared/region";
import type { Selection } from "./inputs";
import { capacityBlockProvider } from "./provider";
import { purchaseToken } from "./token";

export { capacityBlockProvider } from "./provider";
export type { Selection } from "./inputs";
export type { AwsSettings } from "../shared/awsCredentials";

export interface CapacityBlockArgs {
    /** The type to buy; or instanceTypes. */
    instanceType?: pulumi.Input<string>;
    /**
     * Instead of instanceType, the acceptable types: the cheapest per accelerator-hour is bought (ties: the earliest).
     * Once bought the block is the type it is: a list that leaves it out fails unless `generation` is bumped.
     */
    instanceTypes?: pulumi.Input<pulumi.Input<string>[]>;
    /** With instanceTypes: accelerators per instance of each type (GPUs, Trainium chips), to compare prices. */
    acceleratorsPerInstance?: pulumi.Input<Record<string, pulumi.Input<number>>>;
    instanceCount: pulumi.Input<number>;
    /** Hours: a Capacity Block duration (`DURATION_RULE` in ./durations). A longer value later buys an extension. */
    durationHours: pulumi.Input<number>;
    /** Price ceiling in USD, a decimal string. Nothing (block or extension) is bought above it. */
    maxUpfrontFee: pulumi.Input<string>;
    /** ISO 8601: the block starts no earlier than this. */
    startAfter?: pulumi.Input<string>;
    /** ISO 8601: the block starts no later than this. */
    startBefore?: pulumi.Input<string>;
    availabilityZones?: pulumi.Input<pulumi.Input<string>[]>;
    /** Default `Linux/UNIX`. */
    instancePlatform?: pulumi.Input<string>;
    /** Default `cheapest`. */
    selection?: pulumi.Input<Selection>;
    /** Default 1. Bump it to buy a new block on purpose (the old one is kept, it cannot be cancelled). */
    generation?: pulumi.Input<number>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Default: the stack's `aws:region`, then the AWS_REGION environment variable. */
    region?: pulumi.Input<string>;
    /**
     * This copy of the stack: a random id created once, before the purchase, and kept in the stack's state (e.g.
     * `random.RandomUuid`). It is tagged on the block (`capblocks:identity`), so two copies of one stack (two people's
     * `dev` stacks in one account) never adopt or extend each other's block.
     */
    identity: pulumi.Input<string>;
    /**
     * The stack's AWS account settings (profile, roles, keys; components/shared/awsSettings.ts). Default: the SDK's
     * default chain. Keys must be Pulumi secrets. Changing them is an update that buys nothing.
     */
    aws?: pulumi.Input<AwsSettings>;
}

/**
 * An EC2 Capacity Block for ML, bought (or adopted by its purchase token and identity) with a price ceiling.
 *
 * - `pulumi preview` shows the offering `up` would buy in the `quote` input, or why nothing fits.
 * - Each purchase is recorded in SSM (`/capblocks/purchases/…`) before it is sent: a retried or crashed `up` adopts the
 *   block tagged with this copy's purchase token and identity instead of buying again, and while a purchase that got
 *   no answer is not listed yet it refuses to buy (for at most 15 minutes).
 * - Changing type, count or platform fails unless `generation` is bumped too (that buys a new block).
 * - A longer `durationHours` buys an extension, bounded by `maxUpfrontFee`.
 * - **Destroying this resource does not cancel the block**: it cannot be cancelled, and runs, already paid,
 *   until `endDate`. See `cancellationNotice`.
 */
export class CapacityBlock extends pulumi.dynamic.Resource {
    declare public readonly reservationId: pulumi.Output<string>;
    declare public readonly offeringId: pulumi.Output<string>;
    /** The type of the block bought (with instanceTypes, the one the purchase chose). */
    declare public readonly instanceType: pulumi.Output<string>;
    declare public readonly instanceCount: pulumi.Output<number>;
    declare public readonly durationHours: pulumi.Output<number>;
    declare public readonly purchasedDurationHours: pulumi.Output<number>;
    declare public readonly availabilityZone: pulumi.Output<string>;
    declare public readonly startDate: pulumi.Output<string>;
    declare public readonly endDate: pulumi.Output<string>;
    /** What the purchase cost (the block alone). */
    declare public readonly upfrontFee: pulumi.Output<string>;
    /** The purchase fee plus every extension bought and not payment-failed; unset in states from before it existed. */
    declare public readonly totalUpfrontFee: pulumi.Output<string | undefined>;
    declare public readonly maxUpfrontFee: pulumi.Output<string>;
    declare public readonly currencyCode: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;
    declare public readonly totalInstanceCount: pulumi.Output<number>;
    declare public readonly availableInstanceCount: pulumi.Output<number>;
    declare public readonly purchaseToken: pulumi.Output<string>;
    declare public readonly identity: pulumi.Output<string>;
    declare public readonly generation: pulumi.Output<number>;
    declare public readonly region: pulumi.Output<string>;
    declare public readonly cancellationNotice: pulumi.Output<string>;
    /**
     * During `pulumi preview` only: what `up` would buy (block or extension), with price and ceiling, or why nothing
     * fits. The engine answers a preview's create or update with the checked inputs, where check put the quote.
     */
    declare public readonly quote: pulumi.Output<string | undefined>;

    constructor(name: string, args: CapacityBlockArgs, opts?: pulumi.CustomResourceOptions) {
        const generation = args.generation ?? 1;
        const token = pulumi.output(generation).apply((g) => purchaseToken(pulumi.getProject(), pulumi.getStack(), name, g));
        const outputsFilledByProvider = {
            instanceType: undefined, reservationId: undefined, offeringId: undefined, availabilityZone: undefined, startDate: undefined, endDate: undefined,
            upfrontFee: undefined, totalUpfrontFee: undefined, currencyCode: undefined, state: undefined, totalInstanceCount: undefined,
            availableInstanceCount: undefined, purchasedDurationHours: undefined, cancellationNotice: undefined, quote: undefined,
        };
        const inputs = {
            ...outputsFilledByProvider, ...args, generation, region: regionInput(args.region), purchaseToken: token,
            project: pulumi.getProject(), stack: pulumi.getStack(),
        };
        super(capacityBlockProvider, name, inputs, opts, "capblocks", "CapacityBlock");
    }
}
