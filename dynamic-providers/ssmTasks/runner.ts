import type { CommandInvocation, SSMClient } from "@aws-sdk/client-ssm";
import { nextPollDelayMs } from "../shared/backoff";
import type { Clock } from "../shared/clock";
import { allPages } from "../shared/pages";
import { LOST } from "./output";
import type { InvocationView } from "./output";

/**
 * The SSM calls of SsmTasks: agent wait, SendCommand in chunks of 50, polling with ListCommandInvocations.
 * The SDK is loaded inside each function: this module is serialized into Pulumi state with the provider.
 */

/** What a run's wait reports to whoever shows its progress (./liveOutput.ts). */
export interface RunWatch {
    /** On each poll while commands run, with the ids of those still running. */
    polling(commandIds: string[]): Promise<void>;
    /** Once per instance, when its invocation has ended, with what it printed. */
    ended(invocation: InvocationView): void;
}

/** SendCommand takes at most 50 InstanceIds per call. */
const INSTANCES_PER_COMMAND = 50;
/** SendCommand TimeoutSeconds: how long SSM tries to deliver to an instance (30 … 2,592,000). */
const DELIVERY_TIMEOUT_SECONDS = 600;
// A plain array: a Set captured here would not survive serializeFunction.
const TERMINAL = ["Success", "Failed", "TimedOut", "Cancelled"];
/** While a command runs, the agents still on it are checked this often (SSM gives up on them only when the command expires). */
const AGENT_CHECK_MS = 60_000;
/** An agent off this long is reported lost; meant to outlast the reboot a task may ask for (exit 194), even of a large GPU instance. */
const AGENT_LOST_MS = 10 * 60_000;

function chunk<T>(items: T[], size: number): T[][] {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    return chunks;
}

/** Agent PingStatus of each instance registered with SSM (DescribeInstanceInformation, InstanceIds filter, paginated). */
export async function describeAgents(client: SSMClient, instanceIds: string[]): Promise<Map<string, string>> {
    const { paginateDescribeInstanceInformation } = await import("@aws-sdk/client-ssm");
    const pages = await Promise.all(
        chunk(instanceIds, INSTANCES_PER_COMMAND).map(async (ids) => {
            const all = await allPages("SSM DescribeInstanceInformation", (settings) =>
                paginateDescribeInstanceInformation({ client, ...settings }, { Filters: [{ Key: "InstanceIds", Values: ids }] }));
            return all.flatMap((page) => page.InstanceInformationList ?? []);
        }),
    );
    return new Map(pages.flat().filter((i) => i.InstanceId).map((i) => [i.InstanceId as string, i.PingStatus ?? "Unknown"]));
}

function agentProblems(instanceIds: string[], agents: Map<string, string>): string[] {
    return instanceIds.flatMap((id) => {
        const status = agents.get(id);
        if (status === "Online") return [];
        return [status ? `${id}: SSM agent ${status}` : `${id}: not registered with SSM`];
    });
}

/** Waits until every instance's SSM agent is Online, or fails after `waitSeconds` naming the ones that are not. */
export async function waitForAgents(client: SSMClient, instanceIds: string[], waitSeconds: number, clock: Clock): Promise<void> {
    const start = clock.now();
    let delay = 1000;
    for (;;) {
        const problems = agentProblems(instanceIds, await describeAgents(client, instanceIds));
        if (problems.length === 0) return;
        if (clock.now() - start + delay > waitSeconds * 1000) {
            throw new Error(
                `SSM agent not Online after ${waitSeconds} s: ${problems.join("; ")}. ` +
                    "Check the instance is running, its instance profile has AmazonSSMManagedInstanceCore and it can reach the SSM endpoints, " +
                    "then run `pulumi up` again (agentWaitSeconds sets how long to wait).",
            );
        }
        await clock.sleep(delay);
        delay = Math.min(delay * 1.5, 10_000);
    }
}

interface SendRequest {
    instanceIds: string[];
    script: string;
    executionTimeoutSeconds: number;
    comment: string;
    /** A CloudWatch Logs group the agents stream the run's output to while it runs (SendCommand CloudWatchOutputConfig). */
    outputLogGroup?: string;
}

