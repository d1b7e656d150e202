import { expect } from "chai";
import { compareFees, isFee, isPositiveFee } from "../../../dynamic-providers/capacityBlock/fees";

// UpfrontFee is a decimal string (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CapacityBlockOffering.html);
// the ceiling is compared with it exactly, never as a double (F7).
describe("capacity block fees", () => {
    it("compares exactly where doubles cannot", () => {
        expect(compareFees("900.0000000000000001", "900")).to.equal(1);
        expect(compareFees("9007199254740993", "9007199254740992")).to.equal(1);
        expect(compareFees("900.00", "900")).to.equal(0);
        expect(compareFees("899.999", "900")).to.equal(-1);
        expect(compareFees(" 720.5 ", "720.50")).to.equal(0);
    });

    it("reads only plain decimals: no sign, exponent, separator, symbol or word", () => {
        for (const fee of ["900", "0.01", "1234.56", "007"]) expect(isFee(fee), fee).to.equal(true);
        for (const fee of ["", "-5", "8e2", "1,200.00", "$800", "800 USD", "NaN", "Infinity", "0x300", "900.", ".5", 900]) expect(isFee(fee), String(fee)).to.equal(false);
    });

    it("takes a ceiling above zero only", () => {
        expect(["0", "0.000", "-1"].map(isPositiveFee)).to.deep.equal([false, false, false]);
        expect(["0.001", "900"].map(isPositiveFee)).to.deep.equal([true, true]);
    });
});
