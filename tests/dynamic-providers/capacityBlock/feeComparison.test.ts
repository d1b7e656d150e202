import { expect } from "chai";
import { compareFees, compareFeesPer, feePerText, isFee, isPositiveFee } from "../../../dynamic-providers/capacityBlock/fees";

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

// Prices per accelerator-hour compare blocks of different types and lengths; they must be exact too (a double would
// call 1/3 and 2/6 different, and round big fees).
describe("capacity block fees per unit of time", () => {
    it("compares fee/units exactly by cross-multiplying", () => {
        expect(compareFeesPer({ fee: "1", units: 3 }, { fee: "2", units: 6 })).to.equal(0);
        expect(compareFeesPer({ fee: "840.00", units: 1440 }, { fee: "720", units: 1440 })).to.equal(1);
        // 8 GPUs for 24 h at 2000 USD (0.173611 per GPU-minute) is cheaper than 8 for 23 h 35 min at 1966 (0.173675), though it costs more.
        expect(compareFeesPer({ fee: "2000", units: 8 * 1440 }, { fee: "1966", units: 8 * 1415 })).to.equal(-1);
        expect(compareFeesPer({ fee: "9007199254740993", units: 1 }, { fee: "9007199254740992", units: 1 })).to.equal(1);
        expect(compareFeesPer({ fee: "0.0000000000000001", units: 1 }, { fee: "0", units: 1 })).to.equal(1);
    });

    it("writes fee × multiplier / units rounded half up to the places asked", () => {
        expect(feePerText("1000", 60, 1440, 2)).to.equal("41.67");
        expect(feePerText("840.00", 60, 1440, 4)).to.equal("35.0000");
        expect(feePerText("0.005", 1, 1, 2)).to.equal("0.01");
        expect(feePerText("0.004", 1, 1, 2)).to.equal("0.00");
        expect(feePerText("9007199254740993", 1, 1, 0)).to.equal("9007199254740993");
        expect(feePerText("2000", 60, 8 * 1440, 2)).to.equal("10.42");
    });
});
