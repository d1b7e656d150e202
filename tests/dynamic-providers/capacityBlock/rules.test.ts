import { expect } from "chai";
import {
    backoffDelays, boughtBlockFailures, checkFailures, classifyPurchaseError, classifyState, decideDiff, extensionClosedReason,
    extensionHours, extensionHoursMissing, extensionQuoteText, filterOfferings, isAllowedDuration, neverUsableMessage, isRetryableReadError,
    noOfferingMessage, Offering, paymentPollDelays, purchaseToken, quoteText, rankOfferings,
    tagChanges, UNKNOWN, withDefaults,
} from "../../../dynamic-providers/capacityBlock/rules";

const NOW = new Date("2026-11-23T09:00:00Z");
const valid = {
    instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
    instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1, purchaseToken: "t",
};
const properties = (inputs: Record<string, unknown>, windowMatters = true) => checkFailures(inputs, NOW, windowMatters).map((f) => f.property);

function offering(id: string, az: string, fee: string, startDay: number): Offering {
    const startDate = new Date(Date.UTC(2026, 10, 23 + startDay, 11, 30));
    return {
        offeringId: id, instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: az, startDate,
        endDate: new Date(startDate.getTime() + 24 * 3600_000), durationHours: 24, upfrontFee: fee, currencyCode: "USD",
    };
}

