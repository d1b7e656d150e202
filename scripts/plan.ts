/**
 * Offline plan: runs index.ts under Pulumi mocks with a stack's config, without AWS or the Pulumi CLI, and
 * prints the resources it would declare and the stack outputs. Values AWS would normally supply (AZ, AMI,
 * block facts and state) are assumed, and listed as such. `npm run plan -- --help` says how to use it.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { StackConfig } from "../components/config";
import { ConfigError, rawStackConfigFrom, validateStackConfig } from "../components/config";
import { neverUsableMessage } from "../dynamic-providers/capacityBlock/states";
import type { MockRun } from "./offlineMocks";
import { SECRET_MARK, installMocks, resolveOutputs, settle } from "./offlineMocks";
import type { AssumedBlockState } from "./planAssumptions";
import { BLOCK_STATES, assumptionsFor } from "./planAssumptions";
import type { PlanResult } from "./planText";
import { formatPlan } from "./planText";

const USAGE = `usage: npm run plan -- (--stack NAME | --config-file PATH) [--json] [--block-state STATE] [--block-count N]

Runs index.ts under Pulumi's mocks with a stack's config: no AWS, no Pulumi CLI, nothing is created. Prints the
resources \`pulumi up\` would declare with their key inputs, the stack outputs, what \`pulumi preview\` would print
(the quote, warnings) and what was assumed in place of AWS.

  --stack NAME          read Pulumi.NAME.yaml in the project directory
  --config-file PATH    read any stack file (the stack is named after its Pulumi.<name>.yaml file name)
  --json                print JSON: {resources, outputs, messages, assumed, stack, blockState, warnings, errors}
  --block-state STATE   the block's state to assume: ${BLOCK_STATES.join(", ")}.
                        Default: none for a block to buy (not bought yet: what preview of a new stack sees),
                        active for an adopted one. Adopting, none means the config names no block yet.
                        Ignored on demand (no capblocks:reservation).
  --block-count N       an adopted block's instance count (default: the fewest the config can use); a block
                        to buy has capblocks:reservation.instanceCount
  --help                print this text

Exit status: 0 planned; 2 invalid stack configuration (only the config errors are printed, one line per key);
1 any other failure. With --json, errors and warnings are in the JSON too; run it as
\`npm run --silent plan -- ... --json\` so npm's banner stays out of it.
`;

interface PlanOptions {
    stack?: string;
    configFile?: string;
    json?: boolean;
    help?: boolean;
    blockState?: AssumedBlockState;
    blockCount?: number;
    projectDir?: string;
    now?: Date;
}

/** What a plan found out as far as it got: a failure still reports the stack, the state and what was assumed. */
interface PlanProgress {
    stack?: string;
    blockState?: string;
    messages: string[];
    warnings: string[];
    assumed: string[];
}

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

function stackFileOf(o: PlanOptions, projectDir: string): { file: string; stack: string } {
    if (o.configFile) {
        const m = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(o.configFile));
        return { file: path.resolve(o.configFile), stack: o.stack ?? (m ? m[1] : "plan") };
    }
    if (!o.stack) throw new Error("plan: give --stack NAME (reads Pulumi.NAME.yaml) or --config-file PATH");
    return { file: path.join(projectDir, `Pulumi.${o.stack}.yaml`), stack: o.stack };
}

/** The plan's own warnings about arguments that do not apply to this stack. */
function argumentWarnings(o: PlanOptions, cfg: StackConfig): string[] {
    const r = cfg.reservation;
    if (!r) {
        return [
            ...(o.blockState ? [`--block-state ${o.blockState} is ignored: this stack has no capblocks:reservation (instances run on demand)`] : []),
            ...(o.blockCount !== undefined ? [`--block-count ${o.blockCount} is ignored: this stack has no capblocks:reservation`] : []),
        ];
    }
    if (o.blockCount !== undefined && r.kind === "buy") {
        return [`--block-count ${o.blockCount} is ignored: a block to buy has capblocks:reservation.instanceCount (${r.instanceCount})`];
    }
    return [];
}

