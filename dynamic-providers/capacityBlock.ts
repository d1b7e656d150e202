import * as pulumi from "@pulumi/pulumi";

// SKELETON: the provider is built in issue 2; the public surface below is the contract other modules use.

export type Selection = "cheapest" | "earliest";

export interface CapacityBlockArgs {
    instanceType: pulumi.Input<string>;
    instanceCount: pulumi.Input<number>;
    durationHours: pulumi.Input<number>;
    /** Price ceiling in USD, a decimal string. */
    maxUpfrontFee: pulumi.Input<string>;
    startAfter?: pulumi.Input<string>;
    startBefore?: pulumi.Input<string>;
    availabilityZones?: pulumi.Input<pulumi.Input<string>[]>;
    instancePlatform?: pulumi.Input<string>;
    selection?: pulumi.Input<Selection>;
    generation?: pulumi.Input<number>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    region?: pulumi.Input<string>;
}

export const capacityBlockProvider: pulumi.dynamic.ResourceProvider = {
    async create(): Promise<pulumi.dynamic.CreateResult> {
        throw new Error("CapacityBlock provider not built yet");
    },
};

export class CapacityBlock extends pulumi.dynamic.Resource {
    declare public readonly reservationId: pulumi.Output<string>;
    declare public readonly offeringId: pulumi.Output<string>;
    declare public readonly instanceType: pulumi.Output<string>;
    declare public readonly instanceCount: pulumi.Output<number>;
    declare public readonly availabilityZone: pulumi.Output<string>;
    declare public readonly startDate: pulumi.Output<string>;
    declare public readonly endDate: pulumi.Output<string>;
    declare public readonly upfrontFee: pulumi.Output<string>;
    declare public readonly currencyCode: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;
    declare public readonly totalInstanceCount: pulumi.Output<number>;
    declare public readonly availableInstanceCount: pulumi.Output<number>;
    declare public readonly purchaseToken: pulumi.Output<string>;

    constructor(name: string, args: CapacityBlockArgs, opts?: pulumi.CustomResourceOptions) {
        super(capacityBlockProvider, name, { ...args }, opts, "capblocks", "CapacityBlock");
    }
}
