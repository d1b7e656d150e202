/** A Capacity Block market inside the host: trn2.3xlarge in sa-east-1b, starting in one or two days, payment clearing after a minute. */
export const TRN2_MARKET = {
    name: "market",
    module: "tests/host/fixtures/capacityBlockMarketHost.ts",
    options: {
        start: Date.parse("2026-11-23T09:00:00Z"),
        paymentDelayMs: 60_000,
        supply: [{ instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1b", maxCount: 4, pricePerInstanceHour: 30, startDays: [1, 2] }],
    },
};
