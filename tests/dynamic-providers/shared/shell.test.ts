import { expect } from "chai";
import { spawnSync } from "child_process";
import { shellQuote } from "../../../dynamic-providers/shared/shell";

describe("shell quoting", () => {
    it("gives sh (dash) back every value as one word, unexpanded", () => {
        const values = ["plain", "", "it's", "''", "$HOME `id` $(id) \\n * ?", "two\nlines", "tab\tand space", "-n", "ü €"];
        for (const value of values) {
            const r = spawnSync("sh", ["-c", `printf '%s|' ${shellQuote(value)}`], { encoding: "utf8" });
            expect(r.status, value).to.equal(0);
            expect(r.stdout, value).to.equal(`${value}|`);
        }
    });
});
