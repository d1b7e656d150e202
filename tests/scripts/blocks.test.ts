import { expect } from "chai";
import { START } from "../helpers/capacityBlockMarket";
import { main } from "../../scripts/blocks";
import type { InstalledMarket } from "../fakes/ec2CapacityBlockMarket";
import { install } from "../fakes/ec2CapacityBlockMarket";

/*
 * `npm run blocks` against the EC2 market fake: the account's Capacity Blocks across Regions, whose each one is by
 * the tags capblocks writes at purchase, and which one the seed scripts' parameter names. Read-only.
 */

class Capture {
    text = "";
    write(chunk: string): void {
        this.text += chunk;
    }
}

async function blocks(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    const out = new Capture();
    const err = new Capture();
    const code = await main(args, out, err, env);
    return { code, out: out.text, err: err.text };
}

const DAY = 24 * 3600_000;
const TOMORROW_1130 = Date.parse("2026-11-24T11:30:00Z");

describe("npm run blocks", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    let ours: string;
    let older: string;
    let theirs: string;
    let elsewhere: string;
    beforeEach(() => {
        installed = install({ start: START, supply: [] });
        const m = installed.market;
        ours = m.seedReservation({
            instanceType: "p5.48xlarge", instanceCount: 2, availabilityZone: "us-east-2b", start: TOMORROW_1130 + DAY, hours: 24,
            tags: { "capblocks:purchase-token": "a".repeat(32), "capblocks:identity": "0f1e2d3c-aaaa-bbbb-cccc-123456789012", "capblocks:project": "ml",
                "capblocks:stack": "dev", "capblocks:upfront-fee": "1920.00", "capblocks:currency": "USD", team: "ml" },
        });
        older = m.seedReservation({
            instanceType: "p5.48xlarge", instanceCount: 1, availabilityZone: "us-east-2a", start: TOMORROW_1130 - 3 * DAY, hours: 24,
            tags: { "capblocks:purchase-token": "b".repeat(32), "capblocks:upfront-fee": "960.00", "capblocks:currency": "USD" },
        });
        theirs = m.seedReservation({ instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: "us-east-2c", start: TOMORROW_1130, hours: 48, tags: { Name: "console" } });
        elsewhere = m.seedReservation({ instanceType: "p5e.48xlarge", instanceCount: 1, availabilityZone: "us-east-1a", start: TOMORROW_1130, hours: 24, tags: {} });
        m.seedParameter("/capacity-block/us-east-2/reservation-id", theirs);
        m.seedParameter("/capacity-block/us-east-2/subnet-id", "subnet-0123456789abcdef0");
    });
    afterEach(() => installed.restore());

    it("lists every block in the Region, earliest first, with state, dates, type, instances, AZ, fee and who bought it", async () => {
        const { code, out, err } = await blocks(["--region", "us-east-2"]);
        expect(code, err).to.equal(0);
        const rows = out.split("\n").filter((l) => l.startsWith("cr-"));
        expect(rows.map((l) => l.split(/\s+/)[0])).to.deep.equal([older, `${theirs}`, ours]);
        expect(rows[0]).to.match(/expired\s+2026-11-21 11:30\s+2026-11-22 11:30\s+p5.48xlarge\s+0\/1\s+us-east-2a\s+960.00 USD\s+capblocks \(stack not tagged\)$/);
        expect(rows[1]).to.match(/ \*\s+scheduled\s+2026-11-24 11:30\s+2026-11-26 11:30\s+trn2.3xlarge\s+0\/1\s+us-east-2c\s+-\s+-$/);
        expect(rows[2]).to.match(/scheduled\s+2026-11-25 11:30\s+2026-11-26 11:30\s+p5.48xlarge\s+0\/2\s+us-east-2b\s+1920.00 USD\s+capblocks ml\/dev, copy 0f1e2d3c$/);
        expect(out).to.contain(`* /capacity-block/us-east-2/reservation-id holds ${theirs}`).and.contain("/capacity-block/us-east-2/subnet-id holds subnet-0123456789abcdef0");
        expect(market().calls.map((c) => c.operation)).to.not.include.members(["PurchaseCapacityBlock", "PutParameter", "DeleteParameter", "CreateTags"]);
    });

    it("asks several Regions side by side, and gives the blocks as JSON with their capblocks owner", async () => {
        const { code, out, err } = await blocks(["--regions", "us-east-1,us-east-2", "--json"]);
        expect(code).to.equal(0);
        expect(err).to.contain("listing Capacity Blocks in 2 Region(s): 2 of 2 done");
        const report = JSON.parse(out) as { blocks: Record<string, unknown>[] };
        expect(report.blocks.map((b) => `${String(b.region)} ${String(b.id)}`)).to.include(`us-east-1 ${elsewhere}`);
        expect(report.blocks.find((b) => b.id === ours)).to.deep.include({
            state: "scheduled", instanceType: "p5.48xlarge", instanceCount: 2, availabilityZone: "us-east-2b", upfrontFee: "1920.00", currencyCode: "USD",
            capblocks: { purchaseToken: "a".repeat(32), identity: "0f1e2d3c-aaaa-bbbb-cccc-123456789012", project: "ml", stack: "dev" }, publishedIn: [],
        });
        expect(report.blocks.find((b) => b.id === theirs)).to.deep.include({ capblocks: null, publishedIn: ["/capacity-block/us-east-2/reservation-id"] });
    });

    it("says a parameter naming no listed block, and one it may not read, without failing the listing", async () => {
        market().seedParameter("/capacity-block/us-east-1/reservation-id", "cr-0000000000000dead");
        const { code, out } = await blocks(["--region", "us-east-1"]);
        expect(code).to.equal(0);
        expect(out).to.contain("/capacity-block/us-east-1/reservation-id holds \"cr-0000000000000dead\", which is not a Capacity Block listed in us-east-1");
        market().denyParameters();
        const denied = await blocks(["--region", "us-east-1"]);
        expect(denied.code).to.equal(0);
        expect(denied.out).to.contain(elsewhere);
        expect(denied.err).to.contain("us-east-1: could not read /capacity-block/us-east-1/reservation-id: the credentials may not ssm:GetParameter in us-east-1");
    });

    it("says which Region could not be listed and why, lists the others, and exits 1", async () => {
        market().failInRegion("us-east-1", Object.assign(new Error("AWS was not able to validate the provided access credentials"), { name: "AuthFailure" }));
        const { code, out, err } = await blocks(["--regions", "us-east-1,us-east-2"]);
        expect(code).to.equal(1);
        expect(out).to.contain(ours);
        expect(err).to.contain("us-east-1: AWS did not accept the credentials in us-east-1 (AuthFailure: AWS was not able to validate the provided access credentials)")
            .and.contain("1 of 2 Region(s) could not be listed: the list above is incomplete.");
        expect(out).to.contain("Capacity Block(s) in us-east-2:");
        const none = await blocks(["--region", "us-east-1"]);
        expect([none.code, none.out]).to.deep.equal([1, ""]);
        expect(none.err).to.contain("No Region could be listed: nothing is listed.");
    });

    it("pages the listing with the bounded helper: a page token that repeats stops it with a message", async () => {
        market().repeatNextToken("DescribeCapacityReservations");
        const { code, err } = await blocks(["--region", "us-east-2"]);
        expect(code).to.equal(1);
        expect(err).to.contain("AWS answered page 2 with a page token it had already given");
    });

    it("refuses a Region that is not one before asking AWS", async () => {
        const { code, err } = await blocks(["--region", "useast2"]);
        expect([code, err.trim()]).to.deep.equal([2, "--region: useast2 is not an AWS Region name (e.g. us-east-2)"]);
        expect(market().calls).to.deep.equal([]);
    });
});
