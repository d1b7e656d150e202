import type { ChildProcess} from "child_process";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { JavaScriptValue} from "google-protobuf/google/protobuf/struct_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { PROJECT_DIR, type CapturedRegistration } from "./capture";
import { containsSecret } from "./wire";
import type { AwsCall, FakeSpec, HostFakesConfig, SdkClientSpec } from "./hostProtocol";
import { CALL_LOG_ENV, FAKES_ENV, FLUSH_METHOD } from "./hostProtocol";

// Drives @pulumi/pulumi's dynamic-provider host (cmd/dynamic-provider) over gRPC with the requests the engine sends.
// Request shapes follow pulumi 3.248's sdk/go/common/resource/plugin/provider_plugin.go (Check/Diff/Create/Read/
// Update/Delete); the plugin launch follows newPlugin in plugin.go (engine address as the only argument, first
// stdout line is the port, later stdout/stderr lines become un-attributed info/error messages for the user).

export type Props = Record<string, unknown>;

export { UNKNOWN } from "./wire";

/** The host answers Handshake UNIMPLEMENTED, so the engine takes the protocol from ConfigureResponse. */
export interface HostProtocol {
    acceptSecrets: boolean;
    acceptResources: boolean;
    supportsPreview: boolean;
}

export interface HostOptions {
    /** Fakes to install in the host (paths relative to the project root are resolved). */
    fakes?: FakeSpec[];
    /** SDK clients whose calls are recorded; a call to one no fake mocked is refused. Default: EC2Client, SSMClient. */
    clients?: SdkClientSpec[];
    /** PULUMI_NODEJS_PROJECT / PULUMI_PROJECT, as the engine sets for the pulumi-nodejs plugin. */
    project?: string;
    projectDir?: string;
}

export const DEFAULT_CLIENTS: SdkClientSpec[] = [
    { module: "@aws-sdk/client-ec2", export: "EC2Client" },
    { module: "@aws-sdk/client-ssm", export: "SSMClient" },
];

/** A line the host printed after its port line: what `pulumi up` shows the user (without a resource name). */
export interface HostMessage {
    stream: "stdout" | "stderr";
    text: string;
}

export interface InitFailure {
    id: string;
    properties: Props;
    reasons: string[];
}

/** A failed provider call as the engine receives it: gRPC code, message, and ErrorResourceInitFailed if present. */
export class ProviderCallError extends Error {
    constructor(
        readonly method: string,
        readonly code: grpc.status,
        readonly details: string,
        readonly initFailure: InitFailure | undefined,
    ) {
        super(`${method} failed (${grpc.status[code]}): ${details}`);
    }
}

export type DiffKind = "DIFF_UNKNOWN" | "DIFF_NONE" | "DIFF_SOME";

export interface CheckResult {
    inputs: Props;
    failures: { property: string; reason: string }[];
}

export interface DiffResult {
    changes: DiffKind;
    replaces: string[];
    deleteBeforeReplace: boolean;
}

/** Outputs as the engine stores them, plus the output paths the engine would mark secret (its annotateSecrets). */
export interface StateResult {
    id: string;
    properties: Props;
    secretOutputs: string[];
}

export interface ReadResult extends StateResult {
    inputs?: Props;
}

