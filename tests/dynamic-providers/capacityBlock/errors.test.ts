import { expect } from "chai";
import { classifyPurchaseError, isRetryableReadError } from "../../../dynamic-providers/capacityBlock/errors";

describe("capacity block AWS errors", () => {
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
});
