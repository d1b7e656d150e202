import { expect } from "chai";
import { checkFailures, withDefaults } from "../../../dynamic-providers/capacityBlock/inputs";
import { UNKNOWN } from "../../../dynamic-providers/shared/unknown";

const NOW = new Date("2026-11-23T09:00:00Z");
const valid = {
    instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
    instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1, purchaseToken: "t", identity: "copy-a",
};
const properties = (inputs: Record<string, unknown>, windowMatters = true) => checkFailures(inputs, NOW, windowMatters).map((f) => f.property);

describe("capacity block inputs", () => {
    it("names the nearest allowed durations when one is off the steps", () => {
        const [f] = checkFailures({ ...valid, durationHours: 400 }, NOW, true);
        expect(f.property).to.equal("durationHours");
        expect(f.reason).to.contain("nearest: 336 or 504");
    });

    describe("check failures", () => {
        it("passes a valid request", () => {
            expect(properties(valid)).to.deep.equal([]);
        });
        it("rejects counts outside 1..64 (up to 64 instances per block)", () => {
            expect(properties({ ...valid, instanceCount: 0 })).to.deep.equal(["instanceCount"]);
            expect(properties({ ...valid, instanceCount: 65 })).to.deep.equal(["instanceCount"]);
            expect(properties({ ...valid, instanceCount: 1.5 })).to.deep.equal(["instanceCount"]);
            expect(properties({ ...valid, instanceCount: 64 })).to.deep.equal([]);
        });
        it("rejects an empty, zero, negative or non-decimal ceiling", () => {
            for (const fee of ["", "0", "-5", "abc", "1e3", 900, "0.000", "$900", "1,000", "Infinity"]) {
                expect(properties({ ...valid, maxUpfrontFee: fee }), String(fee)).to.deep.equal(["maxUpfrontFee"]);
            }
            expect(properties({ ...valid, maxUpfrontFee: "0.01" })).to.deep.equal([]);
        });
        it("rejects a platform not sold as a block (API purchases: Linux/UNIX, RHEL, RHEL with HA, SUSE, Ubuntu Pro)", () => {
            expect(properties({ ...valid, instancePlatform: "Windows" })).to.deep.equal(["instancePlatform"]);
            expect(properties({ ...valid, instancePlatform: "Ubuntu Pro" })).to.deep.equal([]);
        });
        it("rejects a window in the past, ending before it starts, or starting more than 8 weeks ahead", () => {
            expect(properties({ ...valid, startBefore: "2026-11-22T00:00:00Z" })).to.deep.equal(["startBefore"]);
            expect(properties({ ...valid, startAfter: "2026-11-28T00:00:00Z", startBefore: "2026-11-26T00:00:00Z" })).to.deep.equal(["startBefore"]);
            expect(properties({ ...valid, startAfter: "2027-01-25T00:00:00Z" })).to.deep.equal(["startAfter"]);
            expect(properties({ ...valid, startAfter: "next tuesday" })).to.deep.equal(["startAfter"]);
            expect(properties({ ...valid, startAfter: "2026-11-24T00:00:00Z", startBefore: "2026-11-30T00:00:00Z" })).to.deep.equal([]);
        });
        it("does not judge the window of a block already bought (it is in the past by design)", () => {
            expect(properties({ ...valid, startBefore: "2026-11-01T00:00:00Z" }, false)).to.deep.equal([]);
        });
        it("skips values unknown during preview instead of failing them", () => {
            expect(properties({ ...valid, instanceCount: UNKNOWN, startAfter: UNKNOWN })).to.deep.equal([]);
        });
        it("requires the purchase inputs", () => {
            expect(properties({ purchaseToken: "t" })).to.have.members(["instanceType", "instanceCount", "durationHours", "maxUpfrontFee", "identity"]);
        });
        it("takes a list of acceptable types instead of one, with the accelerators of each to compare prices; never both", () => {
            const noType: Record<string, unknown> = { ...valid, instanceType: undefined };
            const listed = { ...noType, instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], acceleratorsPerInstance: { "p5.48xlarge": 8, "p5e.48xlarge": 8 } };
            expect(properties(listed)).to.deep.equal([]);
            expect(properties({ ...listed, instanceType: "p5.48xlarge" })).to.deep.equal(["instanceTypes"]);
            expect(properties({ ...listed, acceleratorsPerInstance: { "p5.48xlarge": 8 } })).to.deep.equal(["acceleratorsPerInstance"]);
            expect(checkFailures({ ...listed, acceleratorsPerInstance: { "p5.48xlarge": 8, "p5e.48xlarge": 0 } }, NOW, true)[0].reason).to.contain("missing for p5e.48xlarge");
            expect(properties({ ...listed, instanceTypes: [] })).to.deep.equal(["instanceTypes"]);
            expect(properties({ ...listed, instanceTypes: ["p5.48xlarge", "p5.48xlarge"] })).to.deep.equal(["instanceTypes"]);
            expect(properties(noType)).to.deep.equal(["instanceType"]);
        });
        it("fills platform, selection and generation defaults", () => {
            expect(withDefaults({})).to.include({ instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1 });
        });
    });
});
