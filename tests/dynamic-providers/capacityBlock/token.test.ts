import { expect } from "chai";
import { purchaseToken } from "../../../dynamic-providers/capacityBlock/token";

describe("capacity block purchase token", () => {
    it("derives a stable purchase token per project, stack, name and generation", () => {
        expect(purchaseToken("p", "dev", "block", 1)).to.equal(purchaseToken("p", "dev", "block", 1)).and.have.length(32);
        expect(purchaseToken("p", "dev", "block", 2)).to.not.equal(purchaseToken("p", "dev", "block", 1));
        expect(purchaseToken("p", "prod", "block", 1)).to.not.equal(purchaseToken("p", "dev", "block", 1));
    });
});
