import { expect } from "chai";
import {
    extensionQuoteText, filterOfferings, noOfferingMessage, quoteText, rankOfferings,
} from "../../../dynamic-providers/capacityBlock/offerings";
import type { Offering } from "../../../dynamic-providers/capacityBlock/offerings";

function offering(id: string, az: string, fee: string, startDay: number): Offering {
    const startDate = new Date(Date.UTC(2026, 10, 23 + startDay, 11, 30));
    return {
        offeringId: id, instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: az, startDate,
        endDate: new Date(startDate.getTime() + 24 * 3600_000), durationHours: 24, upfrontFee: fee, currencyCode: "USD",
    };
}

describe("capacity block offerings", () => {
    const offers = [offering("a", "sa-east-1a", "800.00", 3), offering("b", "sa-east-1b", "850.00", 1), offering("c", "sa-east-1c", "1200.00", 1)];
    const request = { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900" };
    it("drops offerings outside the zones, the window or over the ceiling", () => {
        const found = filterOfferings(offers, { maxUpfrontFee: "900", availabilityZones: ["sa-east-1b", "sa-east-1c"] });
        expect(found.affordable.map((o) => o.offeringId)).to.deep.equal(["b"]);
        const windowed = filterOfferings(offers, { maxUpfrontFee: "900", startBefore: "2026-11-25T00:00:00Z" });
        expect(windowed.affordable.map((o) => o.offeringId)).to.deep.equal(["b"]);
    });
    it("compares fees as decimals, including a fee equal to the ceiling", () => {
        const found = filterOfferings([offering("x", "a", "900.00", 1), offering("y", "a", "900.01", 2)], { maxUpfrontFee: "900" });
        expect(found.affordable.map((o) => o.offeringId)).to.deep.equal(["x"]);
    });
    it("ranks by selection: cheapest first, or earliest first (ties broken by the other)", () => {
        expect(rankOfferings(offers, "cheapest").map((o) => o.offeringId)).to.deep.equal(["a", "b", "c"]);
        expect(rankOfferings(offers, "earliest").map((o) => o.offeringId)).to.deep.equal(["b", "c", "a"]);
    });
    it("reports the cheapest price and the ceiling when nothing fits", () => {
        const found = filterOfferings(offers, { maxUpfrontFee: "500" });
        expect(found.affordable).to.deep.equal([]);
        const msg = noOfferingMessage({ ...request, maxUpfrontFee: "500" }, found.cheapest);
        expect(msg).to.contain("maxUpfrontFee 500 USD").and.contain("cheapest found is 800.00 USD").and.contain("Nothing was bought");
    });
    it("quotes the offering up would buy", () => {
        const q = quoteText("earliest", filterOfferings(offers, { maxUpfrontFee: "900" }), request);
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
    });
});
