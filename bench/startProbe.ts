/**
 * Run as its own Node process (transpiled to plain JS first, so no TypeScript is loaded before it starts):
 * registers ts-node the way @pulumi/pulumi/cmd/run/run.js does, then loads and evaluates the program
 * under the offline plan's mocks, timing each phase. Prints one JSON line.
 *
 *   node startProbe.js <projectDir> <stack> as-pulumi|type-check
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { performance } from "perf_hooks";

export interface ProbeResult {
    phases: { name: string; ms: number }[];
    totalMs: number;
    transpileOnly: boolean;
    exitCode: number;
}

async function probe(projectDir: string, stack: string, mode: string): Promise<ProbeResult> {
    const phases: { name: string; ms: number }[] = [{ name: "node start", ms: performance.now() }];
    let last = performance.now();
    const mark = (name: string) => {
        const now = performance.now();
        phases.push({ name, ms: now - last });
        last = now;
    };
    const load = createRequire(path.join(projectDir, "package.json"));
    load("@pulumi/pulumi");
    mark("@pulumi/pulumi (loads TypeScript itself)");
    // As run.js: transpileOnly from PULUMI_NODEJS_TRANSPILE_ONLY, else tsconfig's noCheck (undefined here),
    // so ts-node's own merge (which skips undefined) keeps tsconfig.json's "ts-node": {"transpileOnly": true}.
    const ts = load("typescript") as typeof import("typescript");
    const tsconfigPath = path.join(projectDir, "tsconfig.json");
    const compilerOptions = ts.parseConfigFileTextToJson(tsconfigPath, fs.readFileSync(tsconfigPath, "utf8")).config.compilerOptions ?? {};
    const service = (load("ts-node") as typeof import("ts-node")).register({
        compiler: "typescript",
        transpileOnly: mode === "type-check" ? false : undefined,
        project: tsconfigPath,
        skipProject: false,
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    });
    mark("ts-node register");
    load("@pulumi/aws");
    mark("@pulumi/aws (root index)");
    load("@pulumi/random");
    load("ajv");
    load("yaml");
    mark("@pulumi/random, ajv, yaml");
    const plan = load(path.join(projectDir, "scripts", "plan.ts")) as typeof import("../scripts/plan");
    load(path.join(projectDir, "index.ts"));
    mark(mode === "type-check" ? "project modules (type-check + load)" : "project modules (transpile + load)");
    const exitCode = await plan.main(["--stack", stack], { write: () => true });
    mark("program evaluation (mocks; serializes the dynamic providers)");
    return { phases, totalMs: performance.now(), transpileOnly: service.options.transpileOnly === true && service.options.typeCheck !== true, exitCode };
}

if (require.main === module) {
    const [projectDir, stack, mode] = process.argv.slice(2);
    void probe(projectDir, stack, mode).then((result) => {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        process.exit(0);
    });
}