type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;
type Unary<Req, Res> = (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown;

const DIFF_KINDS: Record<number, DiffKind> = {
    [provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "DIFF_UNKNOWN",
    [provproto.DiffResponse.DiffChanges.DIFF_NONE]: "DIFF_NONE",
    [provproto.DiffResponse.DiffChanges.DIFF_SOME]: "DIFF_SOME",
};
const HOST_SCRIPT = path.join("node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider");
const PRELOAD = path.join(__dirname, "preload.ts");
const CALL_TIMEOUT_MS = 20_000;
const FLUSH_MARKER = "capblocks-harness-flush-7f3a";

function toStruct(props: Props): Struct {
    return Struct.fromJavaScript(props as Record<string, JavaScriptValue>);
}

function fromStruct(s: Struct | undefined): Props {
    return (s?.toJavaScript() ?? {}) as Props;
}

/** Decodes the `grpc-status-details-bin` trailer the host packs for errors carrying an `id` (grpcResponseFromError). */
function decodeInitFailure(err: grpc.ServiceError): InitFailure | undefined {
    const [bin] = err.metadata?.get("grpc-status-details-bin") ?? [];
    if (!bin) {
        return undefined;
    }
    const status = statusproto.Status.deserializeBinary(new Uint8Array(bin as Buffer));
    for (const detail of status.getDetailsList()) {
        if (detail.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
            const failed = detail.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
            if (failed) {
                return { id: failed.getId(), properties: fromStruct(failed.getProperties()), reasons: failed.getReasonsList() };
            }
        }
    }
    return undefined;
}

/**
 * Output paths the engine stores as secrets: keys holding a secret-signature object (it unmarshals outputs with
 * KeepSecrets), and each output at the path of a secret input (provider_plugin.go annotateSecrets, since
 * acceptSecrets=false: it descends while both the input and the output are objects, and marks the output where
 * the input value is, or contains, a secret).
 */
function secretOutputs(outputs: Props, secretInputPaths: string[]): string[] {
    const isObject = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);
    const markedAt = (path: string): string | undefined => {
        const keys = path.split(".");
        let out: unknown = outputs;
        for (let i = 0; i < keys.length; i++) {
            if (!isObject(out) || !(keys[i] in out)) return undefined;
            out = out[keys[i]];
            if (!isObject(out) || i === keys.length - 1) return keys.slice(0, i + 1).join(".");
        }
        return undefined;
    };
    const marked = Object.keys(outputs).filter((k) => containsSecret(outputs[k]));
    for (const path of secretInputPaths) marked.push(markedAt(path) ?? "");
    return [...new Set(marked.filter((p) => p !== ""))].sort();
}

/**
 * Splits the host's stdout/stderr into lines: the first stdout line is the port (as the engine reads it), the rest
 * are user-visible messages. Flush markers, echoed by the preload on request, prove both pipes are drained.
 */
class HostOutput {
    readonly messages: HostMessage[] = [];
    readonly port: Promise<number>;
    private readonly flushWaiters: Record<HostMessage["stream"], (() => void)[]> = { stdout: [], stderr: [] };
    private portSeen = false;
    private early = "";

    constructor(child: ChildProcess) {
        this.port = new Promise((resolve, reject) => {
            for (const stream of ["stdout", "stderr"] as const) {
                let pending = "";
                child[stream]?.setEncoding("utf8");
                child[stream]?.on("data", (chunk: string) => {
                    pending += chunk;
                    const lines = pending.split("\n");
                    pending = lines.pop() ?? "";
                    for (const text of lines) {
                        if (stream === "stdout" && !this.portSeen) {
                            this.portSeen = true;
                            resolve(Number(text.trim()));
                        } else {
                            this.line(stream, text);
                        }
                    }
                });
            }
            child.once("exit", (code) => {
                if (!this.portSeen) {
                    reject(new Error(`dynamic-provider host exited (${code}) before printing its port: ${this.early}`));
                }
            });
        });
    }

    flushed(): Promise<void> {
        const one = (stream: HostMessage["stream"]): Promise<void> =>
            new Promise((resolve) => this.flushWaiters[stream].push(resolve));
        return Promise.all([one("stdout"), one("stderr")]).then(() => undefined);
    }

    private line(stream: HostMessage["stream"], text: string): void {
        if (text === FLUSH_MARKER) {
            this.flushWaiters[stream].shift()?.();
        } else if (text.trim() !== "") {
            if (!this.portSeen) {
                this.early += text + "\n";
            }
            this.messages.push({ stream, text });
        }
    }
}

export class ProviderHost {
    private controlSeq = 0;
    private readonly pendingControls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

    private constructor(
        private readonly child: ChildProcess,
        private readonly output: HostOutput,
        private readonly client: ResourceProviderClient,
        private readonly tempDir: string,
        readonly protocol: HostProtocol,
    ) {}

    /** Starts the host the way the engine does and configures it (Handshake, then Configure). */
    static async start(options: HostOptions = {}): Promise<ProviderHost> {
        const projectDir = options.projectDir ?? PROJECT_DIR;
        const project = options.project ?? "capblocks";
        const tempDir = mkdtempSync(path.join(tmpdir(), "capblocks-host-"));
        const fakesConfig: HostFakesConfig = {
            fakes: (options.fakes ?? []).map((f) => ({ ...f, module: path.resolve(projectDir, f.module) })),
            clients: options.clients ?? DEFAULT_CLIENTS,
        };
        const nodeOptions = [process.env.NODE_OPTIONS ?? "", "--require ts-node/register/transpile-only", `--require ${JSON.stringify(PRELOAD)}`];
        // The engine passes its own address; this host version never dials it (pulumi.log falls back to the console).
        const child = spawn(process.execPath, [path.join(projectDir, HOST_SCRIPT), "127.0.0.1:0"], {
            cwd: projectDir,
            env: {
                ...process.env,
                NODE_OPTIONS: nodeOptions.join(" ").trim(),
                TS_NODE_TRANSPILE_ONLY: "true",
                PULUMI_NODEJS_PROJECT: project,
                PULUMI_PROJECT: project,
                PULUMI_CONFIG: "{}",
                [FAKES_ENV]: JSON.stringify(fakesConfig),
                [CALL_LOG_ENV]: path.join(tempDir, "aws-calls.jsonl"),
            },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
        });
        const output = new HostOutput(child);
        try {
            const client = new ResourceProviderClient(`127.0.0.1:${await output.port}`, grpc.credentials.createInsecure());
            const protocol = await ProviderHost.connect(client, projectDir);
            const host = new ProviderHost(child, output, client, tempDir, protocol);
            host.listen();
            return host;
        } catch (e) {
            child.kill();
            rmSync(tempDir, { recursive: true, force: true });
            throw e;
        }
    }

    /** The engine's opening calls: Handshake (UNIMPLEMENTED here), GetPluginInfo, then Configure. */
    private static async connect(client: ResourceProviderClient, projectDir: string): Promise<HostProtocol> {
        await ProviderHost.handshake(client, projectDir);
        await call("GetPluginInfo", client.getPluginInfo.bind(client), new Empty());
        const configureReq = new provproto.ConfigureRequest();
        configureReq.setArgs(toStruct({}));
        configureReq.setAcceptsecrets(true);
        configureReq.setAcceptresources(true);
        configureReq.setSendsOldInputs(true);
        configureReq.setSendsOldInputsToDelete(true);
        const configured = await call<provproto.ConfigureRequest, provproto.ConfigureResponse>(
            "Configure", client.configure.bind(client), configureReq,
        );
        return {
            acceptSecrets: configured.getAcceptsecrets(),
            acceptResources: configured.getAcceptresources(),
            supportsPreview: configured.getSupportspreview(),
        };
    }

    private listen(): void {
        this.child.on("message", (raw) => {
            const msg = raw as { seq: number; result?: unknown; error?: string };
            const waiter = this.pendingControls.get(msg.seq);
            this.pendingControls.delete(msg.seq);
            if (msg.error !== undefined) {
                waiter?.reject(new Error(msg.error));
            } else {
                waiter?.resolve(msg.result);
            }
        });
    }

    /**
     * The engine handshakes first and falls back to Configure's answer when the host says UNIMPLEMENTED, which
     * 3.248's host does. A host that implements Handshake would change the protocol this harness assumes.
     */
    private static async handshake(client: ResourceProviderClient, projectDir: string): Promise<void> {
        const req = new provproto.ProviderHandshakeRequest();
        req.setEngineAddress("127.0.0.1:0");
        req.setRootDirectory(projectDir);
        req.setProgramDirectory(projectDir);
        req.setConfigureWithUrn(true);
        req.setSupportsViews(true);
        req.setSupportsRefreshBeforeUpdate(true);
        try {
            await call("Handshake", client.handshake.bind(client), req);
        } catch (e) {
            if (e instanceof ProviderCallError && e.code === grpc.status.UNIMPLEMENTED) {
                return;
            }
            throw e;
        }
        throw new Error("the dynamic-provider host now implements Handshake: update the harness to take the protocol from it");
    }

    /** Calls a method on the control handle a fake's install() returned (arguments and result are JSON). */
    control(fake: string, method: string, ...args: unknown[]): Promise<unknown> {
        const seq = ++this.controlSeq;
        return new Promise((resolve, reject) => {
            this.pendingControls.set(seq, { resolve, reject });
            this.child.send({ seq, fake, method, args });
        });
    }

    /** Everything the host printed so far (after its port line), in order, once both pipes have been drained. */
    async messages(): Promise<HostMessage[]> {
        const flushed = this.output.flushed();
        await this.control("", FLUSH_METHOD, FLUSH_MARKER);
        await flushed;
        return [...this.output.messages];
    }

    /** AWS SDK calls the provider made in the host, in order. */
    calls(): AwsCall[] {
        let text: string;
        try {
            text = readFileSync(path.join(this.tempDir, "aws-calls.jsonl"), "utf8");
        } catch {
            return [];
        }
        return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as AwsCall);
    }

    /** A client for one resource, with the engine's request shapes filled in from what it registered. */
    resource(registration: CapturedRegistration): ResourceClient {
        return new ResourceClient(this, registration);
    }

    async check(reg: CapturedRegistration, news: Props, olds: Props): Promise<CheckResult> {
        const req = new provproto.CheckRequest();
        req.setUrn(reg.urn);
        req.setName(reg.name);
        req.setType(reg.type);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setRandomseed(randomBytes(32));
        const res = await call<provproto.CheckRequest, provproto.CheckResponse>("Check", this.client.check.bind(this.client), req);
        return {
            inputs: fromStruct(res.getInputs()),
            failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(reg: CapturedRegistration, id: string, olds: Props, news: Props, oldInputs: Props): Promise<DiffResult> {
        const req = new provproto.DiffRequest();
        req.setId(id);
        req.setUrn(reg.urn);
        req.setName(reg.name);
        req.setType(reg.type);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setOldInputs(toStruct(oldInputs));
        const res = await call<provproto.DiffRequest, provproto.DiffResponse>("Diff", this.client.diff.bind(this.client), req);
        return {
            changes: DIFF_KINDS[res.getChanges()],
            replaces: res.getReplacesList(),
            deleteBeforeReplace: res.getDeletebeforereplace(),
        };
    }

    async create(reg: CapturedRegistration, properties: Props): Promise<StateResult> {
        const req = new provproto.CreateRequest();
        req.setUrn(reg.urn);
        req.setName(reg.name);
        req.setType(reg.type);
        req.setProperties(toStruct(properties));
        req.setPreview(false);
        const res = await call<provproto.CreateRequest, provproto.CreateResponse>("Create", this.client.create.bind(this.client), req);
        const outputs = fromStruct(res.getProperties());
        return { id: res.getId(), properties: outputs, secretOutputs: secretOutputs(outputs, reg.secretKeys) };
    }

    async read(reg: CapturedRegistration, id: string, properties: Props, inputs: Props): Promise<ReadResult> {
        const req = new provproto.ReadRequest();
        req.setId(id);
        req.setUrn(reg.urn);
        req.setName(reg.name);
        req.setType(reg.type);
        req.setProperties(toStruct(properties));
        req.setInputs(toStruct(inputs));
        const res = await call<provproto.ReadRequest, provproto.ReadResponse>("Read", this.client.read.bind(this.client), req);
        const outputs = fromStruct(res.getProperties());
        return {
            id: res.getId(),
            properties: outputs,
            inputs: res.hasInputs() ? fromStruct(res.getInputs()) : undefined,
            secretOutputs: secretOutputs(outputs, reg.secretKeys),
        };
    }

    async update(reg: CapturedRegistration, id: string, olds: Props, news: Props, oldInputs: Props): Promise<StateResult> {
        const req = new provproto.UpdateRequest();
        req.setId(id);
        req.setUrn(reg.urn);
        req.setName(reg.name);
        req.setType(reg.type);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setOldInputs(toStruct(oldInputs));
        req.setPreview(false);
        const res = await call<provproto.UpdateRequest, provproto.UpdateResponse>("Update", this.client.update.bind(this.client), req);
        const outputs = fromStruct(res.getProperties());
        return { id, properties: outputs, secretOutputs: secretOutputs(outputs, reg.secretKeys) };
    }

    async delete(reg: CapturedRegistration, id: string, properties: Props, oldInputs: Props): Promise<void> {
        const req = new provproto.DeleteRequest();
        req.setId(id);
        req.setUrn(reg.urn);
        req.setName(reg.name);
        req.setType(reg.type);
        req.setProperties(toStruct(properties));
        req.setOldInputs(toStruct(oldInputs));
        await call("Delete", this.client.delete.bind(this.client), req);
    }

    /** Stops the host process this harness started and removes its temp files. */
    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) {
            const exited = new Promise((resolve) => this.child.once("exit", resolve));
            this.child.kill();
            await exited;
        }
        rmSync(this.tempDir, { recursive: true, force: true });
    }
}

