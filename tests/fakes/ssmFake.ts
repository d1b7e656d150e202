import type { ChildProcess} from "child_process";
import { spawn } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type {
    CommandInvocation,
    CommandPlugin,
    DescribeInstanceInformationCommandInput,
    GetCommandInvocationCommandInput,
    ListCommandInvocationsCommandInput,
    SendCommandCommandInput} from "@aws-sdk/client-ssm";
import {
    DescribeInstanceInformationCommand,
    GetCommandInvocationCommand,
    InvalidInstanceId,
    InvocationDoesNotExist,
    ListCommandInvocationsCommand,
    SendCommandCommand,
    SSMClient,
} from "@aws-sdk/client-ssm";
import type { AwsClientStub} from "aws-sdk-client-mock";
import { mockClient } from "aws-sdk-client-mock";

/**
 * A fake of SSM Run Command that really runs the commands, with /bin/sh (dash on Ubuntu, as the SSM
 * agent does: it writes _script.sh and runs `sh _script.sh`), once per fake instance. Each instance has
 * its own root directory, its own copy of the marker directory and a fake `aws` CLI on PATH answering
 * `ssm get-parameter` / `secretsmanager get-secret-value` from a fake secret store. No test framework
 * dependency: mocha tests, benchmarks and a provider-host preload can all install it.
 *
 * Modelled SSM behaviour (AWS SSM API reference): SendCommand takes ≤ 50 InstanceIds and fails with
 * InvalidInstanceId for an unmanaged instance; invocations may be invisible right after sending
 * (InvocationDoesNotExist / empty ListCommandInvocations); StandardOutputContent keeps the first 24,000
 * chars and StandardErrorContent the first 8,000; the plugin Output of ListCommandInvocations (Details)
 * is short (2,500 chars); executionTimeout ends a run as TimedOut (StatusDetails "Execution Timed Out"); an
 * agent that is not Online leaves the invocation Pending until the delivery timeout (TimedOut, "Delivery Timed Out").
 *
 * Faults beyond those options: a SendCommand whose answer is lost after SSM accepted it (the command runs);
 * an agent that drops between the Online check and delivery; an instance terminated mid-run. No agent is left
 * to report on a terminated instance, so its invocation stays InProgress until SSM ends it at executionTimeout
 * (the fake's model: the API reference documents no status for this case).
 */

export type Operation = "SendCommand" | "ListCommandInvocations" | "GetCommandInvocation" | "DescribeInstanceInformation";
type PingStatus = "Online" | "ConnectionLost" | "Inactive";

interface FakeClock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

const realFakeClock: FakeClock = {
    now: () => Date.now(),
    sleep: (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()),
};

interface FakeInstance {
    id: string;
    /** Agent state; default Online. */
    pingStatus?: PingStatus;
    /** Becomes Online after this many DescribeInstanceInformation calls. */
    onlineAfterDescribes?: number;
}

interface SsmFakeOptions {
    instances: (string | FakeInstance)[];
    /** The markerDir the code under test uses; each instance gets its own directory in its place. */
    markerDir?: string;
    /** Secret store: SSM parameter name or Secrets Manager ARN → value. */
    secrets?: Record<string, string>;
    /** Latency added to each call, per operation (default 0). */
    latencyMs?: Partial<Record<Operation, number>>;
    /** Time from SendCommand until the script starts on the instances (default 0). */
    dispatchDelayMs?: number;
    /** Polls (List/Get) per command that do not see the invocations yet (default 0). */
    invocationNotFoundPolls?: number;
    /** Real milliseconds per SSM second for executionTimeout and delivery timeout (default 1000). */
    msPerSecond?: number;
    /** Page size of ListCommandInvocations and DescribeInstanceInformation (default 50). */
    pageSize?: number;
    clock?: FakeClock;
}

interface FakeCall {
    operation: Operation;
    input: unknown;
    at: number;
}

interface Invocation {
    instanceId: string;
    status: string;
    statusDetails: string;
    responseCode: number;
    stdout: string;
    stderr: string;
    finishedAt?: Date;
}

interface Command {
    id: string;
    input: SendCommandCommandInput;
    sentAt: number;
    polls: number;
    invocations: Map<string, Invocation>;
}