/** What `pulumi up` does with a block in this state that preview does not show: a failed payment stops it at the block. */
function upWarnings(cfg: StackConfig, blockState: AssumedBlockState, run: MockRun): string[] {
    if (cfg.reservation?.kind !== "buy" || blockState !== "payment-failed") return [];
    const block = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/capblocks:CapacityBlock");
    const message = neverUsableMessage(block?.id ?? "", blockState, cfg.reservation.generation);
    return message ? [`\`pulumi up\` stops at the block: ${message}`] : [];
}

/** Runs the program under mocks. Throws ConfigError for bad config, before anything is declared. */
async function runPlan(o: PlanOptions, progress: PlanProgress): Promise<PlanResult> {
    const projectDir = o.projectDir ?? path.resolve(__dirname, "..");
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const { file, stack } = stackFileOf(o, projectDir);
    progress.stack = stack;
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
    progress.warnings.push(...argumentWarnings(o, cfg));
    // By default a block to buy is not bought yet (what preview of a new stack sees); an adopted one exists.
    const blockState = o.blockState ?? (cfg.reservation?.kind === "buy" ? "none" : "active");
    if (cfg.reservation) progress.blockState = blockState;
    const { assumptions, assumed } = assumptionsFor(cfg, { state: blockState, ...(o.blockCount !== undefined ? { count: o.blockCount } : {}) }, o.now);
    const run: MockRun = await installMocks(assumptions, project, stack);
    // The mocks add what they assume as the program asks; the plan's own assumptions come first.
    run.assumed.push(...assumed);
    progress.assumed = run.assumed;
    pulumi.runtime.setAllConfig(values, secretKeys);

    const entry = path.join(projectDir, "index.ts");
    delete require.cache[require.resolve(entry)];
    const outputs = await withProgramLogs(progress, () => failingOnStrayErrors(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as () => Promise<Record<string, unknown>>;
        const resolved = (await resolveOutputs(await program())) as Record<string, unknown>;
        await settle();
        return resolved;
    }));
    progress.warnings.push(...upWarnings(cfg, blockState, run));
    const madeUpInOutputs = run.madeUp.filter((id) => Object.values(outputs).some((v) => typeof v === "string" && v.includes(id)));
    if (madeUpInOutputs.length > 0) {
        run.assumed.push(`ids and ARNs in the outputs are made up (marked * there; AWS assigns the real ones): ${madeUpInOutputs.join(", ")}`);
    }
    return {
        stack,
        ...(progress.blockState ? { blockState: progress.blockState } : {}),
        resources: run.resources,
        outputs,
        messages: progress.messages,
        warnings: progress.warnings,
        assumed: run.assumed,
        madeUp: run.madeUp,
    };
}

/** A failure in an apply reaches every registration that uses the output within a few ticks; then it is reported. */
const SETTLE_AFTER_FAILURE_MS = 100;

/**
 * Runs `action`, failing with the first error nothing awaits: a RunError thrown inside an apply rejects the
 * registration that serializes the output (Pulumi reports it after the run), while the program's own promise may
 * never settle. The other registrations that use the output fail the same way, before Node's handler is back.
 */
async function failingOnStrayErrors<T>(action: () => Promise<T>): Promise<T> {
    let fail: (reason: unknown) => void = () => undefined;
    const stray = new Promise<never>((_, reject) => (fail = reject));
    process.on("unhandledRejection", fail);
    try {
        return await Promise.race([action(), stray]);
    } catch (e) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_FAILURE_MS));
        throw e;
    } finally {
        process.off("unhandledRejection", fail);
    }
}

const INFO_PREFIX = "info: [runtime] ";
const WARNING_PREFIX = "warning: [runtime] ";

/**
 * Runs `action`, collecting what the program logs with pulumi.log.info and pulumi.log.warn: with no engine (mocks)
 * Pulumi prints them on stdout and stderr with a `[runtime]` prefix, where they would break \`--json\` and clutter the
 * text. Anything else printed on stdout goes to stderr.
 */
