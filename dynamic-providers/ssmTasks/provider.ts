import type * as pulumi from "@pulumi/pulumi";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { awsClientConfig, sameAwsSettings } from "../shared/awsCredentials";
import { withoutUndefined } from "../shared/checks";
import { clock } from "../shared/clock";
import type { Clock } from "../shared/clock";
import { keptInState } from "../shared/partialFailure";
import { regionOf } from "../shared/region";
import { isKnown } from "../shared/unknown";
import { checkInputs, ssmTasksInputs } from "./inputs";
import type { SsmTasksInputs, SsmTasksOutputs } from "./inputs";
import { progressWatch } from "./liveOutput";
import type { LiveOutput } from "./liveOutput";
import { failureMessage, interpretRun, markerOutputIsComplete, parseMarkerOutput, runOutputIsComplete } from "./output";
import type { FailedInstance } from "./output";
import { hasPendingWork, initialStates, plannedRunLine, statesAfterRead, statesAfterRun, tasksToRun } from "./plan";
import type { MarkerRow, PriorRun, TaskStates } from "./plan";
import { runProgress } from "./progress";
import { withRerun } from "./rerun";
import { DEFAULT_MARKER_DIR, executionTimeoutSeconds, renderMarkerReadScript, renderRunScript, splitIntoRuns } from "./script";
import { prepareTasks } from "./template";
import type { PreparedTask } from "./template";
import { describeAgents, runOnInstances, waitForAgents } from "./runner";

/** An SSM client for the resource's region, signed with the stack's AWS account settings (the `aws` input). */
async function ssmClient(inputs: SsmTasksInputs): Promise<SSMClient> {
    const { SSMClient } = await import("@aws-sdk/client-ssm");
    const account = await awsClientConfig(inputs.aws, regionOf(inputs));
    // Adaptive retry mode absorbs SSM throttling during polling.
    return new SSMClient({ ...account, maxAttempts: 8, retryMode: "adaptive" });
}

/** Where the run's output streams, with a client to read it there, when the inputs name a log group. */
async function liveOutput(inputs: SsmTasksInputs): Promise<LiveOutput | undefined> {
    if (!inputs.outputLogGroup) return undefined;
    const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
    const client: CloudWatchLogsClient = new CloudWatchLogsClient({ ...(await awsClientConfig(inputs.aws, regionOf(inputs))), maxAttempts: 3 });
    return { client, logGroup: inputs.outputLogGroup };
}

function stateOf(outs: SsmTasksOutputs | undefined): PriorRun | undefined {
    if (!outs?.taskStates) return undefined;
    return { taskStates: outs.taskStates, instanceIds: outs.instanceIds ?? [], markerDir: outs.markerDir ?? DEFAULT_MARKER_DIR };
}

/** One batch of an `up`: the tasks it sends (`run`), out of all the prepared `tasks`, and the states before it. */
interface Batch {
    inputs: SsmTasksInputs;
    tasks: PreparedTask[];
    run: PreparedTask[];
    states: TaskStates;
    /** Where the instances stream the batch's output while it runs, for progress lines. */
    live?: LiveOutput;
}

interface BatchResult {
    taskStates: TaskStates;
    /** The instances where the batch failed, with the task that failed there. */
    failed: FailedInstance[];
}

/** Runs one batch of tasks on every instance; returns the new states and the instances where it failed. */
async function runBatch(client: SSMClient, { inputs, tasks, run, states, live }: Batch, time: Clock): Promise<BatchResult> {
    const ids = run.map((t) => t.id);
    const results = await runOnInstances(
        client,
        {
            instanceIds: inputs.instanceIds,
            script: renderRunScript(run, inputs.markerDir, regionOf(inputs)),
            executionTimeoutSeconds: executionTimeoutSeconds(run),
            comment: `capblocks SsmTasks ${ids.join(" ")}`,
            ...(live ? { outputLogGroup: live.logGroup } : {}),
        },
        runOutputIsComplete,
        time,
        progressWatch(runProgress(ids, inputs.instanceIds.length), live, time),
    );
    const runs = results.map((r) => interpretRun(r, ids));
    const taskStates = statesAfterRun(tasks, states, {
        sent: run,
        instanceIds: inputs.instanceIds,
        outcomes: runs.map((r) => r.lines),
        commandId: [...new Set(results.map((r) => r.commandId))].join(","),
        finishedAt: new Date(time.now()).toISOString(),
    });
    const failed = results.flatMap((result, i) => {
        const failure = runs[i].failure;
        if (!failure) return [];
        const task = run[failure.index];
        return [{ instanceId: result.instanceId, commandId: result.commandId, taskId: task.id, taskName: task.name, failure }];
    });
    return { taskStates, failed };
}