/**
 * One resource's view of the host, with the brief's signatures. `olds` are the resource's last outputs (state) and
 * `oldInputs` its last inputs, as the engine keeps them; both default to what this client last saw for the resource.
 */
export class ResourceClient {
    /** Inputs the engine recorded for this resource after the last successful create/update (Check's result). */
    lastInputs: Props = {};

    constructor(
        private readonly host: ProviderHost,
        readonly registration: CapturedRegistration,
    ) {}

    /** The registered inputs, optionally changed: what the program would send on the next `pulumi up`. */
    inputs(changes: Props = {}): Props {
        return { ...this.registration.inputs, ...changes };
    }

    check(news: Props = this.inputs(), olds: Props = {}): Promise<CheckResult> {
        return this.host.check(this.registration, news, olds);
    }

    diff(id: string, olds: Props, news: Props, oldInputs: Props = this.lastInputs): Promise<DiffResult> {
        return this.host.diff(this.registration, id, olds, news, oldInputs);
    }

    async create(news: Props): Promise<StateResult> {
        const result = await this.host.create(this.registration, news);
        this.lastInputs = news;
        return result;
    }

    read(id: string, props: Props, inputs: Props = this.lastInputs): Promise<ReadResult> {
        return this.host.read(this.registration, id, props, inputs);
    }

    async update(id: string, olds: Props, news: Props, oldInputs: Props = this.lastInputs): Promise<StateResult> {
        const result = await this.host.update(this.registration, id, olds, news, oldInputs);
        this.lastInputs = news;
        return result;
    }

    delete(id: string, props: Props, oldInputs: Props = this.lastInputs): Promise<void> {
        return this.host.delete(this.registration, id, props, oldInputs);
    }
}

function call<Req, Res>(method: string, fn: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        fn(req, new grpc.Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) => {
            if (err) {
                reject(new ProviderCallError(method, err.code, err.details, decodeInitFailure(err)));
            } else {
                resolve(res);
            }
        });
    });
}

/** The error a provider call rejected with; fails the test if the call succeeded. */
export async function rejection(promise: Promise<unknown>): Promise<ProviderCallError> {
    try {
        await promise;
    } catch (e) {
        if (e instanceof ProviderCallError) {
            return e;
        }
        throw e;
    }
    throw new Error("expected the provider call to fail, but it succeeded");
}

/** Counts calls per "Client.Operation", e.g. { "EC2Client.PurchaseCapacityBlock": 1 }. */
export function countByOperation(calls: AwsCall[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of calls) {
        const key = `${c.client}.${c.operation}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}