describe("capacity block rules", () => {
    describe("durations (AWS-FACTS: 1-day steps to 14 days, then 7-day steps to 182 days)", () => {
        it("accepts 24..336 step 24 and 504..4368 step 168 only", () => {
            for (const h of [24, 48, 336, 504, 672, 4368]) expect(isAllowedDuration(h), String(h)).to.equal(true);
            for (const h of [0, 12, 25, 360, 480, 505, 4536, 24.5]) expect(isAllowedDuration(h), String(h)).to.equal(false);
        });
        it("names the nearest allowed durations when one is off the steps", () => {
            const [f] = checkFailures({ ...valid, durationHours: 400 }, NOW, true);
            expect(f.property).to.equal("durationHours");
            expect(f.reason).to.contain("nearest: 336 or 504");
        });
    });

    describe("check failures", () => {
        it("passes a valid request", () => {
            expect(properties(valid)).to.deep.equal([]);
        });
        it("rejects counts outside 1..64 (up to 64 instances per block)", () => {
            expect(properties({ ...valid, instanceCount: 0 })).to.deep.equal(["instanceCount"]);
            expect(properties({ ...valid, instanceCount: 65 })).to.deep.equal(["instanceCount"]);
            expect(properties({ ...valid, instanceCount: 1.5 })).to.deep.equal(["instanceCount"]);
            expect(properties({ ...valid, instanceCount: 64 })).to.deep.equal([]);
        });
        it("rejects an empty, zero, negative or non-decimal ceiling", () => {
            for (const fee of ["", "0", "-5", "abc", "1e3", 900]) {
                expect(properties({ ...valid, maxUpfrontFee: fee }), String(fee)).to.deep.equal(["maxUpfrontFee"]);
            }
            expect(properties({ ...valid, maxUpfrontFee: "0.01" })).to.deep.equal([]);
        });
        it("rejects a platform not sold as a block (API purchases: Linux/UNIX, RHEL, RHEL with HA, SUSE, Ubuntu Pro)", () => {
            expect(properties({ ...valid, instancePlatform: "Windows" })).to.deep.equal(["instancePlatform"]);
            expect(properties({ ...valid, instancePlatform: "Ubuntu Pro" })).to.deep.equal([]);
        });
        it("rejects a window in the past, ending before it starts, or starting more than 8 weeks ahead", () => {
            expect(properties({ ...valid, startBefore: "2026-11-22T00:00:00Z" })).to.deep.equal(["startBefore"]);
            expect(properties({ ...valid, startAfter: "2026-11-28T00:00:00Z", startBefore: "2026-11-26T00:00:00Z" })).to.deep.equal(["startBefore"]);
            expect(properties({ ...valid, startAfter: "2027-01-25T00:00:00Z" })).to.deep.equal(["startAfter"]);
            expect(properties({ ...valid, startAfter: "next tuesday" })).to.deep.equal(["startAfter"]);
            expect(properties({ ...valid, startAfter: "2026-11-24T00:00:00Z", startBefore: "2026-11-30T00:00:00Z" })).to.deep.equal([]);
        });
        it("does not judge the window of a block already bought (it is in the past by design)", () => {
            expect(properties({ ...valid, startBefore: "2026-11-01T00:00:00Z" }, false)).to.deep.equal([]);
        });
        it("skips values unknown during preview instead of failing them", () => {
            expect(properties({ ...valid, instanceCount: UNKNOWN, startAfter: UNKNOWN })).to.deep.equal([]);
        });
        it("requires the purchase inputs", () => {
            expect(properties({ purchaseToken: "t" })).to.have.members(["instanceType", "instanceCount", "durationHours", "maxUpfrontFee"]);
        });
        it("fills platform, selection and generation defaults", () => {
            expect(withDefaults({})).to.include({ instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1 });
        });
    });

    describe("offerings", () => {
        const offers = [offering("a", "sa-east-1a", "800.00", 3), offering("b", "sa-east-1b", "850.00", 1), offering("c", "sa-east-1c", "1200.00", 1)];
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
            const msg = noOfferingMessage({ instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "500" }, found.cheapest);
            expect(msg).to.contain("maxUpfrontFee 500 USD").and.contain("cheapest found is 800.00 USD").and.contain("Nothing was bought");
        });
        it("quotes the offering up would buy", () => {
            const q = quoteText("earliest", filterOfferings(offers, { maxUpfrontFee: "900" }), { ...valid, selection: "earliest" } as never);
            expect(q).to.contain("sa-east-1b").and.contain("2026-11-24T11:30:00.000Z").and.contain("850.00 USD");
        });
    });

    describe("states (AWS-FACTS lifecycle)", () => {
        it("classifies block states; unknown or other-kind states are not usable", () => {
            expect(["scheduled", "active"].map(classifyState)).to.deep.equal(["paid", "paid"]);
            expect(classifyState("payment-pending")).to.equal("pending");
            expect(classifyState("payment-failed")).to.equal("payment-failed");
            expect(classifyState("expired")).to.equal("ended");
            expect(classifyState("assessing")).to.equal("not-usable");
        });
    });

    describe("errors", () => {
        const err = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
        it("treats an expired offering id as gone (EC2 error InvalidCapacityBlockOfferingIdExpired)", () => {
            expect(classifyPurchaseError(err("InvalidCapacityBlockOfferingIdExpired", 400))).to.equal("offering-gone");
        });
        it("treats other 4xx as a refusal, and throttling, 5xx and network errors as a lost answer", () => {
            expect(classifyPurchaseError(err("UnauthorizedOperation", 403))).to.equal("rejected");
            expect(classifyPurchaseError(err("RequestLimitExceeded", 503))).to.equal("unknown");
            expect(classifyPurchaseError(err("InternalError", 500))).to.equal("unknown");
            expect(classifyPurchaseError(err("TimeoutError"))).to.equal("unknown");
        });
        it("retries reads on throttling and transient errors only", () => {
            expect(isRetryableReadError(err("RequestLimitExceeded", 503))).to.equal(true);
            expect(isRetryableReadError(err("InternalError", 500))).to.equal(true);
            expect(isRetryableReadError(err("InvalidParameterValue", 400))).to.equal(false);
        });
        it("bounds backoff", () => {
            expect(backoffDelays(1000, 4000, 12000)).to.deep.equal([1000, 2000, 4000, 4000]);
        });
        it("polls a payment every second at first, then at most 25% of the time waited later, 60 s at most, within the bound", () => {
            const delays = paymentPollDelays(20 * 60_000);
            expect(delays.slice(0, 5)).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
            let waited = 0;
            for (const delay of delays) {
                expect(delay).to.be.at.most(Math.max(1000, waited / 4) + 1);
                expect(delay).to.be.at.most(60_000);
                waited += delay;
            }
            expect(waited).to.be.at.most(20 * 60_000).and.above(19 * 60_000);
            expect(delays.length, "a 20 min wait stays a few dozen DescribeCapacityReservations").to.be.below(45);
        });
    });

    describe("diff of a bought block", () => {
        const olds = { ...valid, reservationId: "cr-1", endDate: "2026-11-25T11:30:00.000Z", purchaseToken: "t", quote: "old" };
        it("buys nothing new when ceiling, window, zones or selection change", () => {
            const d = decideDiff(olds, { ...valid, maxUpfrontFee: "2000", startAfter: "2026-12-01T00:00:00Z", availabilityZones: ["x"], selection: "earliest" });
            expect(d).to.deep.equal({ changes: true, replaces: [], extensionHours: 0 });
        });
        it("ignores the quote and the token", () => {
            expect(decideDiff(olds, { ...valid, quote: "new", purchaseToken: "other" }).changes).to.equal(false);
        });
        it("refuses a type, count or platform change without a generation bump, saying how to confirm", () => {
            expect(() => decideDiff(olds, { ...valid, instanceCount: 2 })).to.throw(/second Capacity Block.*cannot be cancelled.*bump generation \(1 → 2\)/);
            expect(() => decideDiff(olds, { ...valid, instanceType: "p5.48xlarge" })).to.throw(/instanceType/);
        });
        it("does not refuse an identity value unknown during preview (update decides with the real value)", () => {
            expect(decideDiff(olds, { ...valid, instanceCount: UNKNOWN })).to.deep.equal({ changes: true, replaces: [], extensionHours: 0 });
        });
        it("replaces when generation changes", () => {
            expect(decideDiff(olds, { ...valid, instanceCount: 2, generation: 2 }).replaces).to.deep.equal(["instanceCount", "generation"]);
        });
        it("extends for a longer duration and refuses a shorter one", () => {
            expect(decideDiff(olds, { ...valid, durationHours: 72 }).extensionHours).to.equal(48);
            expect(() => decideDiff({ ...olds, durationHours: 72 }, valid)).to.throw(/cannot go down from 72 to 24/);
        });
        it("refuses an extension EC2 does not sell", () => {
            expect(() => extensionHours(24, 36)).to.throw(/12 h extension/);
            expect(extensionHours(336, 840)).to.equal(504);
        });
    });

    // The dynamic-provider host prints a Diff error's stack trace to the user (@pulumi/pulumi 3.248
    // cmd/dynamic-provider diffRPC: console.error(`${e}: ${e.stack}`)); check failures reach the user as plain reasons.
    describe("check of a bought block (old inputs → new inputs, same token)", () => {
        it("reports a count, type or platform change as a failure on that property, saying how to confirm", () => {
            expect(boughtBlockFailures(valid, { ...valid, instanceCount: 2 })).to.deep.equal([{
                property: "instanceCount",
                reason: "changing instanceCount 1 → 2 would buy a second Capacity Block, and blocks cannot be cancelled " +
                    "(the bought block stays paid until its end date). To buy the new block on purpose, also bump generation (1 → 2); otherwise revert the change.",
            }]);
            expect(boughtBlockFailures(valid, { ...valid, instanceType: "p5.48xlarge" }).map((f) => f.property)).to.deep.equal(["instanceType"]);
        });
        it("reports a shorter duration, and lets a longer one through (an extension)", () => {
            expect(boughtBlockFailures({ ...valid, durationHours: 72 }, valid)).to.deep.equal([
                { property: "durationHours", reason: "durationHours cannot go down from 72 to 24: a bought block cannot be shortened or cancelled. Set durationHours back to 72." },
            ]);
            expect(boughtBlockFailures(valid, { ...valid, durationHours: 72 })).to.deep.equal([]);
        });
        it("passes purchase-only changes, values unknown during preview, and a generation bump", () => {
            expect(boughtBlockFailures(valid, { ...valid, maxUpfrontFee: "2000", selection: "earliest" })).to.deep.equal([]);
            expect(boughtBlockFailures(valid, { ...valid, instanceCount: UNKNOWN })).to.deep.equal([]);
            expect(boughtBlockFailures(valid, { ...valid, instanceCount: 2, generation: 2 })).to.deep.equal([]);
        });
    });

    it("changes tags but never the capblocks tags (the purchase token above all)", () => {
        expect(tagChanges({ team: "ml", old: "x", "capblocks:purchase-token": "t" }, { team: "ai" })).to.deep.equal({ set: { team: "ai" }, remove: ["old"] });
    });

    it("derives a stable purchase token per project, stack, name and generation", () => {
        expect(purchaseToken("p", "dev", "block", 1)).to.equal(purchaseToken("p", "dev", "block", 1)).and.have.length(32);
        expect(purchaseToken("p", "dev", "block", 2)).to.not.equal(purchaseToken("p", "dev", "block", 1));
        expect(purchaseToken("p", "prod", "block", 1)).to.not.equal(purchaseToken("p", "dev", "block", 1));
    });

    describe("extension quotes (AWS-FACTS \"Extensions\": scheduled or active, 56 days to 1 hour before the end)", () => {
        const end = new Date("2026-11-30T11:30:00Z");
        it("is open while scheduled or active between 56 days and 1 hour before the end", () => {
            expect(extensionClosedReason("cr-1", "scheduled", end, new Date("2026-11-23T09:00:00Z"))).to.equal(undefined);
            expect(extensionClosedReason("cr-1", "active", end, new Date("2026-11-30T10:30:00Z"))).to.equal(undefined);
            expect(extensionClosedReason("cr-1", "active", end, new Date("2026-10-05T11:30:00Z"))).to.equal(undefined);
        });
        it("says why it is closed: too early, too late, or a block neither scheduled nor active", () => {
            expect(extensionClosedReason("cr-1", "scheduled", end, new Date("2026-10-05T11:29:00Z"))).to.equal(
                "no extension can be bought now: cr-1 ends 2026-11-30T11:30:00.000Z, and extensions are sold from 56 days before the end " +
                "(from 2026-10-05T11:30:00.000Z); run up again then");
            expect(extensionClosedReason("cr-1", "active", end, new Date("2026-11-30T10:31:00Z"))).to.equal(
                "no extension can be bought now: cr-1 ends 2026-11-30T11:30:00.000Z, and extensions are sold until 1 hour before the end");
            for (const state of ["payment-pending", "payment-failed", "expired"]) {
                expect(extensionClosedReason("cr-1", state, end, NOW), state).to.equal(
                    `no extension can be bought now: cr-1 is ${state}, and extensions are sold only while a block is scheduled or active`);
            }
        });
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
        it("counts hours already in the block and extensions still paying", () => {
            expect(extensionHoursMissing(72, 24, 0)).to.equal(48);
            expect(extensionHoursMissing(72, 48, 24)).to.equal(0);
            expect(extensionHoursMissing(48, 72, 0)).to.equal(0);
        });
    });

    describe("blocks that can never be used", () => {
        it("payment-failed: released at no cost; check billing, bump generation", () => {
            expect(neverUsableMessage("cr-1", "payment-failed", 3)).to.equal("CapacityBlock cr-1: payment failed (state payment-failed). EC2 released " +
                "the block and it cost nothing; it can never be used. Check the AWS account's billing and payment method, then bump generation " +
                "(3 → 4) to buy a new block. Until generation changes, every up fails here.");
        });
        it("cancelled, failed and the like name the state; usable, pending or ended states are not refused", () => {
            for (const state of ["cancelled", "cancelling", "failed", "unsupported"]) expect(neverUsableMessage("cr-1", state, 1), state).to.contain(`cr-1 is ${state} and can never be used`).and.contain("(1 → 2)");
            for (const state of ["scheduled", "active", "payment-pending", "expired", "assessing", "not-found"]) expect(neverUsableMessage("cr-1", state, 1), state).to.equal(undefined);
        });
    });
});
