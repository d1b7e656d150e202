import { expect } from "chai";
import * as path from "path";
import { codeServerTaskIds, scaledProfile, sumSeconds } from "../../bench/profile";

const ROOT = path.resolve(__dirname, "..", "..");

describe("bench profile", () => {
    it("has a run time for every shipped code-server task and no other, so `npm run bench` runs and the README's setup times add up", () => {
        const ids = codeServerTaskIds(ROOT);
        const tasks = scaledProfile(ids, 8);
        expect(tasks.map((t) => t.id)).to.deep.equal(ids);
        expect(sumSeconds(tasks)).to.be.closeTo(8, 0.01);
    });
});
