import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { clusterSchema, codeServerSchema, reservationSchema } from "../../../components/config/schema";

const README = fs.readFileSync(path.join(__dirname, "../../../README.md"), "utf8");

/** The README's reference table under "**`capblocks:<section>`**": each key it names, with its default column. */
function referenceTable(section: string): Map<string, string> {
    const start = README.indexOf(`**\`capblocks:${section}\`**`);
    expect(start, `README has no reference for capblocks:${section}`).to.be.greaterThan(-1);
    const lines = README.slice(start).split("\n").slice(1);
    const rows = lines.slice(lines.findIndex((l) => l.startsWith("|")));
    const table = rows.slice(0, rows.findIndex((l) => !l.startsWith("|"))).slice(2);
    const defaults = new Map<string, string>();
    for (const row of table) {
        const [keys, byDefault] = row.split("|").slice(1, 3).map((cell) => cell.trim());
        for (const key of keys.match(/`[^`]+`/g) ?? []) defaults.set(key.slice(1, -1), byDefault);
    }
    return defaults;
}

interface Schema {
    type?: unknown;
    properties?: Record<string, Schema>;
    retired?: boolean;
    [keyword: string]: unknown;
}

/** Keys the program reads, an object's own keys as `key.sub` (a retired key is refused, so it is not documented). */
function readKeys(schema: Schema, prefix = ""): string[] {
    return Object.entries(schema.properties ?? {})
        .filter(([, s]) => !s.retired)
        .flatMap(([key, s]) => (s.type === "object" && s.properties ? readKeys(s, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

describe("README: the configuration reference", () => {
    const sections: [string, Schema][] = [
        ["reservation", reservationSchema],
        ["codeServer", codeServerSchema],
        ["cluster", clusterSchema],
    ];
    for (const [section, schema] of sections) {
        it(`lists every key of capblocks:${section} with its default, and no key capblocks does not read`, () => {
            const table = referenceTable(section);
            const keys = readKeys(schema);
            expect([...table.keys()].sort()).to.deep.equal([...keys].sort());
            expect(keys.filter((key) => !table.get(key)), "keys with an empty default column").to.deep.equal([]);
        });
    }
});
