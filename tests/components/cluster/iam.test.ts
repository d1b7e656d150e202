import { expect } from "chai";
import { IAM_NAME_PREFIX_MAX, pcsRoleNamePrefix } from "../../../components/cluster/iam";

describe("PCS node role", () => {
    // PCS user guide "IAM instance profiles for AWS PCS": role name starts with AWSPCS; IAM namePrefix max 38 (+26 suffix = 64).
    it("names the node role AWSPCS-… within IAM's limit for any valid cluster name", () => {
        expect(pcsRoleNamePrefix("dev")).to.equal("AWSPCS-dev-");
        const long = pcsRoleNamePrefix("a".repeat(40));
        expect(long).to.equal(`AWSPCS-${"a".repeat(IAM_NAME_PREFIX_MAX - 8)}-`);
        expect(long.length).to.equal(IAM_NAME_PREFIX_MAX);
    });
});