/** The tasks with the hashes that decide what runs: their effect, salted by `rerun` tokens (./rerun.ts). */
function tasksOf(inputs: SsmTasksInputs, prior: PriorRun | undefined): PreparedTask[] {
    return withRerun(prepareTasks(inputs.tasks, inputs.variables, inputs.secrets, inputs.secretVersions), inputs.rerun, prior?.taskStates ?? {});
}

/** create/update: run what is new, changed or missing, stop at the first failure keeping progress. */
async function apply(id: string, inputs: SsmTasksInputs, olds: SsmTasksOutputs | undefined): Promise<SsmTasksOutputs> {
    const prior = stateOf(olds);
    const tasks = tasksOf(inputs, prior);
    let outs: SsmTasksOutputs = { ...inputs, taskStates: initialStates(tasks, prior?.taskStates ?? {}), missingInstances: [] };
    const pending = tasksToRun(tasks, prior, inputs.instanceIds, inputs.markerDir);
    if (pending.length === 0) return outs;

    const time = clock();
    const client = await ssmClient(inputs);
    try {
        const live = await liveOutput(inputs);
        await waitForAgents(client, inputs.instanceIds, inputs.agentWaitSeconds, time);
        for (const run of splitIntoRuns(pending, inputs.markerDir, regionOf(inputs))) {
            const { taskStates, failed } = await runBatch(client, { inputs, tasks, run, states: outs.taskStates, live }, time);
            outs = { ...outs, taskStates };
            if (failed.length > 0) throw keptInState(failureMessage(failed, regionOf(inputs), inputs.markerDir), id, outs);
        }
    } catch (error) {
        // Whatever stopped the run (task failure, agent wait, SSM API error), keep the resource and its progress in state.
        if ((error as { id?: string }).id) throw error;
        throw keptInState(`SsmTasks: ${(error as Error).message}`, id, outs);
    }
    return outs;
}

/** refresh: one marker-reading command per 50 instances; vanished instances are reported, not thrown. */
async function readMarkers(props: SsmTasksOutputs): Promise<SsmTasksOutputs> {
    const states = props.taskStates ?? {};
    const order = Object.keys(states);
    if (order.length === 0) return props;
    const client = await ssmClient(props);
    const agents = await describeAgents(client, props.instanceIds);
    const missingInstances = props.instanceIds.filter((i) => !agents.has(i));
    const online = props.instanceIds.filter((i) => agents.get(i) === "Online");
    const rows: MarkerRow[] = missingInstances.map((instanceId) => ({ instanceId, applied: order.map(() => false) }));
    if (online.length > 0) {
        const results = await runOnInstances(
            client,
            {
                instanceIds: online,
                script: renderMarkerReadScript(order.map((id) => ({ id, hash: states[id].hash })), props.markerDir ?? DEFAULT_MARKER_DIR),
                executionTimeoutSeconds: 60,
                comment: "capblocks SsmTasks refresh: read task markers",
            },
            markerOutputIsComplete,
            clock(),
        );
        for (const result of results) {
            const flags = parseMarkerOutput(result.stdout, order.length);
            if (flags) rows.push({ instanceId: result.instanceId, applied: flags });
        }
    }
    return { ...props, taskStates: statesAfterRead(states, order, rows), missingInstances };
}

export const ssmTasksProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
        const inputs = ssmTasksInputs(news);
        // The host marshals these inputs even when check fails, and an undefined value (a missing instanceIds or
        // tasks) makes it throw "Unexpected struct type." instead of showing the failures below.
        return { inputs: withoutUndefined({ ...inputs }), failures: checkInputs(inputs) };
    },

    async diff(_id: string, olds: SsmTasksOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
        const inputs = ssmTasksInputs(news);
        const prior = stateOf(olds);
        if (!prior || !isKnown(inputs) || checkInputs(inputs).length > 0) return { changes: true };
        const tasks = tasksOf(inputs, prior);
        // The engine shows the host's stdout as info, in preview as in up.
        const line = plannedRunLine(tasksToRun(tasks, prior, inputs.instanceIds, inputs.markerDir), tasks, inputs.instanceIds.length);
        if (line) console.log(line);
        // New credentials are stored by an update that sends no command (nothing is pending): refresh uses them.
        return { changes: hasPendingWork(tasks, prior, inputs.instanceIds, inputs.markerDir) || !sameAwsSettings(olds.aws, inputs.aws) };
    },

    async create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
        const { randomUUID } = await import("crypto");
        const id = `ssmtasks-${randomUUID()}`;
        return { id, outs: await apply(id, ssmTasksInputs(news), undefined) };
    },

    async update(id: string, olds: SsmTasksOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await apply(id, ssmTasksInputs(news), olds) };
    },

    async read(id: string, props: SsmTasksOutputs): Promise<pulumi.dynamic.ReadResult> {
        return { id, props: await readMarkers(props) };
    },

    // Terminating the instance removes its setup; deleting the resource sends no command.
    async delete(): Promise<void> {},
};
