import { expect } from "chai";
import { START } from "../helpers/capacityBlockMarket";
import { main } from "../../scripts/offerings";
import type { InstalledMarket, MarketOptions } from "../fakes/ec2CapacityBlockMarket";
import { install } from "../fakes/ec2CapacityBlockMarket";

/*
 * `npm run offerings` against the EC2 market fake: every offering across types, zones and Regions in one table,
 * cheapest per accelerator-hour first, prices over the hours as bought, currencies never mixed, read-only.
 */

// 24 h, one instance: p5 in us-east-2a 960.00 (5.00 per GPU-hour); p5e in us-east-2b 840.00 (4.38); p5e in us-east-1a
// 888.00 (4.63); a same-day p5 in us-east-1b starting 115 min from now, at 10:55 UTC, and ending at 11:30 UTC tomorrow.
const SUPPLY: MarketOptions["supply"] = [
    { instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 4, pricePerInstanceHour: 40, startDays: [2] },
    { instanceType: "p5e.48xlarge", availabilityZone: "us-east-2b", maxCount: 4, pricePerInstanceHour: 35, startDays: [3] },
    { instanceType: "p5e.48xlarge", availabilityZone: "us-east-1a", maxCount: 4, pricePerInstanceHour: 37, startDays: [1] },
    { instanceType: "p5.48xlarge", availabilityZone: "us-east-1b", maxCount: 4, pricePerInstanceHour: 40, startDays: [], sameDayStartMinutes: [115] },
];

class Capture {
    text = "";
    constructor(readonly isTTY = false) {}
    write(chunk: string): void {
        this.text += chunk;
    }
}

interface Run {
    code: number;
    out: string;
    err: string;
}

async function offerings(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    const out = new Capture();
    const err = new Capture();
    const code = await main(args, out, err, env);
    return { code, out: out.text, err: err.text };
}

interface JsonReport {
    request: Record<string, unknown>;
    offerings: Record<string, unknown>[];
    problems: { region: string; instanceType: string; message: string }[];
}

const TWO_TYPES = ["--type", "p5.48xlarge,p5e.48xlarge", "--count", "1", "--hours", "24", "--regions", "us-east-1,us-east-2"];

