/**
 * Lists every Capacity Block offering for the given instance types, count and hours, across Availability Zones and
 * Regions, in one table: cheapest per accelerator-hour first. Read-only: it only calls DescribeCapacityBlockOfferings,
 * with your own AWS credentials and profile. Nothing is bought: `pulumi up` buys (by its own search, under a ceiling).
 *
 *   npm run offerings -- --type p5.48xlarge,p5e.48xlarge --count 1 --hours 24 [--regions us-east-1,us-east-2]
 *                        [--from 2026-12-01 --to 2026-12-08] [--profile NAME] [--json]
 */
import { acceleratorsPerInstance } from "../components/shared/catalog";
import { DURATION_RULE, isAllowedDuration, nearestDurations } from "../dynamic-providers/capacityBlock/durations";
import { searchOfferings } from "../dynamic-providers/capacityBlock/ec2";
import { clock } from "../dynamic-providers/shared/clock";
import type { Access, Ec2Reader } from "./capacity/awsAccess";
import { ec2Reader, errorForPeople, profileRegion, regionsToAsk } from "./capacity/awsAccess";
import type { Flags, GivenRegions } from "./capacity/cliArgs";
import { list, parseFlags, REGION_USAGE, regionFlags, text, UsageError } from "./capacity/cliArgs";
import type { FoundOffering } from "./capacity/offeringsReport";
import { buyHint, offeringsTable, rowOf, sortOfferings } from "./capacity/offeringsReport";
import type { Sink } from "./capacity/progress";
import { inParallel, progressLine } from "./capacity/progress";

const USAGE = "usage: npm run offerings -- --type TYPE[,TYPE…] --hours HOURS [--count N] [--from DATE --to DATE] " + REGION_USAGE;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
/** Searches at once: enough to ask a few Regions quickly, few enough not to be throttled. */
const AT_ONCE = 6;

interface Request {
    types: string[];
    count: number;
    hours: number;
    from?: Date;
    to?: Date;
    regions?: GivenRegions;
    access: Access;
    json: boolean;
}

function dateFlag(flags: Flags, name: string): Date | undefined {
    const value = text(flags, name);
    if (value === undefined) return undefined;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new UsageError(`--${name}: ${value} is not a date (e.g. 2026-12-01 or 2026-12-01T11:30:00Z)`);
    return date;
}

function requestFrom(argv: string[]): Request {
    const flags = parseFlags(argv, { values: ["type", "types", "count", "hours", "from", "to", "region", "regions", "profile"], switches: ["all-regions", "json", "help"] }, USAGE);
    if (flags.has("help")) throw new HelpAsked();
    const types = [...new Set(list(flags, "type") ?? list(flags, "types") ?? [])];
    if (types.length === 0) throw new UsageError(`--type is required (e.g. --type p5.48xlarge,p5e.48xlarge)\n${USAGE}`);
    const badTypes = types.filter((t) => !INSTANCE_TYPE.test(t));
    if (badTypes.length > 0) throw new UsageError(`--type: ${badTypes.join(", ")} is not an EC2 instance type (family.size, e.g. p5.48xlarge)`);
    const hours = Number(text(flags, "hours"));
    if (!text(flags, "hours")) throw new UsageError(`--hours is required (${DURATION_RULE})\n${USAGE}`);
    if (!isAllowedDuration(hours)) {
        const near = Number.isFinite(hours) ? nearestDurations(hours) : [];
        throw new UsageError(`--hours: ${text(flags, "hours")} is not a Capacity Block duration (${DURATION_RULE})${near.length ? `; nearest: ${near.join(" or ")}` : ""}`);
    }
    const count = Number(text(flags, "count") ?? "1");
    if (!Number.isInteger(count) || count < 1 || count > 64) throw new UsageError(`--count: ${text(flags, "count")} must be 1..64 instances (the Capacity Block limit)`);
    const from = dateFlag(flags, "from");
    const to = dateFlag(flags, "to");
    if (from && to && to.getTime() <= from.getTime()) throw new UsageError(`--to: ${to.toISOString()} must be later than --from ${from.toISOString()}`);
    return { types, count, hours, from, to, regions: regionFlags(flags), access: { profile: text(flags, "profile") }, json: flags.has("json") };
}

/** --help: the usage on stdout, exit 0. */
class HelpAsked extends Error {}

interface SearchResult {
    found: FoundOffering[];
    problem?: { region: string; instanceType: string; message: string };
}