async function sendChunks(client: SSMClient, request: SendRequest): Promise<Map<string, string[]>> {
    const { SendCommandCommand } = await import("@aws-sdk/client-ssm");
    const chunks = chunk(request.instanceIds, INSTANCES_PER_COMMAND);
    const commandIds = await Promise.all(
        chunks.map(async (ids) => {
            const answer = await client.send(
                new SendCommandCommand({
                    DocumentName: "AWS-RunShellScript",
                    InstanceIds: ids,
                    Parameters: { commands: [request.script], executionTimeout: [String(request.executionTimeoutSeconds)] },
                    TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
                    // One instance failing must not stop SSM from running the others (MaxErrors defaults to 0).
                    MaxErrors: "100%",
                    Comment: request.comment.slice(0, 100),
                    ...(request.outputLogGroup
                        ? { CloudWatchOutputConfig: { CloudWatchLogGroupName: request.outputLogGroup, CloudWatchOutputEnabled: true } }
                        : {}),
                }),
            ).catch((error: Error) => {
                // SendCommand has no idempotency token: a lost answer may hide a command that runs now.
                if (error.name === "InvalidInstanceId" || (error as { $fault?: string }).$fault === "client") throw error;
                throw new Error(`SSM SendCommand to ${ids.join(", ")} got no answer (${error.name}: ${error.message}); ` +
                    "SSM may have received it and be running the tasks now. Running `pulumi up` again is safe: a task still running holds its lock, " +
                    "so a re-sent command waits for it and skips what finished.");
            });
            const commandId = answer.Command?.CommandId;
            if (!commandId) throw new Error("SSM SendCommand answered without a command id");
            return commandId;
        }),
    );
    return new Map(commandIds.map((id, i) => [id, chunks[i]]));
}

/** The output of a finished invocation in full (24,000 / 8,000 chars), retrying while SSM has not caught up. */
async function fullOutput(client: SSMClient, commandId: string, instanceId: string, clock: Clock): Promise<{ stdout: string; stderr: string }> {
    const { GetCommandInvocationCommand } = await import("@aws-sdk/client-ssm");
    for (let attempt = 1; ; attempt++) {
        try {
            const answer = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
            return { stdout: answer.StandardOutputContent ?? "", stderr: answer.StandardErrorContent ?? "" };
        } catch (error) {
            // Right after a command, SSM may not know the invocation yet (eventual consistency).
            if ((error as Error).name !== "InvocationDoesNotExist" || attempt >= 5) throw error;
            await clock.sleep(500 * attempt);
        }
    }
}

function pluginOutput(invocation: CommandInvocation): string {
    return (invocation.CommandPlugins ?? []).map((p) => p.Output ?? "").join("\n");
}

/** Errors SSM gives for a command it does not know yet, right after SendCommand (eventual consistency). */
function notVisibleYet(error: unknown): boolean {
    return ["InvalidCommandId", "InvocationDoesNotExist"].includes((error as Error).name);
}

/** Invocations of a command that have ended, as listed by ListCommandInvocations (Details: plugin output). */
async function endedInvocations(client: SSMClient, commandId: string, sinceSendMs: number): Promise<CommandInvocation[]> {
    const { paginateListCommandInvocations } = await import("@aws-sdk/client-ssm");
    const ended: CommandInvocation[] = [];
    try {
        const all = await allPages("SSM ListCommandInvocations", (settings) => paginateListCommandInvocations({ client, ...settings }, { CommandId: commandId, Details: true }));
        for (const page of all) ended.push(...(page.CommandInvocations ?? []).filter((i) => TERMINAL.includes(i.Status ?? "")));
    } catch (error) {
        if (!notVisibleYet(error) || sinceSendMs > 60_000) throw error;
    }
    return ended;
}

