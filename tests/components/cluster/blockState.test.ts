import { expect } from "chai";
import { blockStateProblem } from "../../../components/cluster/validation";

describe("the block's state for PCS", () => {
    // PCS user guide "Configure an AWS PCS compute node group to use a Capacity Block": the block must be scheduled or active.
    it("accepts a scheduled or active block, stops on an unpaid one, and only warns about an ended one", () => {
        expect(blockStateProblem("cr-1", "scheduled")).to.equal(undefined);
        expect(blockStateProblem("cr-1", "active")).to.equal(undefined);
        const pending = blockStateProblem("cr-1", "payment-pending");
        expect(pending?.blocking).to.equal(true);
        expect(pending?.message).to.match(/cr-1 is payment-pending.*run `pulumi up` again/);
        expect(blockStateProblem("cr-1", "payment-failed")?.blocking).to.equal(true);
        const expired = blockStateProblem("cr-1", "expired");
        expect(expired?.blocking).to.equal(false);
        expect(expired?.message).to.match(/can no longer start/);
    });
});
