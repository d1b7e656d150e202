/**
 * #10, #14, #4 (D1): the offline plan stops where `pulumi preview` stops (the CapacityBlock check's own rules for a
 * block still to buy, a Region name that is not one), warns where it may find nothing (a Region AWS does not list
 * as selling blocks), prints the quote it assumes, and exits 2 for every config problem, in one format.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { main } from "../../scripts/plan";

const WEEK = 7 * 24 * 3600_000;

interface Run {
    code: number;
    out: string;
    err: string;
}

/** Plans a stack file with this config, in-process; anything printed on the console outside the plan's sinks lands in `err`. */
async function planConfig(config: Record<string, unknown>, args: string[] = []): Promise<Run> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-plan-agrees-"));
    const file = path.join(dir, "Pulumi.probe.yaml");
    fs.writeFileSync(file, stringify({ config }));
    let out = "";
    let err = "";
    const warn = console.warn;
    console.warn = (...parts: unknown[]) => void (err += `${parts.join(" ")}\n`);
    try {
        const code = await main(["--config-file", file, ...args], { write: (s: string) => void (out += s) }, { write: (s: string) => void (err += s) });
        return { code, out, err };
    } finally {
        console.warn = warn;
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const buy = (reservation: Record<string, unknown> = {}, region = "us-east-2") => ({
    "aws:region": region,
    "capblocks:reservation": { instanceType: "p5.48xlarge", durationHours: 24, maxUpfrontFee: "3000", ...reservation },
});

describe("the offline plan agrees with pulumi preview", () => {
    it("stops, as the provider's check does, on a window that has closed, naming the key; nothing is planned", async () => {
        const r = await planConfig(buy({ startBefore: "2025-01-01T00:00:00Z" }));
        expect(r.code).to.equal(2);
        expect(r.out).to.equal("");
        expect(r.err).to.match(/^invalid stack configuration:\n {2}capblocks:reservation\.startBefore: 2025-01-01T00:00:00\.000Z is in the past \(now [^)]+\): no block can start in this window; set a later startBefore or remove it\n$/);
    });

    it("stops on a startAfter more than 8 weeks out", async () => {
        const startAfter = new Date(Date.now() + 10 * WEEK).toISOString();
        const r = await planConfig(buy({ startAfter }));
        expect(r.code).to.equal(2);
        expect(r.err).to.contain(`capblocks:reservation.startAfter: ${startAfter} is more than 8 weeks ahead; Capacity Blocks start at most 8 weeks out`);
    });

    it("does not judge the window of a block already bought (the window is history), as check does not", async () => {
        const r = await planConfig(buy({ startBefore: "2025-01-01T00:00:00Z" }), ["--block-state", "active"]);
        expect(r.code, r.err).to.equal(0);
    });

    it("refuses a Region name that is not one, for any stack", async () => {
        const r = await planConfig({ "aws:region": "xx-fake-9", "capblocks:codeServer": { instanceType: "g7e.2xlarge" } });
        expect(r.code).to.equal(2);
        expect(r.err).to.equal('invalid stack configuration:\n  aws:region: "xx-fake-9" is not an AWS Region name (e.g. sa-east-1)\n');
    });

    it("warns, and still plans, when buying in a Region AWS does not list as selling blocks (the list grows)", async () => {
        const r = await planConfig(buy({}, "af-south-1"));
        expect(r.code, r.err).to.equal(0);
        expect(r.out).to.contain("\nWarnings (`pulumi preview` prints these under Diagnostics):\n" +
            "  aws:region: af-south-1 is not among the Regions AWS documents as selling Capacity Blocks (us-east-1, us-east-2, us-west-2, ap-northeast-1, ap-southeast-4;");
        expect(r.err).to.equal("");
        const json = JSON.parse((await planConfig(buy({}, "af-south-1"), ["--json"])).out) as { warnings: string[] };
        expect(json.warnings).to.have.length(1).and.to.match(/^aws:region: af-south-1 is not among/);
        const listed = await planConfig(buy({}, "us-east-2"));
        expect(listed.out).to.not.contain("Regions AWS documents");
    });

    it("by default plans a block to buy as not bought yet, printing the quote it assumes as preview prints the real one", async () => {
        const r = await planConfig(buy());
        expect(r.code, r.err).to.equal(0);
        expect(r.out).to.match(/\nMessages \(`pulumi preview` prints these under Diagnostics\):\n {2}up would buy \(cheapest, if still offered\): 1 x p5\.48xlarge in us-east-2a, .*3000 USD; ceiling 3000 USD \(offline: zone, dates and fee are assumed/);
        expect(r.out).to.match(/\n {2}blockQuote: up would buy /).and.match(/\n {2}- block state not bought yet \(choose with --block-state\)\n/);
        const json = JSON.parse((await planConfig(buy(), ["--json"])).out) as { messages: string[]; outputs: Record<string, string> };
        expect(json.messages).to.deep.equal([json.outputs.blockQuote]);
    });

    it("exits 2 in the one format for config problems the program finds later: a task file, a cluster rule", async () => {
        const taskFile = await planConfig({ "aws:region": "us-east-2", "capblocks:codeServer": { instanceType: "g7e.2xlarge", taskFiles: ["no-such-file.json"] } });
        expect(taskFile.code).to.equal(2);
        expect(taskFile.err).to.match(/^invalid stack configuration:\n {2}capblocks:codeServer\.taskFiles: no-such-file\.json does not exist in /);
        const adopted = { "aws:region": "us-east-2", "capblocks:reservation": { id: "cr-0123456789abcdef0", instanceType: "p5.48xlarge" } };
        const cluster = await planConfig({ ...adopted, "capblocks:codeServer": { enabled: false }, "capblocks:cluster": { enabled: true, computeMinCount: 5 } }, ["--block-count", "1"]);
        expect(cluster.code).to.equal(2);
        expect(cluster.err).to.match(/^invalid stack configuration:\n {2}capblocks:cluster\.computeMinCount: 5 is above the 1 compute instance\(s\) available \(the Capacity Block's size\)/);
        // The adopted block's size is known only after its lookup: one instance shared with code-server leaves the cluster none.
        const shared = await planConfig({ ...adopted, "capblocks:cluster": { enabled: true } }, ["--block-count", "1"]);
        expect(shared.code).to.equal(2);
        expect(shared.err).to.equal(
            "invalid stack configuration:\n  capblocks:cluster.enabled: the adopted block cr-0123456789abcdef0 has 1 instance(s) and code-server takes one, " +
                "leaving none for the cluster; adopt a block with more instances, or disable code-server (capblocks:codeServer.enabled: false)\n",
        );
    });
});
