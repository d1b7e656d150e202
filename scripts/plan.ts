/**
 * Offline plan: runs index.ts under Pulumi mocks with a stack's config, without AWS or the Pulumi CLI, and
 * prints the resources it would declare and the stack outputs. Values AWS would normally supply (AZ, AMI,
 * block facts and state) are assumed, and listed as such.
 *
 *   npm run plan -- --stack dev                 # reads Pulumi.dev.yaml
 *   npm run plan -- --config-file path.yaml     # any stack file
 *   options: --json, --block-state active|scheduled|expired|none (default: none for a block to buy, active for an adopted one)
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { StackConfig } from "../components/config";
import { ConfigError, rawStackConfigFrom, validateStackConfig } from "../components/config";
import type { Assumptions, BlockFacts, MockRun, RecordedResource } from "./offlineMocks";
import { SECRET_MARK, assumedStart, installMocks, resolveOutputs, settle } from "./offlineMocks";

const BLOCK_STATES = ["active", "scheduled", "expired", "none"] as const;
type AssumedBlockState = (typeof BLOCK_STATES)[number];

interface PlanOptions {
    stack?: string;
    configFile?: string;
    json?: boolean;
    blockState?: AssumedBlockState;
    projectDir?: string;
    now?: Date;
}

interface PlanResult {
    stack: string;
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
    /** Info messages the program logged (pulumi.log.info), as `pulumi preview` prints them under Diagnostics. */
    messages: string[];
    assumed: string[];
}

const ASSUMED_ADOPTED_ID = "cr-0adbeef0000000001";
/** The type of an adopted block whose config names none (`up` reads it from the block). */
const ASSUMED_ADOPTED_TYPE = "trn2.3xlarge";

const isSecure = (v: unknown): boolean => !!v && typeof v === "object" && !Array.isArray(v) && "secure" in v;

/** `v` with every secure value (`{secure: …}`) replaced by SECRET_MARK, and whether there was one. */
function masked(v: unknown): { value: unknown; secret: boolean } {
    if (isSecure(v)) return { value: SECRET_MARK, secret: true };
    if (!v || typeof v !== "object") return { value: v, secret: false };
    const entries = Object.entries(v).map(([k, x]) => [k, masked(x)] as const);
    const value = Object.fromEntries(entries.map(([k, x]) => [k, x.value]));
    return { value: Array.isArray(v) ? Object.values(value) : value, secret: entries.some(([, x]) => x.secret) };
}

/**
 * Pulumi hands objects to programs as JSON strings and scalars as strings; secure values stay hidden. Like
 * Pulumi, a key whose object holds a secure value (set with --secret --path) is secret as a whole.
 */
export function pulumiConfigMap(config: Record<string, unknown>, project: string): { values: Record<string, string>; secretKeys: string[] } {
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, v] of Object.entries(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        const { value, secret } = masked(v);
        values[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(key);
    }
    return { values, secretKeys };
}

/** What the mocks answer, from the validated config and the block state to assume. */
function assumptionsFor(cfg: StackConfig, blockState: AssumedBlockState, now = new Date()): Assumptions {
    const region = cfg.region;
    const r = cfg.reservation;
    const availabilityZone = (r?.kind === "buy" ? r.availabilityZones?.[0] : undefined) ?? cfg.codeServer.availabilityZone ?? `${region}a`;
    // The plan shows what `pulumi preview` would: the quote of a block still to buy.
    const a: Assumptions = { region, availabilityZone, amiId: "ami-0example000000001", preview: true };
    // Storage the config adopts is assumed to exist where it can be used.
    const volumeId = cfg.codeServer.workVolumeId;
    if (volumeId) a.volumes = { [volumeId]: { availabilityZone, encrypted: true, sizeGb: 200 } };
    const fileSystemId = cfg.cluster.sharedFileSystemId;
    if (fileSystemId) a.fileSystems = { [fileSystemId]: { encrypted: true } };
    const secrets = Object.values(cfg.codeServer.secrets ?? {});
    if (secrets.length) a.secrets = secrets;
    if (!r) return a;
    const id = r.kind === "adopt" ? r.id ?? ASSUMED_ADOPTED_ID : "cr-0b0b0000000000001";
    if (r.kind === "adopt" && r.parameterName) a.parameters = { [r.parameterName]: id };
    if (blockState === "none") return a;
    // The block was bought by the stack's last deployment, which recorded it in its outputs.
    if (r.kind === "buy") a.previousOutputs = { blockId: id, blockGeneration: String(r.generation) };
    const hours = r.kind === "buy" ? r.durationHours : 24;
    // Blocks start and end at 11:30 UTC: an active one started at the last 11:30, an expired one ended before it.
    const todayBoundary = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 11, 30);
    const lastBoundary = todayBoundary <= now.getTime() ? todayBoundary : todayBoundary - 24 * 3600_000;
    const start =
        blockState === "scheduled" ? assumedStart(now)
        : blockState === "expired" ? new Date(lastBoundary - (hours + 24) * 3600_000).toISOString()
        : new Date(lastBoundary).toISOString();
    const block: BlockFacts = {
        id,
        // A block bought among several types: the first; an adopted block of no stated type: the box's, else one assumed.
        instanceType: r.instanceType ?? (r.kind === "buy" ? r.instanceTypes?.[0] : undefined) ?? (cfg.codeServer.instanceType || ASSUMED_ADOPTED_TYPE),
        instanceCount: r.kind === "buy" ? r.instanceCount : 1,
        availabilityZone,
        state: blockState,
        startDate: start,
        endDate: new Date(Date.parse(start) + hours * 3600_000).toISOString(),
    };
    a.block = block;
    return a;
}

