import { expect } from "chai";
import { INPUTS, START } from "../../helpers/capacityBlockMarket";
import { failure } from "../../helpers/failure";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { boughtBlockFailures, decideDiff } from "../../../dynamic-providers/capacityBlock/diff";
import type { InstalledMarket, MarketOptions } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

/*
 * instanceTypes: several acceptable types, one search each; the cheapest per accelerator-hour (as bought) is bought,
 * ties to the earliest, and the quote says which type and why. Once bought, the block is the type it is.
 */

const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
type Props = Record<string, unknown>;

// 24 h fees: p5 in 2a 960.00 (5.00 per GPU-hour, days 1 and 2); p5e in 2b 840.00 (4.38, day 3) and in 2c 912.00 (4.75, day 1).
const SUPPLY: MarketOptions["supply"] = [
    { instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 4, pricePerInstanceHour: 40, startDays: [1, 2] },
    { instanceType: "p5e.48xlarge", availabilityZone: "us-east-2b", maxCount: 4, pricePerInstanceHour: 35, startDays: [3] },
    { instanceType: "p5e.48xlarge", availabilityZone: "us-east-2c", maxCount: 4, pricePerInstanceHour: 38, startDays: [1] },
];
/** The inputs without a type, in the supply's Region. */
const UNTYPED = Object.fromEntries(Object.entries({ ...INPUTS, region: "us-east-2", maxUpfrontFee: "1000" }).filter(([k]) => k !== "instanceType"));
const LISTED: Props = {
    ...UNTYPED,
    instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], acceleratorsPerInstance: { "p5.48xlarge": 8, "p5e.48xlarge": 8 },
};