export interface SsmFake {
    readonly calls: FakeCall[];
    count(operation: Operation): number;
    counts(): Record<Operation, number>;
    /** The scripts sent with SendCommand, in order. */
    sentScripts(): string[];
    instanceRoot(instanceId: string): string;
    markerDirOf(instanceId: string): string;
    /** Arguments of each fake `aws` CLI call on an instance (never values). */
    awsCliCalls(instanceId: string): string[];
    /** undefined: the instance is no longer registered with SSM (terminated/replaced). */
    setPingStatus(instanceId: string, status: PingStatus | undefined): void;
    wipeMarkers(instanceId: string): void;
    /** The next SendCommand is accepted and runs, but its answer is lost (a network error reaches the caller). */
    loseNextSendAnswer(): void;
    /** The instance's agent goes ConnectionLost at the next SendCommand, before delivery. */
    dropAgentOnNextSend(instanceId: string): void;
    /** Kills the instance's running scripts and unregisters it (EC2 terminated it). */
    terminate(instanceId: string): void;
    /** Resolves when every started script has ended. */
    settled(): Promise<void>;
    restore(): void;
    readonly stub: AwsClientStub<SSMClient>;
}

const STDOUT_LIMIT = 24_000;
const STDERR_LIMIT = 8_000;
const DETAILS_OUTPUT_LIMIT = 2_500;

function fakeAwsCli(root: string, store: string): string {
    return [
        "#!/bin/sh",
        `echo "$*" >> '${root}/aws-calls.log'`,
        'op="$1 $2"; ref=""',
        'while [ $# -gt 0 ]; do case "$1" in --name|--secret-id) ref=$2; shift 2 ;; *) shift ;; esac; done',
        'case "$op" in',
        '  "ssm get-parameter"|"secretsmanager get-secret-value") ;;',
        '  *) echo "fake aws: unsupported: $op" >&2; exit 252 ;;',
        "esac",
        `f='${store}'/$(printf '%s' "$ref" | od -An -tx1 | tr -d ' \\n')`,
        'if [ -f "$f" ]; then cat "$f"; else echo "An error occurred (ParameterNotFound): $ref not found" >&2; exit 254; fi',
        "",
    ].join("\n");
}