/**
 * Sends one script to all instances (one SendCommand per 50, sent together) and waits for every
 * invocation to end. Polls ListCommandInvocations with Details (one call covers all instances of a
 * command; an empty answer right after sending is normal). Plugin Output there is short, so an
 * invocation whose Output `isComplete` rejects is read in full with GetCommandInvocation. `watch` hears of each
 * poll and of each invocation that ended.
 */
export async function runOnInstances(
    client: SSMClient,
    request: SendRequest,
    isComplete: (invocation: { status: string; output: string }) => boolean,
    clock: Clock,
    watch?: RunWatch,
): Promise<InvocationView[]> {
    const started = clock.now();
    const waiting = await sendChunks(client, request);
    const deadline = started + (request.executionTimeoutSeconds + DELIVERY_TIMEOUT_SECONDS + 60) * 1000;
    const done = new Map<string, InvocationView>();
    const offSince = new Map<string, number>();
    let nextAgentCheck = started + AGENT_CHECK_MS;

    /** Ends the wait for instances whose agent has been off (ConnectionLost, Inactive, unregistered) for AGENT_LOST_MS. */
    async function checkAgents(): Promise<void> {
        const now = clock.now();
        nextAgentCheck = now + AGENT_CHECK_MS;
        const open = [...waiting].flatMap(([commandId, ids]) => ids.filter((id) => !done.has(id)).map((id) => ({ commandId, id })));
        // A failed check is no evidence against an instance: the next one decides.
        const agents = await describeAgents(client, open.map((o) => o.id)).catch(() => undefined);
        for (const { commandId, id } of agents ? open : []) {
            const status = agents?.get(id);
            if (status === "Online") {
                offSince.delete(id);
                continue;
            }
            const since = offSince.get(id) ?? now;
            offSince.set(id, since);
            if (now - since < AGENT_LOST_MS) continue;
            const minutes = AGENT_LOST_MS / 60_000;
            const statusDetails = status
                ? `its SSM agent has been ${status} for ${minutes} minutes`
                : `it has not been registered with SSM for ${minutes} minutes`;
            done.set(id, { instanceId: id, commandId, status: LOST, statusDetails, responseCode: -1, stdout: "", stderr: "" });
        }
    }

    async function record(commandId: string, invocation: CommandInvocation): Promise<void> {
        const instanceId = invocation.InstanceId ?? "";
        const status = invocation.Status ?? "";
        const output = pluginOutput(invocation);
        const full = isComplete({ status, output }) ? { stdout: output, stderr: "" } : await fullOutput(client, commandId, instanceId, clock);
        const view = {
            instanceId,
            commandId,
            status,
            statusDetails: invocation.StatusDetails ?? status,
            responseCode: invocation.CommandPlugins?.[0]?.ResponseCode ?? -1,
            ...full,
        };
        done.set(instanceId, view);
        watch?.ended(view);
    }

    while (waiting.size > 0) {
        await clock.sleep(nextPollDelayMs(clock.now() - started));
        const polled = await Promise.all(
            [...waiting].map(async ([commandId, ids]) => {
                const ended = await endedInvocations(client, commandId, clock.now() - started);
                return ended.filter((i) => ids.includes(i.InstanceId ?? "") && !done.has(i.InstanceId ?? "")).map((i) => [commandId, i] as const);
            }),
        );
        // Full outputs (failures, long output) in small parallel batches to stay clear of throttling.
        for (const batch of chunk(polled.flat(), 10)) await Promise.all(batch.map(([commandId, i]) => record(commandId, i)));
        if (clock.now() >= nextAgentCheck) await checkAgents();
        for (const [commandId, ids] of waiting) if (ids.every((id) => done.has(id))) waiting.delete(commandId);
        if (waiting.size > 0) await watch?.polling([...waiting.keys()]);
        if (waiting.size > 0 && clock.now() > deadline) {
            const late = [...waiting].map(([commandId, ids]) => `${commandId} (${ids.filter((id) => !done.has(id)).join(", ")})`);
            throw new Error(`SSM command(s) did not finish in time: ${late.join("; ")}. Inspect them with aws ssm list-command-invocations --command-id <id> --details.`);
        }
    }
    return request.instanceIds.map((id) => done.get(id) as InvocationView);
}
