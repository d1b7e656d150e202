/**
 * Lists the account's Capacity Blocks in one or more Regions: state, dates, type, instances, AZ, what capblocks paid
 * (from its purchase tags), whether a capblocks stack bought it and which, and which block the seed scripts'
 * parameter `/capacity-block/<region>/reservation-id` names. Read-only: DescribeCapacityReservations and
 * ssm:GetParameter, with your own AWS credentials and profile.
 *
 *   npm run blocks [-- --region us-east-2 | --regions us-east-1,us-east-2 | --all-regions] [--profile NAME] [--json]
 */
import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { seedParameterNames } from "../components/reservation/seedParameters";
import { blocksIn, retryRead } from "../dynamic-providers/capacityBlock/ec2";
import { allPages } from "../dynamic-providers/shared/pages";
import type { Access } from "./capacity/awsAccess";
import { ec2Reader, errorForPeople, profileRegion, regionsToAsk, ssmReader } from "./capacity/awsAccess";
import type { BlockRow, PublishedId } from "./capacity/blocksReport";
import { blockRow, blocksTable, publishedNotes, sortBlocks } from "./capacity/blocksReport";
import { parseFlags, REGION_USAGE, regionFlags, text, UsageError } from "./capacity/cliArgs";
import type { Sink } from "./capacity/progress";
import { inParallel, progressLine } from "./capacity/progress";

const USAGE = `usage: npm run blocks -- ${REGION_USAGE}`;
const AT_ONCE = 6;

interface RegionResult {
    region: string;
    blocks: CapacityReservation[];
    published: PublishedId[];
    /** The blocks could not be listed. */
    problems: string[];
    /** A seed parameter could not be read: said, but the listing stands. */
    notes: string[];
}

async function blocksOf(region: string, access: Access): Promise<CapacityReservation[]> {
    const { sdk, reads } = await ec2Reader(region, access);
    const pages = await retryRead(() => allPages("DescribeCapacityReservations", (settings) =>
        sdk.paginateDescribeCapacityReservations({ client: reads, ...settings }, {})));
    return blocksIn(pages);
}

/** The seed scripts' parameters in `region` that exist; one that cannot be read is a note, not a stop. */
async function publishedIn(region: string, access: Access): Promise<{ published: PublishedId[]; notes: string[] }> {
    const { sdk, reads } = await ssmReader(region, access);
    const names = seedParameterNames(region);
    const kinds = [["reservation-id", names.reservationId], ["subnet-id", names.subnetId]] as const;
    const found = await Promise.all(kinds.map(async ([kind, name]) => {
        try {
            const out = await reads.send(new sdk.GetParameterCommand({ Name: name }));
            return { published: [{ region, kind, name, value: out.Parameter?.Value ?? "" }], notes: [] };
        } catch (err) {
            if ((err as Error)?.name === "ParameterNotFound") return { published: [], notes: [] };
            return { published: [], notes: [`could not read ${name}: ${errorForPeople(err, region, "ssm:GetParameter")}`] };
        }
    }));
    return { published: found.flatMap((f) => f.published), notes: found.flatMap((f) => f.notes) };
}

async function askRegion(region: string, access: Access): Promise<RegionResult> {
    try {
        const [blocks, parameters] = await Promise.all([blocksOf(region, access), publishedIn(region, access)]);
        return { region, blocks, ...parameters, problems: [] };
    } catch (err) {
        return { region, blocks: [], published: [], problems: [errorForPeople(err, region, "ec2:DescribeCapacityReservations")], notes: [] };
    }
}

/** CLI entry: 0 when every Region answered, 1 when one did not (what was found is still printed), 2 for a bad request. */
export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    let regions: string[];
    let access: Access;
    let json: boolean;
    try {
        const flags = parseFlags(argv, { values: ["region", "regions", "profile"], switches: ["all-regions", "json", "help"] }, USAGE);
        if (flags.has("help")) {
            out.write(`${USAGE}\n`);
            return 0;
        }
        access = { profile: text(flags, "profile") };
        json = flags.has("json");
        regions = await regionsToAsk(regionFlags(flags), env, () => profileRegion(access));
    } catch (e) {
        err.write(`${(e as Error).message}\n`);
        return e instanceof UsageError ? 2 : 1;
    }
    const progress = progressLine(err, `listing Capacity Blocks in ${regions.length} Region(s)`, regions.length);
    const results = await inParallel(regions.map((region) => async () => {
        const result = await askRegion(region, access);
        progress.step(`${region}: ${result.problems.length ? "failed" : `${result.blocks.length} block(s)`}`);
        return result;
    }), AT_ONCE);
    progress.done();
    const published = results.flatMap((r) => r.published);
    const rows = sortBlocks(results.flatMap((r) => r.blocks.map((b) => blockRow(r.region, b, published))));
    const problems = results.flatMap((r) => r.problems.map((p) => ({ region: r.region, message: p })));
    if (json) out.write(`${JSON.stringify({ regions, blocks: rows, parameters: published, problems }, null, 2)}\n`);
    else if (problems.length < regions.length) out.write(`${report(regions.filter((r) => !problems.some((p) => p.region === r)), rows, published)}\n`);
    for (const r of results) for (const line of [...r.problems, ...r.notes]) err.write(`${r.region}: ${line}\n`);
    if (problems.length === regions.length) err.write("No Region could be listed: nothing is listed.\n");
    else if (problems.length > 0) err.write(`${problems.length} of ${regions.length} Region(s) could not be listed: the list above is incomplete.\n`);
    return problems.length > 0 ? 1 : 0;
}

function report(regions: string[], rows: BlockRow[], published: PublishedId[]): string {
    const lines = rows.length === 0
        ? [`No Capacity Block in ${regions.join(", ")}.`]
        : [`${rows.length} Capacity Block(s) in ${regions.join(", ")}:`, "", blocksTable(rows)];
    const notes = publishedNotes(published, rows);
    return [...lines, ...(notes.length ? ["", ...notes] : [])].join("\n");
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
