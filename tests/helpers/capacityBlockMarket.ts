import type { MarketOptions } from "../fakes/ec2CapacityBlockMarket";

/** The market's clock at the start of each test. */
export const START = Date.parse("2026-11-23T09:00:00Z");

// 24 h fees: 1a 960.00 (over the 900 ceiling), 1b 840.00 (days 1, 2, 4), 1c 720.00 (day 6 only): 4 affordable offerings.
export const SUPPLY: MarketOptions["supply"] = [
    { instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1a", maxCount: 4, pricePerInstanceHour: 40, startDays: [1, 2, 4] },
    { instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1b", maxCount: 4, pricePerInstanceHour: 35, startDays: [1, 2, 4] },
    { instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1c", maxCount: 4, pricePerInstanceHour: 30, startDays: [6] },
];

/** CapacityBlock inputs as the host hands them to the provider: a one-day trn2.3xlarge under a 900 USD ceiling. */
export const INPUTS = {
    instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", instancePlatform: "Linux/UNIX",
    selection: "cheapest", generation: 1, region: "sa-east-1", purchaseToken: "token-gen-1", identity: "copy-a", tags: { team: "ml" },
    __provider: "serialized-provider-text",
};