export function installSsmFake(options: SsmFakeOptions): SsmFake {
    const clock = options.clock ?? realFakeClock;
    const msPerSecond = options.msPerSecond ?? 1000;
    const pageSize = options.pageSize ?? 50;
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "ssm-fake-"));
    const store = path.join(base, "secret-store");
    fs.mkdirSync(store);
    for (const [ref, value] of Object.entries(options.secrets ?? {})) {
        fs.writeFileSync(path.join(store, Buffer.from(ref).toString("hex")), `${value}\n`, { mode: 0o600 });
    }
    const agents = new Map<string, { status: PingStatus; onlineAfter?: number }>();
    for (const spec of options.instances) {
        const instance = typeof spec === "string" ? { id: spec } : spec;
        agents.set(instance.id, { status: instance.pingStatus ?? "Online", onlineAfter: instance.onlineAfterDescribes });
        const root = path.join(base, instance.id);
        fs.mkdirSync(path.join(root, "bin"), { recursive: true });
        fs.writeFileSync(path.join(root, "bin", "aws"), fakeAwsCli(root, store), { mode: 0o755 });
    }
    const calls: FakeCall[] = [];
    const commands = new Map<string, Command>();
    const running = new Set<Promise<void>>();
    const children = new Map<ChildProcess, string>();
    const terminated = new Set<string>();
    const timers = new Set<NodeJS.Timeout>();
    const faults = { loseNextSendAnswer: false, dropAgentOnNextSend: undefined as string | undefined };
    const stub = mockClient(SSMClient);
    const rootOf = (id: string) => path.join(base, id);
    const markerDirOf = (id: string) => path.join(rootOf(id), "markers");

    async function enter(operation: Operation, input: unknown): Promise<void> {
        calls.push({ operation, input, at: clock.now() });
        await clock.sleep(options.latencyMs?.[operation] ?? 0);
    }

    function execute(command: Command, invocation: Invocation, script: string, timeoutSeconds: number): Promise<void> {
        const root = rootOf(invocation.instanceId);
        const mapped = options.markerDir ? script.split(options.markerDir).join(markerDirOf(invocation.instanceId)) : script;
        const scriptPath = path.join(root, `_script-${command.id}.sh`);
        fs.writeFileSync(scriptPath, mapped, { mode: 0o700 });
        return new Promise((resolve) => {
            invocation.status = "InProgress";
            invocation.statusDetails = "InProgress";
            const child = spawn("/bin/sh", [scriptPath], {
                cwd: root,
                detached: true,
                env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH}`, HOME: root },
                stdio: ["ignore", "pipe", "pipe"],
            });
            children.set(child, invocation.instanceId);
            const startedAt = Date.now();
            let timedOut = false;
            const timer = setTimeout(() => {
                timedOut = true;
                if (child.pid) process.kill(-child.pid, "SIGKILL");
            }, timeoutSeconds * msPerSecond);
            child.stdout?.on("data", (d: Buffer) => (invocation.stdout += d.toString()));
            child.stderr?.on("data", (d: Buffer) => (invocation.stderr += d.toString()));
            child.on("close", (code) => {
                clearTimeout(timer);
                children.delete(child);
                if (terminated.has(invocation.instanceId) && !timedOut) {
                    // Nobody reports for a terminated instance: SSM ends the invocation at its executionTimeout.
                    const left = setTimeout(() => {
                        timers.delete(left);
                        Object.assign(invocation, { status: "TimedOut", statusDetails: "Execution Timed Out", responseCode: -1, finishedAt: new Date(clock.now()) });
                        resolve();
                    }, Math.max(0, timeoutSeconds * msPerSecond - (Date.now() - startedAt)));
                    timers.add(left);
                    return;
                }
                invocation.finishedAt = new Date(clock.now());
                if (timedOut) {
                    Object.assign(invocation, { status: "TimedOut", statusDetails: "Execution Timed Out", responseCode: -1 });
                } else {
                    const ok = code === 0;
                    Object.assign(invocation, { status: ok ? "Success" : "Failed", statusDetails: ok ? "Success" : "Failed", responseCode: code ?? -1 });
                }
                resolve();
            });
        });
    }

    function track(work: Promise<void>): void {
        running.add(work);
        void work.finally(() => running.delete(work));
    }

    async function sendCommand(input: SendCommandCommandInput) {
        await enter("SendCommand", input);
        const ids = input.InstanceIds ?? [];
        if (ids.length === 0 || ids.length > 50) throw new Error(`fake SSM: SendCommand needs 1..50 InstanceIds, got ${ids.length}`);
        const unknown = ids.filter((id) => !agents.has(id));
        if (unknown.length > 0) throw new InvalidInstanceId({ message: `Instances [${unknown.join(", ")}] not in a valid state`, $metadata: {} });
        if (faults.dropAgentOnNextSend && agents.has(faults.dropAgentOnNextSend)) agents.set(faults.dropAgentOnNextSend, { status: "ConnectionLost" });
        faults.dropAgentOnNextSend = undefined;
        const command: Command = { id: randomUUID(), input, sentAt: clock.now(), polls: 0, invocations: new Map() };
        commands.set(command.id, command);
        const script = (input.Parameters?.commands ?? []).join("\n");
        const timeout = Number(input.Parameters?.executionTimeout?.[0] ?? 3600);
        for (const instanceId of ids) {
            const invocation: Invocation = { instanceId, status: "Pending", statusDetails: "Pending", responseCode: -1, stdout: "", stderr: "" };
            command.invocations.set(instanceId, invocation);
            if (agents.get(instanceId)?.status !== "Online") continue;
            track(clock.sleep(options.dispatchDelayMs ?? 0).then(() => execute(command, invocation, script, timeout)));
        }
        if (faults.loseNextSendAnswer) {
            faults.loseNextSendAnswer = false;
            throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
        }
        return { Command: { CommandId: command.id, InstanceIds: ids, Status: "Pending" as const } };
    }

    /** Lazily turns invocations that were never delivered into delivery timeouts. */
    function expireUndelivered(command: Command): void {
        const deliveryMs = (command.input.TimeoutSeconds ?? 3600) * msPerSecond;
        if (clock.now() - command.sentAt < deliveryMs) return;
        for (const invocation of command.invocations.values()) {
            if (invocation.status === "Pending") Object.assign(invocation, { status: "TimedOut", statusDetails: "Delivery Timed Out" });
        }
    }

    function visible(command: Command): boolean {
        command.polls += 1;
        return command.polls > (options.invocationNotFoundPolls ?? 0);
    }

    function view(command: Command, invocation: Invocation, details: boolean): CommandInvocation {
        const done = !["Pending", "InProgress"].includes(invocation.status);
        const stderr = invocation.stderr.slice(0, STDERR_LIMIT);
        const output = invocation.stdout.slice(0, STDOUT_LIMIT) + (stderr ? `\n----------ERROR-------\n${stderr}` : "");
        return {
            CommandId: command.id,
            InstanceId: invocation.instanceId,
            DocumentName: command.input.DocumentName,
            Status: invocation.status as CommandInvocation["Status"],
            StatusDetails: invocation.statusDetails,
            CommandPlugins: details
                ? [{
                      Name: "aws:runShellScript",
                      Status: invocation.status as CommandPlugin["Status"],
                      ResponseCode: invocation.responseCode,
                      ResponseFinishDateTime: invocation.finishedAt,
                      Output: done ? output.slice(0, DETAILS_OUTPUT_LIMIT) : "",
                  }]
                : [],
        };
    }

    async function listCommandInvocations(input: ListCommandInvocationsCommandInput) {
        await enter("ListCommandInvocations", input);
        const command = commands.get(input.CommandId ?? "");
        if (!command || !visible(command)) return { CommandInvocations: [] };
        expireUndelivered(command);
        const all = [...command.invocations.values()];
        const start = Number(input.NextToken ?? 0);
        const size = Math.min(input.MaxResults ?? pageSize, pageSize);
        const page = all.slice(start, start + size).map((i) => view(command, i, input.Details ?? false));
        return { CommandInvocations: page, NextToken: start + size < all.length ? String(start + size) : undefined };
    }

    async function getCommandInvocation(input: GetCommandInvocationCommandInput) {
        await enter("GetCommandInvocation", input);
        const command = commands.get(input.CommandId ?? "");
        const invocation = command?.invocations.get(input.InstanceId ?? "");
        if (!command || !invocation || !visible(command)) {
            throw new InvocationDoesNotExist({ message: "InvocationDoesNotExist", $metadata: {} });
        }
        expireUndelivered(command);
        const done = !["Pending", "InProgress"].includes(invocation.status);
        return {
            CommandId: command.id,
            InstanceId: invocation.instanceId,
            Status: invocation.status as CommandInvocation["Status"],
            StatusDetails: invocation.statusDetails,
            ResponseCode: invocation.responseCode,
            StandardOutputContent: done ? invocation.stdout.slice(0, STDOUT_LIMIT) : "",
            StandardErrorContent: done ? invocation.stderr.slice(0, STDERR_LIMIT) : "",
        };
    }

    async function describeInstanceInformation(input: DescribeInstanceInformationCommandInput) {
        await enter("DescribeInstanceInformation", input);
        const describes = calls.filter((c) => c.operation === "DescribeInstanceInformation").length;
        for (const agent of agents.values()) {
            if (agent.onlineAfter !== undefined && describes > agent.onlineAfter) agent.status = "Online";
        }
        const wanted = input.Filters?.find((f) => f.Key === "InstanceIds")?.Values;
        const all = [...agents.entries()]
            .filter(([id]) => !wanted || wanted.includes(id))
            .map(([id, agent]) => ({ InstanceId: id, PingStatus: agent.status }));
        const start = Number(input.NextToken ?? 0);
        const size = Math.min(input.MaxResults ?? pageSize, pageSize);
        return { InstanceInformationList: all.slice(start, start + size), NextToken: start + size < all.length ? String(start + size) : undefined };
    }

    stub.on(SendCommandCommand).callsFake(sendCommand);
    stub.on(ListCommandInvocationsCommand).callsFake(listCommandInvocations);
    stub.on(GetCommandInvocationCommand).callsFake(getCommandInvocation);
    stub.on(DescribeInstanceInformationCommand).callsFake(describeInstanceInformation);

    const count = (operation: Operation) => calls.filter((c) => c.operation === operation).length;
    return {
        calls,
        count,
        counts: () => ({
            SendCommand: count("SendCommand"),
            ListCommandInvocations: count("ListCommandInvocations"),
            GetCommandInvocation: count("GetCommandInvocation"),
            DescribeInstanceInformation: count("DescribeInstanceInformation"),
        }),
        sentScripts: () =>
            calls.filter((c) => c.operation === "SendCommand").map((c) => ((c.input as SendCommandCommandInput).Parameters?.commands ?? []).join("\n")),
        instanceRoot: rootOf,
        markerDirOf,
        awsCliCalls: (id) => {
            const file = path.join(rootOf(id), "aws-calls.log");
            return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
        },
        setPingStatus: (id, status) => {
            if (status) agents.set(id, { status });
            else agents.delete(id);
        },
        wipeMarkers: (id) => fs.rmSync(markerDirOf(id), { recursive: true, force: true }),
        loseNextSendAnswer: () => {
            faults.loseNextSendAnswer = true;
        },
        dropAgentOnNextSend: (id) => {
            faults.dropAgentOnNextSend = id;
        },
        terminate: (id) => {
            terminated.add(id);
            agents.delete(id);
            for (const [child, instanceId] of children) if (instanceId === id && child.pid) process.kill(-child.pid, "SIGKILL");
        },
        settled: async () => {
            while (running.size > 0) await Promise.all([...running]);
        },
        restore: () => {
            for (const child of children.keys()) if (child.pid) process.kill(-child.pid, "SIGKILL");
            for (const timer of timers) clearTimeout(timer);
            stub.restore();
            fs.rmSync(base, { recursive: true, force: true });
        },
        stub,
    };
}
