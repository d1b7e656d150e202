/**
 * Runs index.ts under the offline mocks with a stack config, as `pulumi up` would run the program: what it
 * registered, its outputs or its error, and the warnings it printed (what `pulumi preview` shows with the plan).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Assumptions, MockRun } from "../../scripts/offlineMocks";
import { pulumiConfigMap } from "../../scripts/plan";
import { mockAws, resolved } from "../helpers/mocks";

export interface ProgramRun {
    run: MockRun;
    outputs?: Record<string, string>;
    error?: Error;
    warnings: string[];
}

export async function runProgram(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const run = await mockAws(assumptions);
    const { values, secretKeys } = pulumiConfigMap({ "aws:region": "sa-east-1", ...config }, "capblocks");
    pulumi.runtime.setAllConfig(values, secretKeys);
    const entry = path.resolve(__dirname, "..", "..", "index.ts");
    delete require.cache[require.resolve(entry)];
    const warnings: string[] = [];
    const warn = console.warn;
    // Without an engine, pulumi.log.warn prints `warning: [runtime] <message>` with console.warn.
    console.warn = (message: unknown) => void warnings.push(String(message).replace(/^warning: \[runtime\] /, ""));
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as () => Promise<Record<string, unknown>>;
        const outputs = await resolved<Record<string, string>>(await program());
        return { run, outputs, warnings };
    } catch (error) {
        return { run, error: error as Error, warnings };
    } finally {
        console.warn = warn;
        pulumi.runtime.setAllConfig({}, []);
    }
}
