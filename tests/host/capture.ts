import { execFile } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { promisify } from "util";

/** One resource to construct under Pulumi mocks: `new (require(modulePath)[className])(name, args)`. */
export interface ConstructRequest {
    /** Path of the module exporting the resource class (absolute, or relative to the project root). */
    modulePath: string;
    className: string;
    name: string;
    /** Constructor args; must be JSON. Values at the dotted paths in `secretArgs` are wrapped with pulumi.secret first. */
    args: Record<string, unknown>;
    secretArgs?: string[];
    /**
     * Which registration to return, when the class is a component: the resource of this type (and name, if given)
     * registered while it was constructed, e.g. the SsmTasks a CodeServerInstance creates. Default: `name` itself.
     */
    select?: { type: string; name?: string };
}

/** What the resource registered with the engine: the inputs the engine will send to Check (with `__provider`). */
export interface CapturedRegistration {
    type: string;
    name: string;
    urn: string;
    inputs: Record<string, unknown>;
    /** Dotted paths of the inputs that were secret in the program (the engine strips the wrapping before the host). */
    secretKeys: string[];
}

export interface CaptureOptions {
    project?: string;
    stack?: string;
    projectDir?: string;
    /** Results for invokes the constructors make, by token (e.g. "aws:ec2/getSubnet:getSubnet"); default: echo the args. */
    invokes?: Record<string, Record<string, unknown>>;
    /**
     * What the mocks answer for new resources, by type: the id (default `<name>-id`) and outputs beyond the inputs,
     * e.g. an `i-…` id for the instance a component runs its setup on, or a secret's ARN.
     */
    resources?: Record<string, MockedResource>;
}

export interface MockedResource {
    id?: string;
    outputs?: Record<string, unknown>;
}

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const CHILD = path.join(__dirname, "captureChild.ts");

/**
 * Runs the resource constructors in a fresh Node process under `pulumi.runtime.setMocks`, so `__provider` is the
 * text Pulumi's own serializer produced for a program loaded the way `pulumi up` loads it (ts-node, transpile-only),
 * untouched by whatever the test process has loaded or stubbed.
 */
export async function captureRegistrations(
    requests: ConstructRequest[],
    options: CaptureOptions = {},
): Promise<CapturedRegistration[]> {
    const projectDir = options.projectDir ?? PROJECT_DIR;
    const dir = mkdtempSync(path.join(tmpdir(), "capblocks-capture-"));
    try {
        const requestFile = path.join(dir, "request.json");
        const resultFile = path.join(dir, "result.json");
        const resolved = requests.map((r) => ({ ...r, modulePath: path.resolve(projectDir, r.modulePath) }));
        writeFileSync(requestFile, JSON.stringify({
            project: options.project ?? "capblocks",
            stack: options.stack ?? "dev",
            requests: resolved,
            invokes: options.invokes ?? {},
            resources: options.resources ?? {},
        }));
        await promisify(execFile)(
            process.execPath,
            ["--require", "ts-node/register/transpile-only", CHILD, requestFile, resultFile],
            { cwd: projectDir, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, timeout: 30_000 },
        ).catch((e: Error & { stderr?: string }) => {
            throw new Error(`capturing ${requests.map((r) => r.className).join(", ")} failed: ${e.stderr || e.message}`);
        });
        return JSON.parse(readFileSync(resultFile, "utf8")) as CapturedRegistration[];
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

export async function captureRegistration(request: ConstructRequest, options?: CaptureOptions): Promise<CapturedRegistration> {
    const [captured] = await captureRegistrations([request], options);
    return captured;
}