async function withProgramLogs<T>(progress: PlanProgress, action: () => Promise<T>): Promise<T> {
    const { log, warn } = console;
    console.log = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        if (text.startsWith(INFO_PREFIX)) progress.messages.push(text.slice(INFO_PREFIX.length));
        else console.error(text);
    };
    console.warn = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        if (!text.startsWith(WARNING_PREFIX)) return warn(...args);
        // The program may warn about one thing from several places (e.g. one instance type used twice): once is enough.
        const warning = text.slice(WARNING_PREFIX.length);
        if (!progress.warnings.includes(warning)) progress.warnings.push(warning);
    };
    try {
        return await action();
    } finally {
        console.log = log;
        console.warn = warn;
    }
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
        else if (arg === "--help" || arg === "-h") o.help = true;
        else if (arg === "--block-state") {
            const s = value();
            if (!(BLOCK_STATES as readonly string[]).includes(s)) throw new Error(`plan: --block-state must be one of ${BLOCK_STATES.join(", ")}`);
            o.blockState = s as AssumedBlockState;
        } else if (arg === "--block-count") {
            const n = value();
            if (!/^[1-9][0-9]*$/.test(n) || Number(n) > 64) throw new Error(`plan: --block-count ${n} is not an instance count (1..64)`);
            o.blockCount = Number(n);
        } else throw new Error(`plan: unknown argument ${arg} (see npm run plan -- --help)`);
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

/** The JSON plan: the original fields first, then the stack, the assumed state, warnings and errors. */
function planJson(result: PlanResult | undefined, progress: PlanProgress, errors: string[]): string {
    return JSON.stringify({
        resources: (result?.resources ?? []).map(({ type, name, parent, inputs, options }) => ({ type, name, parent, inputs, options })),
        outputs: result?.outputs ?? {},
        messages: progress.messages,
        assumed: result?.assumed ?? progress.assumed,
        stack: progress.stack ?? null,
        blockState: progress.blockState ?? null,
        warnings: progress.warnings,
        errors,
    }, null, 2);
}

/**
 * CLI entry: 0 on success, 2 for invalid config (only the config problems are printed, one format), 1 for other
 * failures. With --json the plan (or, on failure, its errors and what it got to) is also JSON on `out`.
 */
export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr): Promise<number> {
    const progress: PlanProgress = { messages: [], warnings: [], assumed: [] };
    let json = argv.includes("--json");
    try {
        const o = parseArgs(argv);
        json = o.json === true;
        if (o.help) {
            out.write(USAGE);
            return 0;
        }
        const result = await runPlan(o, progress);
        out.write(`${json ? planJson(result, progress, []) : formatPlan(result)}\n`);
        return 0;
    } catch (e) {
        const problems = configProblemsOf(e);
        // Pulumi names the input an apply failed in; the program's own message is what the user needs.
        const message = problems ? new ConfigError(problems).message : (e as Error).message.replace(/^error serializing property "[^"]*": /, "");
        // A state the user asked for may be why the program stopped: say it was assumed.
        const stateNote = progress.blockState && argv.includes("--block-state") ? progress.assumed.find((a) => a.startsWith("block state")) : undefined;
        err.write(`${message}\n${stateNote ? `(assumed offline: ${stateNote})\n` : ""}`);
        if (json) out.write(`${planJson(undefined, progress, problems ?? [message])}\n`);
        return problems ? 2 : 1;
    }
}

/**
 * Exits once everything written to `out` is flushed. The CLI exits itself because a failed program leaves Pulumi
 * promises pending, which Pulumi reports at a natural exit; exiting at once would cut off a plan larger than a
 * pipe's buffer whose reader is slower (`| jq`).
 */
export function exitWhenFlushed(code: number, out: NodeJS.WritableStream = process.stdout, exit: (code: number) => void = process.exit): void {
    out.write("", () => exit(code));
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => exitWhenFlushed(code));
}
