import type { ChildProcess} from "child_process";
import { spawn } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type {
    CancelCommandCommandInput,
    CommandInvocation,
    CommandPlugin,
    DescribeInstanceInformationCommandInput,
    GetCommandInvocationCommandInput,
    ListCommandInvocationsCommandInput,
    SendCommandCommandInput} from "@aws-sdk/client-ssm";
import {
    CancelCommandCommand,
    DescribeInstanceInformationCommand,
    GetCommandInvocationCommand,
    InvalidInstanceId,
    InvocationDoesNotExist,
    ListCommandInvocationsCommand,
    SendCommandCommand,
    SSMClient,
} from "@aws-sdk/client-ssm";
import type { FilterLogEventsCommandInput, FilteredLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { CloudWatchLogsClient, FilterLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
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
 * is short (2,500 chars); executionTimeout ends a run as TimedOut (StatusDetails "Execution Timed Out") and
 * CancelCommand as Cancelled, both by SIGKILL to the script's process group, as the agent does
 * (amazon-ssm-agent agent/executers/executers_unix.go: syscall.Kill(-pid, SIGKILL)); an agent that is not Online
 * leaves the invocation Pending until the delivery timeout (TimedOut, "Delivery Timed Out"); a script that exits 194
 * makes the agent reboot the instance and run the script again, the invocation InProgress throughout
 * (docs/aws-notes.md#reboot-exit-code-194): the fake kills everything the instance runs, keeps its agent
 * ConnectionLost for `rebootMs`, then runs the script again and appends its output.
 *
 * Faults beyond those options: a SendCommand whose answer is lost after SSM accepted it (the command runs);
 * an agent that drops between the Online check and delivery; an agent that goes offline mid-run (the script runs
 * on, its result reaches SSM when the agent is back); an instance terminated mid-run. No agent is left to report
 * on a terminated instance, so its invocation stays InProgress until SSM ends it at executionTimeout (the fake's
 * model: the API reference documents no status for this case). Every process an instance starts carries its
 * marker in the environment, so a reboot, a termination or restore() stops even those that left the script's
 * process group.
 *
 * CloudWatch output (docs/aws-notes.md#live-output): a command sent with CloudWatchOutputConfig has its output
 * streamed, as the agent does, to "<command id>/<instance id>/aws-runShellScript/stdout" (and /stderr) in that log
 * group, line by line while the script runs; the fake's CloudWatch Logs answers FilterLogEvents (stream name prefix,
 * startTime, pages) from it. Only the groups in `outputLogGroups` exist: another answers ResourceNotFoundException.
 */

export type Operation = "SendCommand" | "ListCommandInvocations" | "GetCommandInvocation" | "DescribeInstanceInformation" | "CancelCommand" | "FilterLogEvents";
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
    /** Real milliseconds a reboot (exit 194) keeps the agent ConnectionLost (default 50). */
    rebootMs?: number;
    /** CloudWatch Logs groups that exist, for commands that stream their output (CloudWatchOutputConfig). */
    outputLogGroups?: string[];
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
    /** Set while the script runs: SIGKILLs its process group for SSM's executionTimeout or a CancelCommand. */
    stop?: (why: "Execution Timed Out" | "Cancelled") => void;
    /** Set while the script runs: the files its stdout and stderr go to (what the agent streams from). */
    running?: { stdout: string; stderr: string };
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
    /** The ids SSM gave the commands sent, in order. */
    commandIds(): string[];
    instanceRoot(instanceId: string): string;
    markerDirOf(instanceId: string): string;
    /** Arguments of each fake `aws` CLI call on an instance (never values). */
    awsCliCalls(instanceId: string): string[];
    /** Puts a new value in the secret store (a rotation). */
    setSecret(reference: string, value: string): void;
    /** undefined: the instance is no longer registered with SSM (terminated/replaced). */
    setPingStatus(instanceId: string, status: PingStatus | undefined): void;
    wipeMarkers(instanceId: string): void;
    /** The next SendCommand is accepted and runs, but its answer is lost (a network error reaches the caller). */
    loseNextSendAnswer(): void;
    /** The instance's agent goes ConnectionLost at the next SendCommand, before delivery. */
    dropAgentOnNextSend(instanceId: string): void;
    /** Kills everything the instance runs and unregisters it (EC2 terminated it). */
    terminate(instanceId: string): void;
    /** How often the instance rebooted because a script exited 194. */
    reboots(instanceId: string): number;
    /** Resolves when every started script has ended. */
    settled(): Promise<void>;
    restore(): void;
    readonly stub: AwsClientStub<SSMClient>;
    readonly logsStub: AwsClientStub<CloudWatchLogsClient>;
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
    const setSecret = (ref: string, value: string) => fs.writeFileSync(path.join(store, Buffer.from(ref).toString("hex")), `${value}\n`, { mode: 0o600 });
    for (const [ref, value] of Object.entries(options.secrets ?? {})) setSecret(ref, value);
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
    const rebootCounts = new Map<string, number>();
    /** Results an offline agent has not reported yet, per instance. */
    const unreported = new Map<string, (() => void)[]>();
    const faults = { loseNextSendAnswer: false, dropAgentOnNextSend: undefined as string | undefined };
    const stub = mockClient(SSMClient);
    const rootOf = (id: string) => path.join(base, id);
    const markerDirOf = (id: string) => path.join(rootOf(id), "markers");
    const processMarker = (id: string) => `CAPBLOCKS_FAKE_INSTANCE=${rootOf(id)}`;
    const instanceIds = [...agents.keys()];
    /** A process group that has already ended is no error: SSM's kill and a test's can race with its exit. */
    const killGroup = (pid: number | undefined) => {
        try {
            if (pid) process.kill(-pid, "SIGKILL");
        } catch {
            // Already gone.
        }
    };

    async function enter(operation: Operation, input: unknown): Promise<void> {
        calls.push({ operation, input, at: clock.now() });
        await clock.sleep(options.latencyMs?.[operation] ?? 0);
    }

    /** SIGKILLs every process the instance started, found by the marker in its environment (a reboot or termination). */
    function killInstanceProcesses(instanceId: string): void {
        const marker = processMarker(instanceId);
        for (let pass = 0; pass < 5; pass++) {
            let found = 0;
            for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
                try {
                    if (fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(marker)) {
                        process.kill(Number(pid), "SIGKILL");
                        found++;
                    }
                } catch {
                    // The process ended while we looked.
                }
            }
            if (found === 0) return;
        }
    }

    function setAgent(instanceId: string, status: PingStatus | undefined): void {
        if (!status) {
            agents.delete(instanceId);
            return;
        }
        agents.set(instanceId, { status });
        if (status !== "Online") return;
        const held = unreported.get(instanceId) ?? [];
        unreported.delete(instanceId);
        for (const report of held) report();
    }

    /** Results reach SSM only while the agent is Online; an offline agent reports when it is back. */
    function whenReported(instanceId: string, report: () => void): void {
        if (agents.get(instanceId)?.status === "Online") report();
        else unreported.set(instanceId, [...(unreported.get(instanceId) ?? []), report]);
    }

    async function reboot(instanceId: string): Promise<void> {
        rebootCounts.set(instanceId, (rebootCounts.get(instanceId) ?? 0) + 1);
        killInstanceProcesses(instanceId);
        setAgent(instanceId, "ConnectionLost");
        await clock.sleep(options.rebootMs ?? 50);
        if (!terminated.has(instanceId)) setAgent(instanceId, "Online");
    }

    /** Runs the script once; after a reboot (exit 194) the agent runs it again in the same invocation. */
    function execute(command: Command, invocation: Invocation, script: string, timeoutSeconds: number): Promise<void> {
        const root = rootOf(invocation.instanceId);
        const mapped = options.markerDir ? script.split(options.markerDir).join(markerDirOf(invocation.instanceId)) : script;
        const scriptPath = path.join(root, `_script-${command.id}.sh`);
        fs.writeFileSync(scriptPath, mapped, { mode: 0o700 });
        // Output goes to files, as the agent's does: a process the script leaves behind cannot hold the run open.
        const outputs = [path.join(root, `_stdout-${command.id}`), path.join(root, `_stderr-${command.id}`)];
        const fds = outputs.map((file) => fs.openSync(file, "w"));
        return new Promise((resolve) => {
            invocation.status = "InProgress";
            invocation.statusDetails = "InProgress";
            const child = spawn("/bin/sh", [scriptPath], {
                cwd: root,
                detached: true,
                env: {
                    ...process.env,
                    PATH: `${path.join(root, "bin")}:${process.env.PATH}`,
                    HOME: root,
                    CAPBLOCKS_FAKE_INSTANCE: root,
                },
                stdio: ["ignore", fds[0], fds[1]],
            });
            children.set(child, invocation.instanceId);
            const startedAt = Date.now();
            invocation.running = { stdout: outputs[0], stderr: outputs[1] };
            let stoppedBy: "Execution Timed Out" | "Cancelled" | undefined;
            invocation.stop = (why) => {
                stoppedBy = why;
                killGroup(child.pid);
            };
            const timer = setTimeout(() => invocation.stop?.("Execution Timed Out"), timeoutSeconds * msPerSecond);
            for (const fd of fds) fs.closeSync(fd);
            child.on("exit", (code) => {
                // After a reboot the output of the run before it stays, and the new run's follows.
                invocation.stdout += fs.readFileSync(outputs[0], "utf8");
                invocation.stderr += fs.readFileSync(outputs[1], "utf8");
                invocation.running = undefined;
                clearTimeout(timer);
                children.delete(child);
                invocation.stop = undefined;
                if (terminated.has(invocation.instanceId) && !stoppedBy) {
                    // Nobody reports for a terminated instance: SSM ends the invocation at its executionTimeout.
                    const left = setTimeout(() => {
                        timers.delete(left);
                        Object.assign(invocation, { status: "TimedOut", statusDetails: "Execution Timed Out", responseCode: -1, finishedAt: new Date(clock.now()) });
                    }, Math.max(0, timeoutSeconds * msPerSecond - (Date.now() - startedAt)));
                    timers.add(left);
                    resolve();
                    return;
                }
                // A script that always asks for a reboot would loop forever; the fake gives up as a failure.
                if (code === 194 && !stoppedBy && (rebootCounts.get(invocation.instanceId) ?? 0) < 20) {
                    void reboot(invocation.instanceId)
                        .then(() => (terminated.has(invocation.instanceId) ? undefined : execute(command, invocation, script, timeoutSeconds)))
                        .then(resolve);
                    return;
                }
                const finishedAt = new Date(clock.now());
                const result = stoppedBy
                    ? { status: stoppedBy === "Cancelled" ? "Cancelled" : "TimedOut", statusDetails: stoppedBy, responseCode: -1 }
                    : { status: code === 0 ? "Success" : "Failed", statusDetails: code === 0 ? "Success" : "Failed", responseCode: code ?? -1 };
                whenReported(invocation.instanceId, () => Object.assign(invocation, result, { finishedAt }));
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
        if (faults.dropAgentOnNextSend && agents.has(faults.dropAgentOnNextSend)) setAgent(faults.dropAgentOnNextSend, "ConnectionLost");
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

    async function cancelCommand(input: CancelCommandCommandInput) {
        await enter("CancelCommand", input);
        const command = commands.get(input.CommandId ?? "");
        if (!command) throw Object.assign(new Error(`fake SSM: no command ${input.CommandId}`), { name: "InvalidCommandId" });
        for (const invocation of command.invocations.values()) {
            if (input.InstanceIds && !input.InstanceIds.includes(invocation.instanceId)) continue;
            if (invocation.stop) invocation.stop("Cancelled");
            else if (invocation.status === "Pending") Object.assign(invocation, { status: "Cancelled", statusDetails: "Cancelled" });
        }
        return {};
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

    /** When each streamed line was first read: its event time stays the same on every read. */
    const eventTimes = new Map<string, number>();

    /** The complete lines an invocation has printed so far on one stream: what the agent has streamed. */
    function streamedLines(invocation: Invocation, stream: "stdout" | "stderr"): string[] {
        const live = invocation.running ? fs.readFileSync(invocation.running[stream], "utf8") : "";
        const lines = (invocation[stream] + live).split("\n");
        lines.pop();
        return lines;
    }

    async function filterLogEvents(input: FilterLogEventsCommandInput) {
        await enter("FilterLogEvents", input);
        const group = input.logGroupName ?? "";
        if (!(options.outputLogGroups ?? []).includes(group)) {
            throw new ResourceNotFoundException({ message: "The specified log group does not exist.", $metadata: {} });
        }
        const events: FilteredLogEvent[] = [];
        for (const command of commands.values()) {
            const config = command.input.CloudWatchOutputConfig;
            if (!config?.CloudWatchOutputEnabled || config.CloudWatchLogGroupName !== group) continue;
            for (const invocation of command.invocations.values()) {
                for (const stream of ["stdout", "stderr"] as const) {
                    const logStreamName = `${command.id}/${invocation.instanceId}/aws-runShellScript/${stream}`;
                    if (input.logStreamNamePrefix && !logStreamName.startsWith(input.logStreamNamePrefix)) continue;
                    streamedLines(invocation, stream).forEach((message, line) => {
                        const eventId = `${logStreamName}/${line}`;
                        const timestamp = eventTimes.get(eventId) ?? clock.now();
                        eventTimes.set(eventId, timestamp);
                        if (timestamp >= (input.startTime ?? 0)) events.push({ logStreamName, eventId, timestamp, message, ingestionTime: timestamp });
                    });
                }
            }
        }
        const start = Number(input.nextToken ?? 0);
        const size = Math.min(input.limit ?? pageSize, pageSize);
        return { events: events.slice(start, start + size), nextToken: start + size < events.length ? String(start + size) : undefined };
    }

    const logsStub = mockClient(CloudWatchLogsClient);
    logsStub.on(FilterLogEventsCommand).callsFake(filterLogEvents);
    stub.on(SendCommandCommand).callsFake(sendCommand);
    stub.on(ListCommandInvocationsCommand).callsFake(listCommandInvocations);
    stub.on(GetCommandInvocationCommand).callsFake(getCommandInvocation);
    stub.on(DescribeInstanceInformationCommand).callsFake(describeInstanceInformation);
    stub.on(CancelCommandCommand).callsFake(cancelCommand);

    const count = (operation: Operation) => calls.filter((c) => c.operation === operation).length;
    return {
        calls,
        count,
        counts: () => ({
            SendCommand: count("SendCommand"),
            ListCommandInvocations: count("ListCommandInvocations"),
            GetCommandInvocation: count("GetCommandInvocation"),
            DescribeInstanceInformation: count("DescribeInstanceInformation"),
            CancelCommand: count("CancelCommand"),
            FilterLogEvents: count("FilterLogEvents"),
        }),
        sentScripts: () =>
            calls.filter((c) => c.operation === "SendCommand").map((c) => ((c.input as SendCommandCommandInput).Parameters?.commands ?? []).join("\n")),
        commandIds: () => [...commands.keys()],
        instanceRoot: rootOf,
        markerDirOf,
        awsCliCalls: (id) => {
            const file = path.join(rootOf(id), "aws-calls.log");
            return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
        },
        setSecret,
        setPingStatus: setAgent,
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
            killInstanceProcesses(id);
        },
        reboots: (id) => rebootCounts.get(id) ?? 0,
        settled: async () => {
            while (running.size > 0) await Promise.all([...running]);
        },
        restore: () => {
            for (const id of instanceIds) killInstanceProcesses(id);
            for (const child of children.keys()) killGroup(child.pid);
            for (const timer of timers) clearTimeout(timer);
            stub.restore();
            logsStub.restore();
            fs.rmSync(base, { recursive: true, force: true });
        },
        stub,
        logsStub,
    };
}
