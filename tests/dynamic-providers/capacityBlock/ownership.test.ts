import { expect } from "chai";
import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { preferUsable, sortByOwner } from "../../../dynamic-providers/capacityBlock/ownership";
import { IDENTITY_TAG, PURCHASE_TOKEN_TAG } from "../../../dynamic-providers/capacityBlock/token";

const block = (id: string, tags: Record<string, string>, State = "scheduled"): CapacityReservation =>
    ({ CapacityReservationId: id, State, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }) as CapacityReservation;

// F5: the purchase token is shared by every copy of a stack; the identity tag says whose block it is.
describe("capacity block ownership", () => {
    it("splits the slot's blocks into this copy's and other copies' (untagged ones included), once each, dropping other slots", () => {
        const mine = block("cr-mine", { [PURCHASE_TOKEN_TAG]: "t", [IDENTITY_TAG]: "a" });
        const theirs = block("cr-theirs", { [PURCHASE_TOKEN_TAG]: "t", [IDENTITY_TAG]: "b" });
        const old = block("cr-old", { [PURCHASE_TOKEN_TAG]: "t" });
        const elsewhere = block("cr-else", { [PURCHASE_TOKEN_TAG]: "u", [IDENTITY_TAG]: "a" });
        const untagged = block("cr-hand-bought", {});
        const sorted = sortByOwner([mine, theirs, old, elsewhere, untagged, mine], "t", "a");
        expect(sorted.mine.map((r) => r.CapacityReservationId)).to.deep.equal(["cr-mine"]);
        expect(sorted.others.map((r) => r.CapacityReservationId)).to.deep.equal(["cr-theirs", "cr-old"]);
    });

    it("takes a usable block before one whose payment failed", () => {
        const failed = block("cr-failed", {}, "payment-failed");
        expect(preferUsable([failed, block("cr-ok", {})])?.CapacityReservationId).to.equal("cr-ok");
        expect(preferUsable([failed])?.CapacityReservationId).to.equal("cr-failed");
    });
});