async function searchOne(reader: Promise<Ec2Reader>, region: string, instanceType: string, r: Request): Promise<SearchResult> {
    try {
        const offerings = await searchOfferings(await reader, {
            instanceType, instanceCount: r.count, durationHours: r.hours, startAfter: r.from?.toISOString(), startBefore: r.to?.toISOString(),
        }, clock().now());
        // EC2 is asked for blocks ending by --to plus the hours; only those starting by --to are listed.
        const inWindow = offerings.filter((o) => !r.to || o.startDate.getTime() <= (r.to as Date).getTime());
        return { found: inWindow.map((o) => ({ ...o, region })) };
    } catch (err) {
        return { found: [], problem: { region, instanceType, message: errorForPeople(err, region, "ec2:DescribeCapacityBlockOfferings") } };
    }
}

/** CLI entry: 0 when every search answered, 1 when one failed (what was found is still printed), 2 for a bad request. */
export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    let r: Request;
    let regions: string[];
    try {
        r = requestFrom(argv);
        regions = await regionsToAsk(r.regions, env, () => profileRegion(r.access));
    } catch (e) {
        if (e instanceof HelpAsked) {
            out.write(`${USAGE}\n`);
            return 0;
        }
        err.write(`${(e as Error).message}\n`);
        return e instanceof UsageError ? 2 : 1;
    }
    const readers = new Map(regions.map((region) => [region, ec2Reader(region, r.access)]));
    const progress = progressLine(err, `searching ${r.types.length} type(s) in ${regions.length} Region(s)`, regions.length * r.types.length);
    const tasks = regions.flatMap((region) => r.types.map((type) => async () => {
        const result = await searchOne(readers.get(region) as Promise<Ec2Reader>, region, type, r);
        progress.step(`${region} ${type}: ${result.problem ? "failed" : `${result.found.length} found`}`);
        return result;
    }));
    const results = await inParallel(tasks, AT_ONCE);
    progress.done();
    const sorted = sortOfferings(results.flatMap((s) => s.found), acceleratorsPerInstance);
    const rows = sorted.map((o) => rowOf(o, acceleratorsPerInstance));
    const problems = results.flatMap((s) => (s.problem ? [s.problem] : []));
    if (r.json) {
        const request = { types: r.types, count: r.count, hours: r.hours, from: r.from?.toISOString() ?? null, to: r.to?.toISOString() ?? null, regions };
        out.write(`${JSON.stringify({ request, offerings: rows, problems }, null, 2)}\n`);
    } else if (problems.length < tasks.length) {
        out.write(`${report(r, regions, rows)}\n`);
    }
    writeProblems(err, problems, tasks.length);
    return problems.length > 0 ? 1 : 0;
}

/** Each problem once, with the searches it stopped (missing credentials stop every one the same way). */
function writeProblems(err: Sink, problems: NonNullable<SearchResult["problem"]>[], searches: number): void {
    const bySearch = new Map<string, string[]>();
    for (const p of problems) bySearch.set(p.message, [...(bySearch.get(p.message) ?? []), `${p.region} ${p.instanceType}`]);
    for (const [message, where] of bySearch) err.write(`${where.join(", ")}: ${message}\n`);
    if (problems.length === searches) err.write("Every search failed: nothing is listed.\n");
    else if (problems.length > 0) err.write(`${problems.length} of ${searches} searches failed: the list above is incomplete.\n`);
}

function report(r: Request, regions: string[], rows: ReturnType<typeof rowOf>[]): string {
    const what = `${r.count} x ${r.types.join(" or ")} for ${r.hours} h in ${regions.join(", ")}` +
        (r.from || r.to ? `, starting ${r.from ? `from ${r.from.toISOString()}` : ""}${r.from && r.to ? " " : ""}${r.to ? `by ${r.to.toISOString()}` : ""}` : "");
    if (rows.length === 0) return `No Capacity Block offering for ${what}. Try other dates, Regions, types or hours.`;
    const lines = [`${rows.length} offering(s) for ${what}, cheapest per accelerator-hour first (prices over the hours as bought):`, "", offeringsTable(rows), ""];
    const unknown = [...new Set(rows.filter((x) => x.acceleratorsPerInstance === null).map((x) => x.instanceType))];
    if (unknown.length > 0) lines.push(`Accelerators per instance of ${unknown.join(", ")} are not in capblocks' catalog: listed by price per instance-hour, after the others.`);
    const hint = rows.map((x) => buyHint(x, r.hours)).find((h) => h !== undefined);
    if (hint) lines.push("To have `pulumi up` buy the first USD offering (if it is still offered when up searches; offering ids change on every search):", `  ${hint}`);
    return lines.join("\n");
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
