import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../../helpers/capacityBlockMarket";
import { failure } from "../../helpers/failure";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import type { InstalledMarket, MarketOptions } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

/*
 * Hours bought, extensions and money, end to end against the market fake. A block that starts today ends at 11:30 UTC,
 * so it runs a little more or less than asked (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html);
 * extensions are bought in the same day steps (capacity-blocks-extend.html). What preview quotes is what up does.
 */

const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
type Props = Record<string, unknown>;

/** The hours the quote says up would extend by, or 0 for "nothing to buy". */
function quotedHours(quote: unknown): number {
    const m = /^up would extend cr-\w+ by (\d+) h/.exec(String(quote));
    if (m) return Number(m[1]);
    expect(String(quote)).to.match(/^nothing to buy: /);
    return 0;
}

describe("CapacityBlock: hours as bought", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    const start = (options: Partial<MarketOptions> = {}) => {
        installed?.restore();
        installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 3 * MINUTE, ...options });
    };
    beforeEach(() => start());
    afterEach(() => installed.restore());

    /** Preview (check) then up (update) for `news` after `olds`: the hours quoted and the hours bought, which must agree. */
    async function previewThenUp(id: string, state: Props, olds: Props, news: Props): Promise<{ quoted: number; bought: number; outs: Props }> {
        const before = market().extensionsOf(id).reduce((sum, e) => sum + e.hours, 0);
        const { inputs } = await provider.check(olds, news);
        const { outs } = await provider.update(id, state, inputs);
        const bought = market().extensionsOf(id).reduce((sum, e) => sum + e.hours, 0) - before;
        return { quoted: quotedHours(inputs.quote), bought, outs: outs ?? {} };
    }

    describe("a same-day block with extra minutes (F2)", () => {
        const SAME_DAY = [{ instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1b", maxCount: 4, pricePerInstanceHour: 30, startDays: [], sameDayStartMinutes: [115] }];

        it("keeps the hours asked, never rounded dates: unchanged config diffs as no change, and a longer duration extends by whole days", async () => {
            start({ supply: SAME_DAY });
            const { id, outs } = await provider.create(INPUTS);
            expect(outs).to.include({ startDate: "2026-11-23T10:55:00.000Z", endDate: "2026-11-24T11:30:00.000Z", durationHours: 24, purchasedDurationHours: 24 });
            expect(await provider.diff(id, outs, INPUTS)).to.deep.include({ changes: false, replaces: [] });
            expect((await provider.check(INPUTS, INPUTS)).failures ?? []).to.deep.equal([]);
            const longer = { ...INPUTS, durationHours: 48 };
            const { quoted, bought, outs: extended } = await previewThenUp(id, outs, INPUTS, longer);
            expect([quoted, bought]).to.deep.equal([24, 24]);
            expect(extended).to.include({ durationHours: 48 });
            expect(await provider.diff(id, extended, longer)).to.deep.include({ changes: false });
        });

        it("never buys one more than an hour shorter than asked; one at most an hour short is taken", async () => {
            start({ supply: [{ ...SAME_DAY[0], sameDayStartMinutes: [215] }] }); // 12:35 → 11:30 next day: 22 h 55 min
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.contain("Left out: 1 more than 1 h shorter than the 24 h asked");
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
            start({ supply: [{ ...SAME_DAY[0], sameDayStartMinutes: [175] }] }); // 11:55 → 11:30 next day: 23 h 35 min
            const { outs } = await provider.create(INPUTS);
            expect(outs).to.include({ startDate: "2026-11-23T11:55:00.000Z", durationHours: 24 });
        });
    });

    describe("one extension formula for preview and up (F3)", () => {
        const LONGER = { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" };
        const LONGEST = { ...INPUTS, durationHours: 72, maxUpfrontFee: "1000" };

        it("after forget and adopt of an extended block, raising the duration buys exactly the missing hours, once", async () => {
            const { id, outs } = await provider.create(INPUTS);
            await provider.update(id, outs, LONGER);
            market().advance(market().paymentDelayMs);
            await provider.delete(id, outs);
            const adopted = await provider.create(LONGER);
            expect(adopted.id).to.equal(id);
            expect(adopted.outs).to.include({ durationHours: 48, endDate: "2026-12-01T11:30:00.000Z" });
            const { quoted, bought } = await previewThenUp(id, adopted.outs, LONGER, LONGEST);
            expect([quoted, bought]).to.deep.equal([24, 24]);
            market().advance(market().paymentDelayMs);
            expect(market().endOfReservation(id)).to.equal("2026-12-02T11:30:00.000Z");
            expect((await previewThenUp(id, adopted.outs, LONGER, LONGEST)).bought, "a retried up buys nothing more").to.equal(0);
        });

        it("a block whose payment was slow (kept in state) extends twice by exactly what is missing; never while one is unpaid", async () => {
            start({ paymentDelayMs: 30 * MINUTE });
            const err = await failure(provider.create(INPUTS));
            expect(err.properties).to.include({ state: "payment-pending", durationHours: 24 });
            market().advance(15 * MINUTE);
            const id = String(err.id);
            const first = await previewThenUp(id, err.properties ?? {}, INPUTS, LONGER);
            expect([first.quoted, first.bought]).to.deep.equal([24, 24]);
            const { inputs } = await provider.check(LONGER, LONGEST);
            expect(inputs.quote).to.equal(`no extension can be bought now: a 24 h extension of ${id} is still payment-pending, and EC2 sells the next one ` +
                "only once it is paid; run up again after that to buy the 24 h still missing");
            expect((await failure(provider.update(id, first.outs, inputs))).message).to.equal(`CapacityBlock: ${inputs.quote as string}. Nothing was bought.`);
            market().advance(30 * MINUTE);
            const second = await previewThenUp(id, first.outs, LONGER, LONGEST);
            expect([second.quoted, second.bought]).to.deep.equal([24, 24]);
            market().advance(30 * MINUTE);
            expect(market().endOfReservation(id)).to.equal("2026-12-02T11:30:00.000Z");
        });

        it("a 48 h block adopted for a 24 h request after a lost answer: raising to 48 quotes and buys nothing", async () => {
            market().loseNextPurchaseAnswer();
            market().hideNewReservationsFor(5 * MINUTE);
            await failure(provider.create({ ...INPUTS, durationHours: 48, maxUpfrontFee: "2000" }));
            market().advance(5 * MINUTE);
            const { id, outs } = await provider.create({ ...INPUTS, maxUpfrontFee: "2000" });
            expect(outs).to.include({ durationHours: 24, purchasedDurationHours: 48 });
            const { quoted, bought } = await previewThenUp(id, outs, INPUTS, { ...INPUTS, durationHours: 48, maxUpfrontFee: "2000" });
            expect([quoted, bought]).to.deep.equal([0, 0]);
        });
    });

    describe("money", () => {
        // F4: maxUpfrontFee is in USD; EC2 states each offer's CurrencyCode.
        it("never buys a block or an extension priced in another currency under the USD ceiling", async () => {
            start({ supply: SUPPLY.map((s) => ({ ...s, currencyCode: "GBP", pricePerInstanceHour: 20 })) });
            const { inputs } = await provider.check({}, INPUTS);
            expect(inputs.quote).to.equal("nothing to buy: no Capacity Block offering for 1 x trn2.3xlarge for 24 h in the requested zones and window " +
                "can be bought under the ceiling maxUpfrontFee 900 USD; nothing was bought. Left out: 7 priced in GBP, never bought under a ceiling in USD. " +
                "Widen startAfter/startBefore or availabilityZones, or try another duration.");
            expect((await failure(provider.create(INPUTS))).message).to.contain("Left out: 7 priced in GBP");
            const id = market().seedReservation({ instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: "sa-east-1b", start: Date.parse("2026-11-24T11:30:00Z"),
                hours: 24, tags: { "capblocks:purchase-token": "token-gen-1", "capblocks:identity": "copy-a" } });
            const err = await failure(provider.update(id, { ...INPUTS, reservationId: id, state: "scheduled" }, { ...INPUTS, durationHours: 48 }));
            expect(err.message).to.equal(`CapacityBlock: EC2 offers no 24 h extension of ${id} now. Left out: 1 priced in GBP, never bought under a ceiling in USD. ` +
                "Try another duration, or run up again later. Nothing was bought.");
            expect(market().count("PurchaseCapacityBlock") + market().count("PurchaseCapacityBlockExtension")).to.equal(0);
        });

        // F7: "900.0000000000000001" is above "900", though a double says they are equal.
        it("compares fees exactly: a fee a hair over the ceiling is not bought", async () => {
            start({ supply: [{ ...SUPPLY[1], fixedFee: "900.0000000000000001" }] });
            expect((await failure(provider.create(INPUTS))).message).to.contain("the cheapest found is 900.0000000000000001 USD");
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
        });
    });

    // F8: refresh after a kept-in-state failure runs the state-only provider, whose read keeps the state as it was.
    it("a slow payment kept in state, refreshed as payment-pending, then failed: diff still changes and up fails with the way out", async () => {
        market().paymentDelayForNext(30 * MINUTE);
        market().failNextPayment();
        const err = await failure(provider.create(INPUTS));
        const kept = err.properties ?? {};
        expect(kept).to.include({ state: "payment-pending" });
        market().advance(HOUR);
        expect(await provider.diff(String(err.id), kept, INPUTS)).to.deep.include({ changes: true, replaces: [] });
        expect((await failure(provider.update(String(err.id), kept, INPUTS))).message).to.contain("payment failed (state payment-failed)")
            .and.contain("bump generation (1 → 2)");
    });
});
