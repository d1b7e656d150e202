import type { SSMClient } from "@aws-sdk/client-ssm";
import { performance } from "perf_hooks";
import type { TaskSpec } from "../dynamic-providers/ssmTasks";
import type { CallCounts } from "./stats";

const TERMINAL = ["Success", "Failed", "TimedOut", "Cancelled"];

/**
 * The baseline: what a straightforward script does. One SendCommand per task per instance, the task's own
 * commands (no batching, no markers), then GetCommandInvocation for each instance every `pollMs` until all
 * have ended; the next task only after that.
 */
export async function runNaive(client: SSMClient, instanceIds: string[], tasks: TaskSpec[], pollMs = 5000): Promise<{ wallMs: number; calls: CallCounts }> {
    const { SendCommandCommand, GetCommandInvocationCommand } = await import("@aws-sdk/client-ssm");
    const calls: CallCounts = { SendCommand: 0, GetCommandInvocation: 0 };
    const start = performance.now();
    for (const task of tasks) {
        const pending = new Map<string, string>();
        for (const instanceId of instanceIds) {
            calls.SendCommand += 1;
            const sent = await client.send(new SendCommandCommand({
                DocumentName: "AWS-RunShellScript",
                InstanceIds: [instanceId],
                Parameters: { commands: task.commands },
            }));
            pending.set(instanceId, sent.Command?.CommandId ?? "");
        }
        while (pending.size > 0) {
            await new Promise((resolve) => setTimeout(resolve, pollMs));
            for (const [instanceId, commandId] of [...pending]) {
                calls.GetCommandInvocation += 1;
                const invocation = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
                if (!TERMINAL.includes(invocation.Status ?? "")) continue;
                if (invocation.Status !== "Success") throw new Error(`naive baseline: task ${task.id} ended ${invocation.Status} on ${instanceId}`);
                pending.delete(instanceId);
            }
        }
    }
    return { wallMs: performance.now() - start, calls };
}