function stackFileOf(o: PlanOptions, projectDir: string): { file: string; stack: string } {
    if (o.configFile) {
        const m = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(o.configFile));
        return { file: path.resolve(o.configFile), stack: o.stack ?? (m ? m[1] : "plan") };
    }
    if (!o.stack) throw new Error("plan: give --stack NAME (reads Pulumi.NAME.yaml) or --config-file PATH");
    return { file: path.join(projectDir, `Pulumi.${o.stack}.yaml`), stack: o.stack };
}

/** Runs the program under mocks. Throws ConfigError for bad config, before anything is declared. */
async function runPlan(o: PlanOptions): Promise<PlanResult> {
    const projectDir = o.projectDir ?? path.resolve(__dirname, "..");
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const { file, stack } = stackFileOf(o, projectDir);
    if (!fs.existsSync(file)) {
        const stacks = fs.readdirSync(projectDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
        throw new Error(`plan: no stack file ${file} (stacks here: ${stacks.join(", ")})`);
    }
    let doc: { config?: Record<string, unknown> };
    try {
        doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as typeof doc;
    } catch (err) {
        throw new ConfigError([`${file}: is not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
    }
    const { values, secretKeys } = pulumiConfigMap(doc.config ?? {}, project);
    const cfg = validateStackConfig(rawStackConfigFrom(values, project, stack, secretKeys));
    // By default a block to buy is not bought yet (what preview of a new stack sees); an adopted one exists.
    const blockState = o.blockState ?? (cfg.reservation?.kind === "buy" ? "none" : "active");
    const assumptions = assumptionsFor(cfg, blockState, o.now);
    const run: MockRun = await installMocks(assumptions, project, stack);
    pulumi.runtime.setAllConfig(values, secretKeys);
    if (cfg.reservation) run.assumed.push(`block state ${blockState === "none" ? "not bought yet" : blockState} (choose with --block-state)`);
    if (cfg.reservation?.kind === "buy") {
        const previous = assumptions.previousOutputs;
        run.assumed.push(previous
            ? `this stack's last deployment recorded block ${previous.blockId} (generation ${previous.blockGeneration}) in its outputs`
            : "this stack has no outputs yet (its first deployment): nothing is recorded as bought");
    }
    if (cfg.reservation?.kind === "buy" && !assumptions.block) {
        run.assumed.push(`the block bought on this run is in ${assumptions.availabilityZone} and starts ${assumedStart(o.now)}`);
    }
    if (cfg.reservation?.kind === "buy") run.assumed.push(`the block costs its ceiling, ${cfg.reservation.maxUpfrontFee} USD (the most up pays)`);

    const entry = path.join(projectDir, "index.ts");
    delete require.cache[require.resolve(entry)];
    const { result, messages } = await withProgramMessages(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as () => Promise<Record<string, unknown>>;
        const resolved = (await resolveOutputs(await program())) as Record<string, unknown>;
        await settle();
        return resolved;
    });
    return { stack, resources: run.resources, outputs: result, messages, assumed: run.assumed };
}

const INFO_PREFIX = "info: [runtime] ";

/**
 * Runs `action`, collecting what the program logs with pulumi.log.info: with no engine (mocks) Pulumi prints it on
 * stdout, where it would break `--json`. Anything else printed there goes to stderr.
 */
async function withProgramMessages<T>(action: () => Promise<T>): Promise<{ result: T; messages: string[] }> {
    const messages: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        if (text.startsWith(INFO_PREFIX)) messages.push(text.slice(INFO_PREFIX.length));
        else console.error(text);
    };
    try {
        return { result: await action(), messages };
    } finally {
        console.log = log;
    }
}

