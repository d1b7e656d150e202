import { expect } from "chai";
import { extensionHours, extensionHoursMissing, isAllowedDuration } from "../../../dynamic-providers/capacityBlock/durations";

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
        expect(extensionHoursMissing(72, 24, 0)).to.equal(48);
        expect(extensionHoursMissing(72, 48, 24)).to.equal(0);
        expect(extensionHoursMissing(48, 72, 0)).to.equal(0);
    });
});
