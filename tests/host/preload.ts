// Loaded into the dynamic-provider host by NODE_OPTIONS (after ts-node/register/transpile-only): installs the
// AWS fakes named in CAPBLOCKS_HOST_FAKES, records every AWS SDK call to CAPBLOCKS_HOST_CALL_LOG (JSON lines),
// and answers control messages from the harness over the IPC channel. It writes to stdout only when asked to
// flush (after the port line): the engine reads the host's first stdout line as its port.
import { appendFileSync } from "fs";
import { createRequire } from "module";
import type { AwsCall, FakeSpec, HostFakesConfig, SdkClientSpec } from "./hostProtocol";
import { CALL_LOG_ENV, FAKES_ENV, FLUSH_METHOD } from "./hostProtocol";

type Send = (this: unknown, command: { constructor: { name: string }; input?: unknown }, ...rest: unknown[]) => Promise<unknown>;
type ClientClass = { name: string; prototype: { send: Send } };

const load = createRequire(__filename);
const config = JSON.parse(process.env[FAKES_ENV] ?? "{}") as HostFakesConfig;
const callLog = process.env[CALL_LOG_ENV];

function logCall(entry: AwsCall): void {
    if (callLog) {
        appendFileSync(callLog, JSON.stringify(entry) + "\n");
    }
}

function installFake(spec: FakeSpec): unknown {
    const mod = load(spec.module) as Record<string, (options: unknown) => unknown>;
    const install = mod[spec.export ?? "install"];
    if (typeof install !== "function") {
        throw new Error(`fake ${spec.module} exports no function ${spec.export ?? "install"}`);
    }
    return install(spec.options);
}

/** aws-sdk-client-mock replaces `send` with a sinon stub; anything else would reach the real AWS. */
function isMocked(send: Send): boolean {
    return typeof (send as unknown as { restore?: unknown }).restore === "function";
}

function recordCalls(spec: SdkClientSpec): void {
    const Client = (load(spec.module) as Record<string, ClientClass>)[spec.export];
    const send = Client.prototype.send;
    const mocked = isMocked(send);
    Client.prototype.send = async function recordedSend(this: unknown, command, ...rest) {
        const operation = command.constructor.name.replace(/Command$/, "");
        const entry: AwsCall = { client: spec.export, operation, input: command.input };
        if (!mocked) {
            const message = `no fake installed for ${spec.export}.${operation}: the host harness never calls real AWS`;
            logCall({ ...entry, error: message });
            throw new Error(message);
        }
        try {
            const out = await send.call(this, command, ...rest);
            logCall(entry);
            return out;
        } catch (e) {
            logCall({ ...entry, error: (e as Error).name || String(e) });
            throw e;
        }
    };
}

const handles = new Map<string, unknown>();
for (const spec of config.fakes ?? []) {
    handles.set(spec.name, installFake(spec));
}
for (const spec of config.clients ?? []) {
    recordCalls(spec);
}

// The real host has no TypeScript loader: stop compiling .ts now that the fakes are loaded, so provider code that
// requires a .ts file at run time fails here as it would under `pulumi up`.
(process as unknown as Record<symbol, { enabled(on: boolean): void } | undefined>)[Symbol.for("ts-node.register.instance")]?.enabled(false);

interface ControlMessage {
    seq: number;
    fake: string;
    method: string;
    args: unknown[];
}

process.on("message", (raw) => {
    const msg = raw as ControlMessage;
    void (async () => {
        try {
            if (msg.method === FLUSH_METHOD) {
                process.stdout.write(`${String(msg.args[0])}\n`);
                process.stderr.write(`${String(msg.args[0])}\n`);
                process.send?.({ seq: msg.seq, result: null });
                return;
            }
            const handle = handles.get(msg.fake) as Record<string, (...a: unknown[]) => unknown> | undefined;
            if (!handle || typeof handle[msg.method] !== "function") {
                throw new Error(`fake "${msg.fake}" has no control method ${msg.method}`);
            }
            const result = await handle[msg.method](...msg.args);
            process.send?.({ seq: msg.seq, result: result ?? null });
        } catch (e) {
            process.send?.({ seq: msg.seq, error: (e as Error).message });
        }
    })();
});
// The harness owns this process: if it goes away, so does the host.
process.on("disconnect", () => process.exit(0));