describe("CapacityBlock: several acceptable instance types", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    const start = (supply = SUPPLY) => {
        installed?.restore();
        installed = install({ start: START, supply, paymentDelayMs: 60_000 });
    };
    beforeEach(() => start());
    afterEach(() => installed.restore());

    it("searches each type and buys the cheapest per accelerator-hour; the block's instanceType is the one bought", async () => {
        const { id, outs } = await provider.create(LISTED);
        expect(market().calls.filter((c) => c.operation === "DescribeCapacityBlockOfferings" && !(c.input as Props).NextToken)
            .map((c) => (c.input as Props).InstanceType)).to.deep.equal(["p5.48xlarge", "p5e.48xlarge"]);
        expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        expect(outs).to.include({ reservationId: id, instanceType: "p5e.48xlarge", availabilityZone: "us-east-2b", upfrontFee: "840.00" });
    });

    it("quotes which type and why: its price per accelerator-hour and the runner-up's, of another type", async () => {
        const { inputs } = await provider.check({}, LISTED);
        expect(inputs.quote).to.equal("up would buy (cheapest per accelerator-hour, then earliest, among p5.48xlarge, p5e.48xlarge, if still offered): " +
            "1 x p5e.48xlarge in us-east-2b, 2026-11-26T11:30:00.000Z → 2026-11-27T11:30:00.000Z, 840.00 USD; " +
            "p5e.48xlarge: 4.38 USD per accelerator-hour (8 per instance); runner-up p5.48xlarge: 5.00 USD per accelerator-hour " +
            "(960.00 USD in us-east-2a from 2026-11-24T11:30:00.000Z); ceiling 1000 USD");
        expect(market().count("PurchaseCapacityBlock")).to.equal(0);
    });

    it("compares per accelerator, not per instance: eight GPUs at 960 beat one GPU at 144", async () => {
        start([
            { instanceType: "p5.4xlarge", availabilityZone: "us-east-2a", maxCount: 4, pricePerInstanceHour: 6, startDays: [1] },
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2b", maxCount: 4, pricePerInstanceHour: 40, startDays: [2] },
        ]);
        const inputs = { ...LISTED, instanceTypes: ["p5.4xlarge", "p5.48xlarge"], acceleratorsPerInstance: { "p5.4xlarge": 1, "p5.48xlarge": 8 } };
        const { outs } = await provider.create(inputs);
        expect(outs).to.include({ instanceType: "p5.48xlarge", upfrontFee: "960.00" });
    });

    it("takes the earliest of equal prices per accelerator-hour; with selection earliest, the earliest start first", async () => {
        start([
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 4, pricePerInstanceHour: 40, startDays: [4] },
            { instanceType: "p5e.48xlarge", availabilityZone: "us-east-2b", maxCount: 4, pricePerInstanceHour: 40, startDays: [2] },
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2c", maxCount: 4, pricePerInstanceHour: 41, startDays: [1] },
        ]);
        const { outs } = await provider.create(LISTED);
        expect(outs).to.include({ instanceType: "p5e.48xlarge", startDate: "2026-11-25T11:30:00.000Z" });
        const earliest = await provider.create({ ...LISTED, purchaseToken: "another-slot", selection: "earliest" });
        expect(earliest.outs).to.include({ instanceType: "p5.48xlarge", availabilityZone: "us-east-2c" });
    });

    it("says when no other type fits, and buys nothing when no type does", async () => {
        const { inputs } = await provider.check({}, { ...LISTED, maxUpfrontFee: "900" });
        expect(inputs.quote).to.contain("1 x p5e.48xlarge in us-east-2b").and.contain("no p5.48xlarge offering fits the zones, window and ceiling");
        const err = await failure(provider.create({ ...LISTED, maxUpfrontFee: "800" }));
        expect(err.message).to.contain("no Capacity Block offering for 1 x (p5.48xlarge or p5e.48xlarge) for 24 h at or under the ceiling maxUpfrontFee 800 USD")
            .and.contain("the cheapest found is 840.00 USD");
        expect(market().count("PurchaseCapacityBlock")).to.equal(0);
    });

    describe("once bought, the block is the type it is", () => {
        it("keeps the block when the list still holds its type, or names it alone; buys nothing", async () => {
            const { id, outs } = await provider.create(LISTED);
            for (const news of [{ ...LISTED, instanceTypes: ["p5e.48xlarge", "p4d.24xlarge"], acceleratorsPerInstance: { "p5e.48xlarge": 8, "p4d.24xlarge": 8 } },
                { ...UNTYPED, instanceType: "p5e.48xlarge" }]) {
                expect((await provider.check(LISTED, news)).failures ?? []).to.deep.equal([]);
                const diff = await provider.diff(id, outs, news);
                expect(diff.replaces).to.deep.equal([]);
                const updated = await provider.update(id, outs, news);
                expect(await provider.diff(id, updated.outs ?? {}, news)).to.deep.include({ changes: false });
            }
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("refuses a list that leaves its type out (it would take a second block), unless generation is bumped", async () => {
            const { id, outs } = await provider.create(LISTED);
            const without = { ...LISTED, instanceTypes: ["p5.48xlarge"], acceleratorsPerInstance: { "p5.48xlarge": 8 } };
            await failure(provider.diff(id, outs, without)).then((err) =>
                expect(err.message).to.contain("leaves out \"p5e.48xlarge\", the type of the block bought").and.contain("bump generation (1 → 2)"));
            expect((await provider.diff(id, outs, { ...without, generation: 2 })).replaces).to.deep.equal(["instanceTypes", "generation"]);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });
    });

    describe("check sees old inputs only: it refuses what cannot hold the type bought, diff the rest", () => {
        const listed = { ...LISTED };
        it("fails a new list or type sharing no type with the old ones, on that property", () => {
            expect(boughtBlockFailures(listed, { ...listed, instanceTypes: ["p4d.24xlarge"] }).map((f) => f.property)).to.deep.equal(["instanceTypes"]);
            expect(boughtBlockFailures(listed, { ...UNTYPED, instanceType: "p4d.24xlarge" })[0]).to.deep.include({ property: "instanceType" });
            expect(boughtBlockFailures({ ...UNTYPED, instanceType: "p5.48xlarge" }, listed)).to.deep.equal([]);
            expect(boughtBlockFailures({ ...UNTYPED, instanceType: "p4d.24xlarge" }, listed)[0].reason)
                .to.contain("changing the instance type \"p4d.24xlarge\" → [\"p5.48xlarge\",\"p5e.48xlarge\"] would buy a second Capacity Block");
        });
        it("diff judges by the type the block really is", () => {
            const bought = { ...listed, instanceType: "p5.48xlarge", reservationId: "cr-1", endDate: "2026-11-25T11:30:00.000Z" };
            expect(decideDiff(bought, { ...listed, instanceTypes: ["p5.48xlarge"] })).to.deep.include({ replaces: [] });
            expect(() => decideDiff(bought, { ...listed, instanceTypes: ["p5e.48xlarge"] })).to.throw(/leaves out "p5.48xlarge"/);
        });
    });
});
