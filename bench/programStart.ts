import { spawn } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import type { ProbeResult } from "./startProbe";
import { median } from "./stats";

export interface ProgramStart {
    /** `npm run plan -- --stack <stack>`, each run. */
    npmPlanMs: number[];
    /** The probe as Pulumi runs the program (tsconfig's transpileOnly honoured), each run. */
    asPulumi: ProbeResult[];
    /** The probe with full type-checking (PULUMI_NODEJS_TRANSPILE_ONLY=false). */
    typeCheck: ProbeResult[];
    /** The @pulumi/aws modules the components use: through the root index vs. the submodules directly. */
    awsRootMs: number;
    awsSubmodulesMs: number;
    /** pulumi.runtime.serializeFunction of each dynamic provider, cold, as a dynamic resource does it during preview. */
    serializeMs: Record<string, number>;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; stdout: string; code: number }> {
    const start = performance.now();
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "ignore"] });
        let stdout = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ ms: performance.now() - start, stdout, code: code ?? -1 }));
    });
}

/** The probe as plain JS: running it through ts-node would load TypeScript before the clock starts. */
function writeProbe(projectDir: string, dir: string): string {
    const ts = createRequire(path.join(projectDir, "package.json"))("typescript") as typeof import("typescript");
    const source = fs.readFileSync(path.join(__dirname, "startProbe.ts"), "utf8");
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    const file = path.join(dir, "startProbe.js");
    fs.writeFileSync(file, js.outputText);
    return file;
}

async function probe(file: string, projectDir: string, stack: string, mode: "as-pulumi" | "type-check"): Promise<ProbeResult> {
    const out = await run(process.execPath, [file, projectDir, stack, mode], projectDir);
    const result = JSON.parse(out.stdout.trim().split("\n").pop() ?? "{}") as ProbeResult;
    if (out.code !== 0 || result.exitCode !== 0) throw new Error(`start probe (${mode}) failed with code ${out.code}/${result.exitCode}`);
    return result;
}

/** Milliseconds to load the @pulumi/aws classes the components use, after @pulumi/pulumi, in a fresh process. */
async function awsLoadMs(projectDir: string, via: "root" | "submodules"): Promise<number> {
    const used = [["ec2", "Instance"], ["ec2", "LaunchTemplate"], ["ec2", "SecurityGroup"], ["ec2", "VolumeAttachment"], ["ec2", "getSubnet"],
        ["ebs", "Volume"], ["iam", "Role"], ["iam", "RolePolicy"], ["iam", "InstanceProfile"], ["secretsmanager", "Secret"], ["ssm", "getParameter"]];
    const code = [
        'const { performance } = require("perf_hooks"); require("@pulumi/pulumi"); const t = performance.now();',
        `const used = ${JSON.stringify(used)};`,
        via === "root"
            ? 'const aws = require("@pulumi/aws"); for (const [m, n] of used) void aws[m][n];'
            : 'for (const [m, n] of used) void require("@pulumi/aws/" + m)[n];',
        "console.log(performance.now() - t);",
    ].join("\n");
    return Number((await run(process.execPath, ["-e", code], projectDir)).stdout.trim());
}

/** Cold serialization of the dynamic providers (what every dynamic resource costs during preview/up), in a fresh process. */
async function serializeMs(projectDir: string): Promise<Record<string, number>> {
    const code = [
        'const { performance } = require("perf_hooks"); const pulumi = require("@pulumi/pulumi");',
        'const providers = { SsmTasks: require("./dynamic-providers/ssmTasks").ssmTasksProvider, CapacityBlock: require("./dynamic-providers/capacityBlock").capacityBlockProvider };',
        "(async () => { const out = {}; for (const [name, provider] of Object.entries(providers)) {",
        "  const t = performance.now(); await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true }); out[name] = performance.now() - t; }",
        "  console.log(JSON.stringify(out)); })();",
    ].join("\n");
    const out = await run(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], projectDir);
    return JSON.parse(out.stdout.trim().split("\n").pop() ?? "{}") as Record<string, number>;
}

export async function measureProgramStart(projectDir: string, stack: string, repeats: number): Promise<ProgramStart> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-probe-"));
    try {
        const file = writeProbe(projectDir, dir);
        const result: ProgramStart = { npmPlanMs: [], asPulumi: [], typeCheck: [], awsRootMs: 0, awsSubmodulesMs: 0, serializeMs: {} };
        for (let i = 0; i < repeats; i++) {
            const plan = await run("npm", ["run", "--silent", "plan", "--", "--stack", stack], projectDir);
            if (plan.code !== 0) throw new Error(`npm run plan -- --stack ${stack} failed with code ${plan.code}`);
            result.npmPlanMs.push(plan.ms);
            result.asPulumi.push(await probe(file, projectDir, stack, "as-pulumi"));
        }
        result.typeCheck.push(await probe(file, projectDir, stack, "type-check"));
        const roots: number[] = [];
        const subs: number[] = [];
        for (let i = 0; i < repeats; i++) {
            roots.push(await awsLoadMs(projectDir, "root"));
            subs.push(await awsLoadMs(projectDir, "submodules"));
        }
        result.awsRootMs = median(roots);
        result.awsSubmodulesMs = median(subs);
        result.serializeMs = await serializeMs(projectDir);
        return result;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
