import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { planRun } from "../helpers/planRuns";

/**
 * The URN of every resource in every example stack's plan, recorded before the code moved into feature folders
 * (`urns.json`). A URN is the parent type chain plus the name: if a move changed a type token, a name or a parent,
 * Pulumi would see a new resource and replace the old one — for a Capacity Block, a second purchase.
 */
const RECORDED = JSON.parse(fs.readFileSync(path.join(__dirname, "urns.json"), "utf8")) as Record<string, string[]>;

interface PlannedResource {
    type: string;
    name: string;
    parent: string | null;
}

function urnsOf(resources: PlannedResource[]): string[] {
    const parentOf = (name: string): PlannedResource => {
        const named = resources.filter((r) => r.name === name);
        return named.find((r) => r.type.startsWith("capblocks:index:")) ?? named[0];
    };
    const chain = (r: PlannedResource): string => (r.parent ? `${chain(parentOf(r.parent))}$${r.type}` : r.type);
    return resources.map((r) => `${chain(r)}::${r.name}`).sort();
}

async function plannedUrns(stack: string, blockState: string): Promise<string[]> {
    const { code, out, err } = await planRun(["--stack", stack, "--json", "--block-state", blockState]);
    expect(code, err).to.equal(0);
    return urnsOf((JSON.parse(out) as { resources: PlannedResource[] }).resources);
}

describe("resource URNs of the example stacks", () => {
    it("were recorded for every example stack", () => {
        const stacks = fs.readdirSync(path.join(__dirname, "..", "..")).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
        const recorded = new Set(Object.keys(RECORDED).map((k) => k.split(".")[0]));
        expect([...recorded].sort()).to.deep.equal(stacks.sort());
    });

    for (const [key, urns] of Object.entries(RECORDED)) {
        const [stack, blockState] = key.split(".");
        it(`${stack} with the block ${blockState}: the same URNs, so no resource is replaced`, async () => {
            expect(await plannedUrns(stack, blockState)).to.deep.equal(urns);
        });
    }
});
