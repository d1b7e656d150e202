import { expect } from "chai";
import { classifyState, extensionClosedReason, isSettled, neverUsableMessage } from "../../../dynamic-providers/capacityBlock/states";

const NOW = new Date("2026-11-23T09:00:00Z");

// Reservation states: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CapacityReservation.html
describe("capacity block states", () => {
    it("classifies block states; unknown or other-kind states are not usable", () => {
        expect(["scheduled", "active"].map(classifyState)).to.deep.equal(["paid", "paid"]);
        expect(classifyState("payment-pending")).to.equal("pending");
        expect(classifyState("payment-failed")).to.equal("payment-failed");
        expect(classifyState("expired")).to.equal("ended");
        expect(classifyState("not-found")).to.equal("ended");
        expect(classifyState("assessing")).to.equal("not-usable");
    });

    // F8: only a paid or ended block is left alone by diff; any other makes update read it again.
    it("calls paid and ended blocks settled, and nothing else", () => {
        expect(["scheduled", "active", "expired", "not-found"].map(isSettled)).to.deep.equal([true, true, true, true]);
        expect(["payment-pending", "payment-failed", "cancelled", "assessing", undefined].map(isSettled)).to.deep.equal([false, false, false, false, false]);
    });

    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-extend.html
    describe("the extension window: scheduled or active, 56 days to 1 hour before the end", () => {
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
