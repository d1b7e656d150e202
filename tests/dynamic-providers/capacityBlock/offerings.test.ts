import { expect } from "chai";
import {
    extensionQuoteText, filterOfferings, noOfferingMessage, quoteText, rankOfferings,
} from "../../../dynamic-providers/capacityBlock/offerings";
import type { Offering } from "../../../dynamic-providers/capacityBlock/offerings";

function offering(id: string, az: string, fee: string, startDay: number, more: Partial<Offering> = {}): Offering {
    const startDate = new Date(Date.UTC(2026, 10, 23 + startDay, 11, 30));
    return {
        offeringId: id, instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: az, startDate,
        endDate: new Date(startDate.getTime() + 24 * 3600_000), upfrontFee: fee, currencyCode: "USD", ...more,
    };
}

describe("capacity block offerings", () => {
    const offers = [offering("a", "sa-east-1a", "800.00", 3), offering("b", "sa-east-1b", "850.00", 1), offering("c", "sa-east-1c", "1200.00", 1)];
    const request = { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900" };
    it("drops offerings outside the zones, the window or over the ceiling", () => {
        const found = filterOfferings(offers, { durationHours: 24, maxUpfrontFee: "900", availabilityZones: ["sa-east-1b", "sa-east-1c"] });
        expect(found.affordable.map((o) => o.offeringId)).to.deep.equal(["b"]);
        const windowed = filterOfferings(offers, { durationHours: 24, maxUpfrontFee: "900", startBefore: "2026-11-25T00:00:00Z" });
        expect(windowed.affordable.map((o) => o.offeringId)).to.deep.equal(["b"]);
    });
    it("compares fees as decimals, including a fee equal to the ceiling", () => {
        const found = filterOfferings([offering("x", "a", "900.00", 1), offering("y", "a", "900.01", 2)], { durationHours: 24, maxUpfrontFee: "900" });
        expect(found.affordable.map((o) => o.offeringId)).to.deep.equal(["x"]);
    });
    // F7: fees are exact decimals; a double would round 900.0000000000000001 down to 900.
    it("compares fees exactly, beyond what a double can hold", () => {
        const found = filterOfferings([offering("over", "a", "900.0000000000000001", 1), offering("big", "a", "9007199254740993", 2)],
            { durationHours: 24, maxUpfrontFee: "900" });
        expect(found.affordable).to.deep.equal([]);
        expect(found.cheapest?.offeringId).to.equal("over");
        const huge = filterOfferings([offering("big", "a", "9007199254740993", 2)], { durationHours: 24, maxUpfrontFee: "9007199254740992" });
        expect(huge.affordable).to.deep.equal([]);
        expect(filterOfferings([offering("x", "a", "900.000", 1)], { durationHours: 24, maxUpfrontFee: "900" }).affordable).to.have.length(1);
    });

    // F4: the ceiling is in USD; an offer in any other currency is never compared with it, and the message says so.
    it("never buys an offer priced in another currency under the USD ceiling, and says it was left out", () => {
        const gbp = offering("gbp", "sa-east-1b", "880.00", 1, { currencyCode: "GBP" });
        const found = filterOfferings([gbp], { durationHours: 24, maxUpfrontFee: "900" });
        expect(found.affordable).to.deep.equal([]);
        expect(noOfferingMessage(request, found)).to.equal("no Capacity Block offering for 1 x trn2.3xlarge for 24 h in the requested zones and window " +
            "can be bought under the ceiling maxUpfrontFee 900 USD; nothing was bought. Left out: 1 priced in GBP, never bought under a ceiling in USD. " +
            "Widen startAfter/startBefore or availabilityZones, or try another duration.");
        const mixed = filterOfferings([gbp, offering("usd", "sa-east-1a", "960.00", 2)], { durationHours: 24, maxUpfrontFee: "900" });
        expect(quoteText("cheapest", mixed, request)).to.contain("the cheapest found is 960.00 USD").and.contain("Left out: 1 priced in GBP");
    });

    // Observation: when every fee is unreadable, the message says so instead of "no offering in the zones and window".
    it("says which offers had a fee that is not a decimal amount", () => {
        const found = filterOfferings([offering("x", "a", "$800", 1), offering("y", "a", "8e2", 2)], { durationHours: 24, maxUpfrontFee: "900" });
        expect(noOfferingMessage(request, found)).to.contain('Left out: 2 whose fee is not a decimal amount ("$800", "8e2")');
    });

    // F2: a block that starts today ends at 11:30 UTC, a little shorter or longer than asked
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html); at most 1 h short is taken.
    it("takes a same-day block at most an hour shorter than asked, never one shorter than that", () => {
        const startingAt = (hh: number, mm: number, fee: string) => {
            const startDate = new Date(Date.UTC(2026, 10, 23, hh, mm));
            return offering(`${hh}:${mm}`, "a", fee, 0, { startDate, endDate: new Date(Date.UTC(2026, 10, 24, 11, 30)) });
        };
        const offers = [startingAt(12, 35, "600.00"), startingAt(11, 55, "650.00"), startingAt(10, 55, "700.00")];
        const found = filterOfferings(offers, { durationHours: 24, maxUpfrontFee: "900" });
        expect(rankOfferings(found.affordable, "cheapest").map((o) => o.offeringId)).to.deep.equal(["11:55", "10:55"]);
        expect(found.setAside.tooShort.map((o) => o.offeringId)).to.deep.equal(["12:35"]);
        expect(noOfferingMessage(request, filterOfferings([offers[0]], { durationHours: 24, maxUpfrontFee: "900" })))
            .to.contain("Left out: 1 more than 1 h shorter than the 24 h asked (a block starting today ends at 11:30 UTC)");
    });

    it("ranks by selection: cheapest first, or earliest first (ties broken by the other)", () => {
        expect(rankOfferings(offers, "cheapest").map((o) => o.offeringId)).to.deep.equal(["a", "b", "c"]);
        expect(rankOfferings(offers, "earliest").map((o) => o.offeringId)).to.deep.equal(["b", "c", "a"]);
    });
    it("reports the cheapest price and the ceiling when nothing fits", () => {
        const found = filterOfferings(offers, { durationHours: 24, maxUpfrontFee: "500" });
        expect(found.affordable).to.deep.equal([]);
        const msg = noOfferingMessage({ ...request, maxUpfrontFee: "500" }, found);
        expect(msg).to.contain("maxUpfrontFee 500 USD").and.contain("cheapest found is 800.00 USD").and.contain("Nothing was bought");
    });
    it("quotes the offering up would buy", () => {
        const q = quoteText("earliest", filterOfferings(offers, { durationHours: 24, maxUpfrontFee: "900" }), request);
        expect(q).to.contain("sa-east-1b").and.contain("2026-11-24T11:30:00.000Z").and.contain("850.00 USD");
    });

    describe("extension quotes", () => {
        const offer = (fee: string, day: number) => ({ offeringId: `o-${fee}`, hours: 24, newEndDate: new Date(Date.UTC(2026, 11, day, 11, 30)), upfrontFee: fee, currencyCode: "USD" });
        it("quotes the cheapest offer at or under the ceiling", () => {
            expect(extensionQuoteText("cr-1", 24, [offer("800.00", 2), offer("720.00", 1)], "800")).to.equal(
                "up would extend cr-1 by 24 h (if still offered): new end 2026-12-01T11:30:00.000Z, 720.00 USD; ceiling 800 USD");
        });
        it("says nothing fits with the cheapest found, or that none is offered", () => {
            expect(extensionQuoteText("cr-1", 24, [offer("960.00", 1), offer("840.00", 1)], "700")).to.equal(
                "nothing to buy: no 24 h extension of cr-1 at or under the ceiling maxUpfrontFee 700 USD; the cheapest found is 840.00 USD " +
                "(new end 2026-12-01T11:30:00.000Z). Raise maxUpfrontFee to extend.");
            expect(extensionQuoteText("cr-1", 24, [], "700")).to.equal("nothing to buy: EC2 offers no 24 h extension of cr-1 now. Try another duration, or run up again later.");
        });
        it("never quotes an extension priced in another currency, and says so", () => {
            expect(extensionQuoteText("cr-1", 24, [{ ...offer("500.00", 1), currencyCode: "GBP" }], "700")).to.equal(
                "nothing to buy: EC2 offers no 24 h extension of cr-1 now. Left out: 1 priced in GBP, never bought under a ceiling in USD. " +
                "Try another duration, or run up again later.");
        });
    });
});
