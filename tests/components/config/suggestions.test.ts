import { expect } from "chai";
import { editDistance, nearest } from "../../../components/config/suggestions";

describe("config: did you mean", () => {
    it("counts one insertion, deletion or substitution as one edit", () => {
        expect(editDistance("p5.48xlarg", "p5.48xlarge")).to.equal(1);
        expect(editDistance("cheepest", "cheapest")).to.equal(1);
        expect(editDistance("abc", "abc")).to.equal(0);
        expect(editDistance("", "abc")).to.equal(3);
    });

    it("suggests a case-only difference, the one word begun, or the single nearest close word", () => {
        expect(nearest("instancetype", ["instanceType", "instanceCount"])).to.equal("instanceType");
        expect(nearest("timeout", ["id", "timeoutSeconds", "commands"])).to.equal("timeoutSeconds");
        expect(nearest("workVolumeSize", ["workVolumeSizeGb", "volumeSizeGb"])).to.equal("workVolumeSizeGb");
    });

    it("suggests nothing for an unrelated word, a short word far off, or a tie", () => {
        expect(nearest("budget", ["maxUpfrontFee", "selection"])).to.equal(undefined);
        expect(nearest("nfs", ["efs", "nfsv4"])).to.equal("efs");
        expect(nearest("ab", ["cd", "ef"])).to.equal(undefined);
        expect(nearest("size", ["sizeA", "sizeB"])).to.equal(undefined);
        expect(nearest("cat", ["bat", "hat"])).to.equal(undefined);
    });
});
