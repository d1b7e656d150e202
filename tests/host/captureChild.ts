// Child-process side of capture.ts: constructs resources under Pulumi mocks and writes what they registered.
import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "module";
import { readFileSync, writeFileSync } from "fs";
import type { CapturedRegistration, ConstructRequest, MockedResource } from "./capture";
import { isSecret, unwrapSecrets } from "./wire";

interface ChildRequest {
    project: string;
    stack: string;
    requests: ConstructRequest[];
    invokes: Record<string, Record<string, unknown>>;
    resources: Record<string, MockedResource>;
}

type ResourceClass = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

type Registered = { type: string; name: string; urn: string; inputs: Record<string, unknown>; secretPaths: string[] };

interface WireRequest {
    getName(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * The registration the request asks for. A component registers its children asynchronously (after the outputs
 * they depend on resolve), so wait for the selected one by yielding to the event loop, within a bound.
 */
async function registration(registered: Registered[], from: number, req: ConstructRequest): Promise<Registered> {
    const wanted = (r: Registered): boolean => req.select
        ? r.type === req.select.type && (req.select.name === undefined || r.name === req.select.name)
        : r.name === req.name;
    for (let turn = 0; turn < 10_000; turn++) {
        const found = registered.slice(from).find(wanted);
        if (found) {
            return found;
        }
        await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`${req.className} ${req.name} registered no ${req.select ? req.select.type : "resource of its own"}`);
}

/** The args with the value at each dotted path (e.g. "aws.accessKey") wrapped with pulumi.secret. */
function withSecrets(args: Record<string, unknown>, paths: string[]): Record<string, unknown> {
    const wrapped = JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
    for (const path of paths) {
        const keys = path.split(".");
        const last = keys.pop() as string;
        const holder = keys.reduce((o, k) => o[k] as Record<string, unknown>, wrapped);
        holder[last] = pulumi.secret(holder[last]);
    }
    return wrapped;
}

/** Dotted paths of the secret values in registered inputs, e.g. ["apiToken", "aws.secretKey"]. */
function secretPaths(value: unknown, prefix = ""): string[] {
    if (isSecret(value)) return [prefix];
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
    return Object.entries(value).flatMap(([k, v]) => secretPaths(v, prefix ? `${prefix}.${k}` : k));
}

/**
 * Secret paths as the engine receives them, by resource name. The mocks' own deserialization lifts a nested
 * secret to the top-level key; the wire request keeps it where it is (as the engine stores it).
 */
function recordWireSecrets(): Map<string, string[]> {
    const byName = new Map<string, string[]>();
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: WireRequest, cb: unknown): unknown };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        byName.set(req.getName(), secretPaths(req.getObject()?.toJavaScript() ?? {}));
        return register(req, cb);
    };
    return byName;
}

async function main(requestFile: string, resultFile: string): Promise<void> {
    const job = JSON.parse(readFileSync(requestFile, "utf8")) as ChildRequest;
    const registered: Registered[] = [];
    let wireSecrets = new Map<string, string[]>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({
                    type: args.type,
                    name: args.name,
                    // Mocks do not say the parent, so a component child's URN lacks the parent-type chain; the host
                    // never reads the URN.
                    urn: `urn:pulumi:${job.stack}::${job.project}::${args.type}::${args.name}`,
                    inputs: args.inputs as Record<string, unknown>,
                    secretPaths: wireSecrets.get(args.name) ?? [],
                });
                const mocked = job.resources[args.type] ?? {};
                return { id: mocked.id ?? `${args.name}-id`, state: { ...args.inputs, ...mocked.outputs } };
            },
            call: (args) => job.invokes[args.token] ?? args.inputs,
        },
        job.project,
        job.stack,
        false,
    );
    wireSecrets = recordWireSecrets();
    const load = createRequire(__filename);
    const results: CapturedRegistration[] = [];
    for (const req of job.requests) {
        const Class = (load(req.modulePath) as Record<string, ResourceClass>)[req.className];
        if (typeof Class !== "function") {
            throw new Error(`${req.modulePath} exports no class ${req.className}`);
        }
        const args = withSecrets(req.args, req.secretArgs ?? []);
        const firstOfThisRequest = registered.length;
        new Class(req.name, args);
        const reg = await registration(registered, firstOfThisRequest, req);
        results.push({
            type: reg.type,
            name: reg.name,
            urn: reg.urn,
            // The dynamic host says acceptSecrets=false, so the engine sends secrets as plain values.
            inputs: unwrapSecrets(reg.inputs) as Record<string, unknown>,
            secretKeys: reg.secretPaths,
        });
    }
    writeFileSync(resultFile, JSON.stringify(results));
}

main(process.argv[2], process.argv[3]).catch((e: Error) => {
    console.error(e.stack ?? String(e));
    process.exitCode = 1;
});