function short(value: unknown): string {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 110 ? `${text.slice(0, 107)}...` : text;
}

/** The plan as text: the resource tree with key inputs, the outputs, then what was assumed. */
function formatPlan(p: PlanResult): string {
    const lines = [`capblocks offline plan for stack ${p.stack}: nothing is created and AWS is not called`, "", `Resources (${p.resources.length}):`];
    const children = (parent: string | null) => p.resources.filter((r) => r.parent === parent);
    const walk = (r: RecordedResource, depth: number) => {
        const pad = "  ".repeat(depth + 1);
        lines.push(`${pad}${r.name}  (${r.type})`);
        for (const [k, v] of Object.entries(r.inputs)) {
            if (v === undefined || (Array.isArray(v) && v.length === 0 && k !== "ingress")) continue;
            lines.push(`${pad}    ${k}: ${short(v)}`);
        }
        for (const [k, v] of Object.entries(r.options)) {
            if (k !== "dependsOn") lines.push(`${pad}    [${k}: ${short(v)}]`);
        }
        children(r.name).forEach((c) => walk(c, depth + 1));
    };
    children(null).forEach((r) => walk(r, 0));
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(p.outputs)) lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    if (p.messages.length > 0) {
        lines.push("", "Messages (`pulumi preview` prints these under Diagnostics):");
        p.messages.forEach((m) => lines.push(`  ${m}`));
    }
    lines.push("", "Assumed (offline; AWS decides these on `pulumi up`):");
    p.assumed.forEach((s) => lines.push(`  - ${s}`));
    return lines.join("\n");
}

function parseArgs(argv: string[]): PlanOptions {
    const o: PlanOptions = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`plan: ${arg} needs a value`);
            return v;
        };
        if (arg === "--stack") o.stack = value();
        else if (arg === "--config-file") o.configFile = value();
        else if (arg === "--json") o.json = true;
        else if (arg === "--block-state") {
            const s = value();
            if (!(BLOCK_STATES as readonly string[]).includes(s)) throw new Error(`plan: --block-state must be one of ${BLOCK_STATES.join(", ")}`);
            o.blockState = s as AssumedBlockState;
        } else throw new Error(`plan: unknown argument ${arg} (use --stack NAME | --config-file PATH, --json, --block-state STATE)`);
    }
    return o;
}

export interface Sink {
    write(chunk: string): unknown;
}

const CONFIG_KEY_LINE = /^(capblocks|aws):\S+: /;

/**
 * The config problems an error reports, one line each, or undefined when it is not about the config: a ConfigError,
 * or a program error (RunError) whose every line names a config key, e.g. a task file or a cluster rule.
 */
function configProblemsOf(e: unknown): string[] | undefined {
    if (e instanceof ConfigError) return e.problems;
    if (!(e instanceof pulumi.RunError)) return undefined;
    const lines = e.message.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !/^invalid .*:$/.test(l));
    return lines.length > 0 && lines.every((l) => CONFIG_KEY_LINE.test(l)) ? lines : undefined;
}

/** CLI entry: 0 on success, 2 for invalid config (only the config problems are printed, one format), 1 for other failures. */
export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr): Promise<number> {
    try {
        const o = parseArgs(argv);
        const result = await runPlan(o);
        const text = o.json
            ? JSON.stringify({
                  resources: result.resources.map(({ type, name, parent, inputs, options }) => ({ type, name, parent, inputs, options })),
                  outputs: result.outputs,
                  messages: result.messages,
                  assumed: result.assumed,
              }, null, 2)
            : formatPlan(result);
        out.write(`${text}\n`);
        return 0;
    } catch (e) {
        const problems = configProblemsOf(e);
        err.write(`${problems ? new ConfigError(problems).message : (e as Error).message}\n`);
        return problems ? 2 : 1;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
