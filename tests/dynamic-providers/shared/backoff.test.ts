import { expect } from "chai";
import { backoffDelays, nextPollDelayMs, paymentPollDelays } from "../../../dynamic-providers/shared/backoff";

describe("backoff and polling delays", () => {
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

    it("polls soon after sending and backs off with elapsed time (≤ 3% late, 150 ms … 5 s)", () => {
        expect(nextPollDelayMs(0)).to.equal(150);
        expect(nextPollDelayMs(20_000)).to.equal(600);
        expect(nextPollDelayMs(10 * 60_000)).to.equal(5000);
    });
});
