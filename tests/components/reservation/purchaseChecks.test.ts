import { expect } from "chai";
import type { BuyReservationConfig } from "../../../components/config";
import { purchaseProblems } from "../../../components/reservation/purchaseChecks";
import { blockRegionWarning } from "../../../components/shared/blockRegions";
import { checkFailures } from "../../../dynamic-providers/capacityBlock/inputs";

const NOW = new Date("2026-11-30T00:00:00Z");
const CFG: BuyReservationConfig = {
    kind: "buy", instanceType: "p5.48xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "3000",
    selection: "cheapest", generation: 1, instancePlatform: "Linux/UNIX",
};

describe("a purchase still to come, held to the CapacityBlock check's rules", () => {
    it("passes a window that is open, as check does", () => {
        expect(purchaseProblems({ ...CFG, startAfter: "2026-12-01T00:00:00Z", startBefore: "2026-12-20T00:00:00Z" }, NOW)).to.deep.equal([]);
    });

    it("words check's window failures as config problems naming the key", () => {
        const cfg = { ...CFG, startAfter: "2027-03-01T00:00:00Z", startBefore: "2026-11-01T00:00:00Z" };
        const fromCheck = checkFailures({ ...cfg, identity: "this-copy" }, NOW, true);
        expect(fromCheck.map((f) => f.property)).to.deep.equal(["startBefore", "startBefore", "startAfter"]);
        expect(purchaseProblems(cfg, NOW)).to.deep.equal([
            "capblocks:reservation.startBefore: 2026-11-01T00:00:00.000Z is in the past (now 2026-11-30T00:00:00.000Z): no block can start in this window; " +
                "set a later startBefore or remove it",
            "capblocks:reservation.startBefore: 2026-11-01T00:00:00.000Z is not after startAfter 2027-03-01T00:00:00.000Z; set startBefore later than startAfter",
            "capblocks:reservation.startAfter: 2027-03-01T00:00:00.000Z is more than 8 weeks ahead; Capacity Blocks start at most 8 weeks out " +
                "(latest 2027-01-25T00:00:00.000Z); set an earlier startAfter",
        ]);
    });

    it("warns about a Region AWS does not document as selling blocks, and not about one it does", () => {
        expect(blockRegionWarning("us-east-2")).to.equal(undefined);
        expect(blockRegionWarning("af-south-1")).to.match(/^aws:region: af-south-1 is not among the Regions AWS documents as selling Capacity Blocks/);
    });
});
