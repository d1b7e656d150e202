import { expect } from "chai";
import { boughtBlockFailures, decideDiff, tagChanges } from "../../../dynamic-providers/capacityBlock/diff";
import { UNKNOWN } from "../../../dynamic-providers/shared/unknown";

const valid = {
    instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
    instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1, purchaseToken: "t",
};

describe("capacity block changes", () => {
    describe("diff of a bought block", () => {
        const olds = { ...valid, reservationId: "cr-1", endDate: "2026-11-25T11:30:00.000Z", purchaseToken: "t", quote: "old" };
        it("buys nothing new when ceiling, window, zones or selection change", () => {
            const d = decideDiff(olds, { ...valid, maxUpfrontFee: "2000", startAfter: "2026-12-01T00:00:00Z", availabilityZones: ["x"], selection: "earliest" });
            expect(d).to.deep.equal({ changes: true, replaces: [], extensionHours: 0 });
        });
        it("ignores the quote and the token", () => {
            expect(decideDiff(olds, { ...valid, quote: "new", purchaseToken: "other" }).changes).to.equal(false);
        });
        it("updates, never replaces, for a new identity (a block bought before identities gets this copy's tag)", () => {
            expect(decideDiff(olds, { ...valid, identity: "copy-a" })).to.deep.equal({ changes: true, replaces: [], extensionHours: 0 });
            expect(decideDiff({ ...olds, identity: "copy-a" }, { ...valid, identity: "copy-a" }).changes).to.equal(false);
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
});
