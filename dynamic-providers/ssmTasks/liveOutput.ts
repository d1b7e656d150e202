import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Clock } from "../shared/clock";
import { parseRunOutput } from "./output";
import type { InvocationView } from "./output";
import type { RunProgress } from "./progress";
import type { RunWatch } from "./runner";

/**
 * A run's status lines while it runs. SSM returns a command's output only once it has ended (GetCommandInvocation's
 * StandardOutputContent is empty until then), but with CloudWatchOutputConfig the agent streams the output to a
 * CloudWatch Logs group as it is written, one stream per instance and step: "<command id>/<instance id>/<step>/stdout"
 * (docs/aws-notes.md#live-output). The SDK is loaded inside the functions: this module is serialized with the provider.
 */

/** The agent uploads every second; a read every 2 s stays well inside FilterLogEvents' per-account rate. */
const LIVE_READ_INTERVAL_MS = 2000;
/** Pages read per command and poll; the rest waits for the next poll. */
const MAX_PAGES_PER_READ = 10;
/** Event times are the instances' clocks: read a little before the newest event seen. */
const CLOCK_SLACK_MS = 60_000;

/** Where a command's output streams are, and the client that reads them. */
export interface LiveOutput {
    client: CloudWatchLogsClient;
    logGroup: string;
}

/** The instance whose stdout a stream of `commandId` holds, or undefined for another stream (stderr). */
export function stdoutStreamInstance(streamName: string, commandId: string): string | undefined {
    const parts = streamName.split("/");
    return parts.length === 4 && parts[0] === commandId && parts[3] === "stdout" ? parts[1] : undefined;
}

interface Cursor {
    startTime: number;
    seen: Set<string>;
}

/** Reads what each instance of a command printed since the last read (FilterLogEvents by stream name prefix). */
function liveReader({ client, logGroup }: LiveOutput, sentAt: number): (commandId: string) => Promise<Map<string, string>> {
    const cursors = new Map<string, Cursor>();
    return async (commandId) => {
        const { FilterLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
        const cursor = cursors.get(commandId) ?? { startTime: sentAt - CLOCK_SLACK_MS, seen: new Set<string>() };
        cursors.set(commandId, cursor);
        const text = new Map<string, string>();
        let newest = cursor.startTime;
        let nextToken: string | undefined;
        for (let page = 0; page < MAX_PAGES_PER_READ; page++) {
            const answer = await client.send(new FilterLogEventsCommand({
                logGroupName: logGroup,
                logStreamNamePrefix: `${commandId}/`,
                startTime: cursor.startTime,
                ...(nextToken ? { nextToken } : {}),
            }));
            for (const event of answer.events ?? []) {
                const instanceId = stdoutStreamInstance(event.logStreamName ?? "", commandId);
                const eventId = event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`;
                if (!instanceId || cursor.seen.has(eventId)) continue;
                cursor.seen.add(eventId);
                newest = Math.max(newest, event.timestamp ?? 0);
                text.set(instanceId, `${text.get(instanceId) ?? ""}${event.message ?? ""}\n`);
            }
            nextToken = answer.nextToken;
            if (!nextToken) break;
        }
        cursor.startTime = Math.max(cursor.startTime, newest - CLOCK_SLACK_MS);
        return text;
    };
}

/**
 * The watch of one run: what the instances stream while it runs (when `live` is given), and each instance's own
 * output when it ends, through `progress`; every progress line goes to `clock.notify`, which reaches `pulumi up`'s
 * output. Live reading is best effort: the first failure is said once and the run goes on without it.
 */
export function progressWatch(progress: RunProgress, live: LiveOutput | undefined, clock: Clock): RunWatch {
    const read = live ? liveReader(live, clock.now()) : undefined;
    let nextRead = 0;
    let reading = read !== undefined;
    const flush = () => progress.report().forEach((line) => clock.notify(line));
    return {
        async polling(commandIds) {
            if (!reading || !read || clock.now() < nextRead) return;
            nextRead = clock.now() + LIVE_READ_INTERVAL_MS;
            try {
                for (const commandId of commandIds) {
                    for (const [instanceId, text] of await read(commandId)) progress.observe(instanceId, parseRunOutput(text).tasks);
                }
            } catch (error) {
                reading = false;
                const { name, message } = error as Error;
                clock.notify(`SsmTasks: no live progress: reading CloudWatch Logs group ${live?.logGroup} failed (${name}: ${message}); ` +
                    "each task is reported when the instances finish");
            }
            flush();
        },
        ended(invocation: InvocationView) {
            progress.observe(invocation.instanceId, parseRunOutput(invocation.stdout).tasks);
            flush();
        },
    };
}
