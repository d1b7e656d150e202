import { expect } from "chai";
import { covers, extensionHours, extensionNeeded, isAllowedDuration, spanHours } from "../../../dynamic-providers/capacityBlock/durations";

// EC2 user guide: durations in 1-day steps up to 14 days, then 7-day steps up to 182 days; extensions use the same
// steps (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html, capacity-blocks-extend.html).
describe("capacity block durations", () => {
    it("accepts 24..336 step 24 and 504..4368 step 168 only", () => {
        for (const h of [24, 48, 336, 504, 672, 4368]) expect(isAllowedDuration(h), String(h)).to.equal(true);
        for (const h of [0, 12, 25, 360, 480, 505, 4536, 24.5]) expect(isAllowedDuration(h), String(h)).to.equal(false);
    });

    it("refuses an extension EC2 does not sell", () => {
        expect(() => extensionHours(24, 36)).to.throw(/12 h extension/);
        expect(extensionHours(336, 840)).to.equal(504);
    });

    it("counts hours already in the block and extensions still paying", () => {
        expect(extensionNeeded(72, 24, 0)).to.deep.equal({ hours: 48, sold: true });
        expect(extensionNeeded(72, 48, 24)).to.deep.equal({ hours: 0, sold: true });
        expect(extensionNeeded(48, 72, 0)).to.deep.equal({ hours: 0, sold: true });
    });

    // F2: a same-day block has minutes (it ends at 11:30 UTC); its hours are never rounded into a duration EC2 does not sell.
    it("measures a same-day block to the minute and extends it by whole days", () => {
        const longer = spanHours("2026-11-23T10:55:00Z", "2026-11-24T11:30:00Z") as number;
        const shorter = spanHours("2026-11-23T11:55:00Z", "2026-11-24T11:30:00Z") as number;
        expect([longer, shorter].map((h) => Math.round(h * 60))).to.deep.equal([24 * 60 + 35, 23 * 60 + 35]);
        expect([covers(longer, 24), covers(shorter, 24), covers(22.9, 24)]).to.deep.equal([true, true, false]);
        expect(extensionNeeded(24, longer, 0).hours).to.equal(0);
        expect(extensionNeeded(24, shorter, 0).hours).to.equal(0);
        expect(extensionNeeded(48, longer, 0).hours).to.equal(24);
        expect(extensionNeeded(48, shorter, 0).hours).to.equal(24);
        expect(extensionNeeded(504, 24, 0)).to.deep.equal({ hours: 480, sold: false });
    });
});