describe("npm run offerings", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    const start = (supply = SUPPLY) => {
        installed?.restore();
        installed = install({ start: START, supply });
    };
    beforeEach(() => start());
    afterEach(() => installed.restore());

    it("lists every offering of every type in every Region in one table, cheapest per accelerator-hour first", async () => {
        const { code, out, err } = await offerings(TWO_TYPES);
        expect(code, err).to.equal(0);
        const rows = out.split("\n").filter((l) => /^us-east-\d[a-z] /.test(l));
        expect(rows.map((l) => l.split(/\s{2,}/).slice(0, 2).join(" "))).to.deep.equal([
            "us-east-2b p5e.48xlarge", "us-east-1a p5e.48xlarge", "us-east-1b p5.48xlarge", "us-east-2a p5.48xlarge",
        ]);
        expect(rows[0]).to.contain("2026-11-26 11:30").and.contain("840.00 USD").and.contain("35.00 USD").and.contain("4.38 USD (8/instance)");
        // The same-day block runs 24 h 35 min as bought: 983.33 USD over that, 5.00 per GPU-hour like the whole-day one.
        expect(rows[2]).to.contain("24 h 35 min").and.contain("983.33 USD").and.contain("5.00 USD (8/instance)");
        expect(out).to.contain("4 offering(s) for 1 x p5.48xlarge or p5e.48xlarge for 24 h in us-east-1, us-east-2");
        expect(market().count("PurchaseCapacityBlock")).to.equal(0);
    });

    it("says on stderr how far the searches are, and searches each Region with a client in that Region", async () => {
        const { err } = await offerings(TWO_TYPES);
        expect(err.trim().split("\n").pop()).to.match(/^searching 2 type\(s\) in 2 Region\(s\): 4 of 4 done \(/);
        const asked = market().calls.filter((c) => c.operation === "DescribeCapacityBlockOfferings" && !(c.input as { NextToken?: string }).NextToken);
        expect(asked.map((c) => `${c.region} ${(c.input as { InstanceType: string }).InstanceType}`).sort()).to.deep.equal([
            "us-east-1 p5.48xlarge", "us-east-1 p5e.48xlarge", "us-east-2 p5.48xlarge", "us-east-2 p5e.48xlarge",
        ]);
        const tty = new Capture(true);
        await main(TWO_TYPES, new Capture(), tty, {});
        // On a terminal the line is rewritten in place (carriage return, erase line) and stays once done.
        expect(tty.text.startsWith("\r\u001b[Ksearching 2 type(s) in 2 Region(s): 0 of 4 done")).to.equal(true);
        expect(tty.text.endsWith("4 of 4 done\n")).to.equal(true);
    });

    it("gives every offering as JSON with its prices, hours as bought and accelerators", async () => {
        const { code, out } = await offerings([...TWO_TYPES, "--json"]);
        expect(code).to.equal(0);
        const report = JSON.parse(out) as JsonReport;
        expect(report.request).to.deep.include({ types: ["p5.48xlarge", "p5e.48xlarge"], count: 1, hours: 24, regions: ["us-east-1", "us-east-2"] });
        expect(report.offerings[0]).to.deep.include({
            region: "us-east-2", availabilityZone: "us-east-2b", instanceType: "p5e.48xlarge", upfrontFee: "840.00", currencyCode: "USD",
            minutes: 1440, hours: "24 h", acceleratorsPerInstance: 8, perInstanceHour: "35.00", perAcceleratorHour: "4.38",
        });
        expect(report.offerings[0].offeringId).to.match(/^cbo-/);
        expect(report.offerings[2]).to.deep.include({ minutes: 1475, hours: "24 h 35 min", perAcceleratorHour: "5.00" });
        expect(report.problems).to.deep.equal([]);
    });

    it("says how to have pulumi up buy the first offering, with a ceiling capblocks accepts", async () => {
        const { out } = await offerings(TWO_TYPES);
        expect(out).to.contain('aws:region us-east-2; capblocks:reservation: { instanceType: p5e.48xlarge, instanceCount: 1, durationHours: 24, ' +
            'availabilityZones: [us-east-2b], startAfter: "2026-11-26T11:30:00.000Z", startBefore: "2026-11-26T12:30:00.000Z", maxUpfrontFee: "840.00" }');
    });

    it("never ranks fees of different currencies together: USD first, the others after, and no buy hint for them", async () => {
        start([
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 4, pricePerInstanceHour: 40, startDays: [2] },
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2b", maxCount: 4, pricePerInstanceHour: 1, startDays: [1], currencyCode: "JPY" },
        ]);
        const { out } = await offerings(["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2"]);
        const rows = out.split("\n").filter((l) => /^us-east-2[a-z] /.test(l));
        expect(rows[0]).to.contain("960.00 USD");
        expect(rows[1]).to.contain("24.00 JPY");
        expect(out).to.contain("availabilityZones: [us-east-2a]").and.not.contain("availabilityZones: [us-east-2b]");
    });

    it("keeps only offerings starting in --from..--to", async () => {
        const { out } = await offerings([...TWO_TYPES, "--from", "2026-11-25T00:00:00Z", "--to", "2026-11-26T00:00:00Z", "--json"]);
        const found = (JSON.parse(out) as JsonReport).offerings.map((o) => `${String(o.availabilityZone)} ${String(o.startDate)}`);
        expect(found).to.deep.equal(["us-east-2a 2026-11-25T11:30:00.000Z"]);
    });

    it("lists a type capblocks has no accelerator count for after the others, by its price per instance-hour, and says so", async () => {
        start([...SUPPLY, { instanceType: "p9.48xlarge", availabilityZone: "us-east-2c", maxCount: 4, pricePerInstanceHour: 1, startDays: [1] }]);
        const { out } = await offerings(["--type", "p5e.48xlarge,p9.48xlarge", "--hours", "24", "--region", "us-east-2"]);
        const rows = out.split("\n").filter((l) => /^us-east-2[a-z] /.test(l));
        expect(rows.map((l) => l.split(/\s{2,}/)[1])).to.deep.equal(["p5e.48xlarge", "p9.48xlarge"]);
        expect(rows[1]).to.contain("? (accelerators unknown)");
        expect(out).to.contain("Accelerators per instance of p9.48xlarge are not in capblocks' catalog");
    });

    it("follows every page of every search: five offerings two to a page, all listed", async () => {
        installed.restore();
        installed = install({ start: START, pageSize: 2, supply: [
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 4, pricePerInstanceHour: 40, startDays: [1, 2, 3, 4, 5] },
        ] });
        const { code, out } = await offerings(["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2", "--json"]);
        expect(code).to.equal(0);
        expect((JSON.parse(out) as JsonReport).offerings).to.have.length(5);
        expect(market().calls.filter((c) => c.operation === "DescribeCapacityBlockOfferings")).to.have.length(3);
    });

    describe("errors for people", () => {
        it("retries throttled searches, and says so when EC2 keeps throttling; the other Region's offerings are still listed", async () => {
            market().throttle("DescribeCapacityBlockOfferings", 2);
            expect((await offerings(TWO_TYPES)).code).to.equal(0);
            market().failInRegion("us-east-1", Object.assign(new Error("Request limit exceeded."), { name: "RequestLimitExceeded" }));
            const { code, out, err } = await offerings(TWO_TYPES);
            expect(code).to.equal(1);
            expect(err).to.contain("us-east-1 p5.48xlarge, us-east-1 p5e.48xlarge: EC2 throttled ec2:DescribeCapacityBlockOfferings in us-east-1 after retries (RequestLimitExceeded: Request limit exceeded.); run it again in a minute")
                .and.contain("2 of 4 searches failed: the list above is incomplete.");
            expect(out).to.contain("us-east-2b").and.not.contain("us-east-1a");
        });

        it("names missing or expired credentials, a Region not enabled, and a listing that never ends", async () => {
            const cases: [Error, string][] = [
                [Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
                    "no usable AWS credentials (CredentialsProviderError: Could not load credentials from any providers); sign in (`aws sso login`, `aws configure`) or choose a profile with --profile NAME or AWS_PROFILE"],
                [Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredToken" }), "the AWS credentials have expired"],
                [Object.assign(new Error("You are not subscribed to this service."), { name: "OptInRequired" }), "us-east-1 is not enabled for this account"],
                [Object.assign(new Error("getaddrinfo ENOTFOUND ec2.us-east-1.amazonaws.com"), { name: "Error", code: "ENOTFOUND" }), "could not reach AWS in us-east-1"],
            ];
            for (const [error, message] of cases) {
                start();
                market().failInRegion("us-east-1", error);
                const { code, err } = await offerings(TWO_TYPES);
                expect(code).to.equal(1);
                expect(err).to.contain(message);
            }
            start();
            market().repeatNextToken("DescribeCapacityBlockOfferings");
            const { code, err } = await offerings(["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2"]);
            expect(code).to.equal(1);
            expect(err).to.contain("AWS answered page 2 with a page token it had already given");
        });

        it("says every search failed, once per cause, when none answered", async () => {
            market().failInRegion("us-east-1", Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
            market().failInRegion("us-east-2", Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
            const { code, out, err } = await offerings(TWO_TYPES);
            expect([code, out]).to.deep.equal([1, ""]);
            expect(err.split("\n").filter((l) => l.includes("no usable AWS credentials"))).to.have.length(1);
            expect(err).to.contain("us-east-1 p5.48xlarge, us-east-1 p5e.48xlarge, us-east-2 p5.48xlarge, us-east-2 p5e.48xlarge: no usable")
                .and.contain("Every search failed: nothing is listed.");
        });

        it("refuses a bad request before asking AWS: a Region that is not one, hours not sold, no type, no Region", async () => {
            const cases: [string[], string][] = [
                [["--type", "p5.48xlarge", "--hours", "24", "--regions", "us-east-2,us-est-1"], "--regions: us-est-1 is not an AWS Region name (e.g. us-east-2)"],
                [["--type", "p5.48xlarge", "--hours", "25", "--region", "us-east-2"], "--hours: 25 is not a Capacity Block duration (24..336 in steps of 24, or 504..4368 in steps of 168); nearest: 24 or 48"],
                [["--hours", "24", "--region", "us-east-2"], "--type is required"],
                [["--type", "p5", "--hours", "24", "--region", "us-east-2"], "--type: p5 is not an EC2 instance type"],
                [["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2", "--count", "65"], "--count: 65 must be 1..64"],
                [["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2", "--from", "2026-12-02", "--to", "2026-12-01"], "must be later than --from"],
                [["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2", "--regions", "us-east-1"], "give one of --region, --regions or --all-regions"],
                [["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2", "--buy"], "unknown argument --buy"],
            ];
            for (const [args, message] of cases) {
                const { code, err } = await offerings(args);
                expect(code, args.join(" ")).to.equal(2);
                expect(err).to.contain(message);
            }
            const config = process.env.AWS_CONFIG_FILE;
            process.env.AWS_CONFIG_FILE = "/nonexistent/capblocks-test-config";
            try {
                const { code, err } = await offerings(["--type", "p5.48xlarge", "--hours", "24"]);
                expect([code, err.trim()]).to.deep.equal([2, "no AWS Region: pass --region REGION (or --regions r1,r2), or set AWS_REGION, or a region in your AWS profile"]);
            } finally {
                if (config === undefined) delete process.env.AWS_CONFIG_FILE;
                else process.env.AWS_CONFIG_FILE = config;
            }
            expect(market().calls).to.deep.equal([]);
            const help = await offerings(["--help"]);
            expect([help.code, help.out]).to.deep.equal([0, "usage: npm run offerings -- --type TYPE[,TYPE…] --hours HOURS [--count N] [--from DATE --to DATE] " +
                "[--region REGION | --regions R1,R2 | --all-regions] [--profile NAME] [--json]\n"]);
        });

        it("takes the Region from AWS_REGION when none is given", async () => {
            const { out } = await offerings(["--type", "p5e.48xlarge", "--hours", "24", "--json"], { AWS_REGION: "us-east-1" });
            expect((JSON.parse(out) as JsonReport).offerings.map((o) => o.availabilityZone)).to.deep.equal(["us-east-1a"]);
        });
    });
});
