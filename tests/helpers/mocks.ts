/**
 * Test side of the offline mocks: install them with sensible defaults, then find what the program
 * registered and resolve outputs.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Assumptions, BlockFacts, MockRun, RecordedResource } from "../../scripts/offlineMocks";
import { installMocks, resolveOutputs, settle } from "../../scripts/offlineMocks";
import { pulumiConfigMap } from "../../scripts/plan";

export const REGION = "sa-east-1";

export function activeBlock(overrides: Partial<BlockFacts> = {}): BlockFacts {
    return {
        id: "cr-0123456789abcdef0",
        instanceType: "trn2.3xlarge",
        instanceCount: 1,
        availabilityZone: "sa-east-1b",
        state: "active",
        startDate: "2026-11-23T11:30:00.000Z",
        endDate: "2026-11-24T11:30:00.000Z",
        ...overrides,
    };
}

export async function mockAws(overrides: Partial<Assumptions> = {}, project = "capblocks", stack = "test"): Promise<MockRun> {
    return installMocks({ region: REGION, availabilityZone: "sa-east-1a", amiId: "ami-0example000000001", ...overrides }, project, stack);
}

export interface ProgramRun {
    run: MockRun;
    outputs?: Record<string, string>;
    error?: Error;
    /** What the program warned (what `pulumi preview` shows with the plan). */
    warnings: string[];
    /** What the program said with pulumi.log.info (preview's Diagnostics). */
    messages: string[];
}

/** Runs index.ts with this stack config (aws:region sa-east-1 unless given) against the mocks, as `pulumi up` would. */
export async function runProgram(
    config: Record<string, unknown>,
    assumptions: Partial<Assumptions>,
    names: { project?: string; stack?: string } = {},
): Promise<ProgramRun> {
    const run = await mockAws(assumptions, names.project, names.stack);
    const { values, secretKeys } = pulumiConfigMap({ "aws:region": REGION, ...config }, names.project ?? "capblocks");
    pulumi.runtime.setAllConfig(values, secretKeys);
    const entry = path.resolve(__dirname, "..", "..", "index.ts");
    delete require.cache[require.resolve(entry)];
    const warnings: string[] = [];
    const messages: string[] = [];
    const { warn, log } = console;
    // Without an engine, pulumi.log.warn prints `warning: [runtime] <message>` with console.warn, info with console.log.
    console.warn = (message: unknown) => void warnings.push(String(message).replace(/^warning: \[runtime\] /, ""));
    console.log = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        if (text.startsWith("info: [runtime] ")) messages.push(text.slice("info: [runtime] ".length));
        else log(...args);
    };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as () => Promise<Record<string, unknown>>;
        const outputs = await resolved<Record<string, string>>(await program());
        return { run, outputs, warnings, messages };
    } catch (error) {
        return { run, error: error as Error, warnings, messages };
    } finally {
        console.warn = warn;
        console.log = log;
        pulumi.runtime.setAllConfig({}, []);
    }
}

export function ofType(run: MockRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function oneOfType(run: MockRun, type: string): RecordedResource {
    const found = ofType(run, type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${run.resources.map((r) => r.type).join(", ")}`);
    return found[0];
}

/** Resolves an output (or tree of them) after every registration finished; secrets come back as "[secret]". */
export async function resolved<T = unknown>(value: unknown): Promise<T> {
    const out = (await resolveOutputs(value)) as T;
    await settle();
    return out;
}

export { settle };
