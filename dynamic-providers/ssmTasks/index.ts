import * as pulumi from "@pulumi/pulumi";
import type { SSMClient } from "@aws-sdk/client-ssm";
import {
    failureMessage,
    FailedInstance,
    interpretRun,
    markerOutputIsComplete,
    parseMarkerOutput,
    runOutputIsComplete,
} from "./output";
import { hasPendingWork, initialStates, PriorRun, statesAfterRead, statesAfterRun, TaskState, TaskStates, tasksToRun } from "./plan";
import { DEFAULT_MARKER_DIR, executionTimeoutSeconds, markerDirProblem, renderMarkerReadScript, renderRunScript, splitIntoRuns } from "./script";
import { checkTaskInputs, InputProblem, prepareTasks, PreparedTask, TaskSpec } from "./template";
import { Clock, describeAgents, realClock, runOnInstances, waitForAgents } from "./runner";
import { keptInState } from "../shared/partialFailure";

export type { TaskState, TaskStates } from "./plan";
export type { TaskSpec } from "./template";

export interface SsmTasksArgs {
    instanceIds: pulumi.Input<pulumi.Input<string>[]>;
    tasks: pulumi.Input<TaskSpec[]>;
    variables?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Variable name → SSM SecureString parameter name or Secrets Manager ARN, fetched on the instance. */
    secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    region?: pulumi.Input<string>;
    markerDir?: pulumi.Input<string>;
    agentWaitSeconds?: pulumi.Input<number>;
}

/** The inputs as the provider sees them after check (defaults applied). */
export interface SsmTasksInputs {
    instanceIds: string[];
    tasks: TaskSpec[];
    variables: Record<string, string>;
    secrets: Record<string, string>;
    region?: string;
    markerDir: string;
    agentWaitSeconds: number;
}

export interface SsmTasksOutputs extends SsmTasksInputs {
    taskStates: TaskStates;
    /** Instances that refresh found no longer registered with SSM (their tasks show as pending). */
    missingInstances: string[];
}

export const DEFAULT_AGENT_WAIT_SECONDS = 600;
/** The value the Pulumi engine passes for inputs not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const INSTANCE_ID = /^(i-[0-9a-f]{8}([0-9a-f]{9})?|mi-[0-9a-f]{17})$/;

function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}

/** Every problem with the inputs, per property; unknown (preview) values are not judged. */
export function checkInputs(inputs: SsmTasksInputs): InputProblem[] {
    const problems: InputProblem[] = [];
    const ids = inputs.instanceIds;
    if (!containsUnknown(ids)) {
        if (!Array.isArray(ids) || ids.length === 0) {
            problems.push({ property: "instanceIds", reason: "give at least one instance id" });
        } else {
            for (const id of ids.filter((i) => !INSTANCE_ID.test(String(i)))) {
                problems.push({ property: "instanceIds", reason: `"${id}" is not an EC2 or managed instance id` });
            }
            if (new Set(ids).size !== ids.length) problems.push({ property: "instanceIds", reason: "instance ids must be unique" });
        }
    }
    const markerDirOk = !containsUnknown(inputs.markerDir) && !markerDirProblem(inputs.markerDir);
    if (!containsUnknown(inputs.markerDir) && !markerDirOk) {
        problems.push({ property: "markerDir", reason: markerDirProblem(inputs.markerDir) as string });
    }
    if (![inputs.tasks, inputs.variables, inputs.secrets].some(containsUnknown)) {
        const taskProblems = checkTaskInputs(inputs.tasks, inputs.variables, inputs.secrets);
        problems.push(...taskProblems);
        if (taskProblems.length === 0) {
            try {
                // Renders every task once: catches a task too big for one SendCommand before anything runs.
                splitIntoRuns(prepareTasks(inputs.tasks, inputs.variables, inputs.secrets), markerDirOk ? inputs.markerDir : DEFAULT_MARKER_DIR, undefined);
            } catch (error) {
                problems.push({ property: "tasks", reason: (error as Error).message });
            }
        }
    }
    const wait = inputs.agentWaitSeconds;
    if (!containsUnknown(wait) && (!Number.isInteger(wait) || wait < 0)) {
        problems.push({ property: "agentWaitSeconds", reason: "agentWaitSeconds must be a whole number of seconds ≥ 0" });
    }
    return problems;
}

function withDefaults(news: Record<string, unknown>): SsmTasksInputs {
    return {
        ...news,
        instanceIds: news.instanceIds as string[],
        tasks: news.tasks as TaskSpec[],
        variables: (news.variables as Record<string, string>) ?? {},
        secrets: (news.secrets as Record<string, string>) ?? {},
        markerDir: (news.markerDir as string) ?? DEFAULT_MARKER_DIR,
        agentWaitSeconds: (news.agentWaitSeconds as number) ?? DEFAULT_AGENT_WAIT_SECONDS,
    };
}

function regionOf(inputs: SsmTasksInputs): string | undefined {
    return inputs.region || process.env.AWS_REGION || undefined;
}

async function ssmClient(inputs: SsmTasksInputs): Promise<SSMClient> {
    const { SSMClient } = await import("@aws-sdk/client-ssm");
    // Adaptive retry mode absorbs SSM throttling during polling.
    return new SSMClient({ region: regionOf(inputs), maxAttempts: 8, retryMode: "adaptive" });
}


function stateOf(outs: SsmTasksOutputs | undefined): PriorRun | undefined {
    if (!outs?.taskStates) return undefined;
    return { taskStates: outs.taskStates, instanceIds: outs.instanceIds ?? [], markerDir: outs.markerDir ?? DEFAULT_MARKER_DIR };
}

/** Runs one batch of tasks on every instance; returns the new states and the instances where it failed. */
async function runBatch(
    client: SSMClient,
    inputs: SsmTasksInputs,
    tasks: PreparedTask[],
    run: PreparedTask[],
    states: TaskStates,
    clock: Clock,
): Promise<{ taskStates: TaskStates; failed: FailedInstance[] }> {
    const ids = run.map((t) => t.id);
    const results = await runOnInstances(
        client,
        {
            instanceIds: inputs.instanceIds,
            script: renderRunScript(run, inputs.markerDir, regionOf(inputs)),
            executionTimeoutSeconds: executionTimeoutSeconds(run),
            comment: `capblocks SsmTasks ${ids.join(" ")}`,
        },
        runOutputIsComplete,
        clock,
    );
    const runs = results.map((r) => interpretRun(r, ids));
    const commandIds = [...new Set(results.map((r) => r.commandId))].join(",");
    const finishedAt = new Date(clock.now()).toISOString();
    const taskStates = statesAfterRun(tasks, states, run, runs.map((r) => r.lines), commandIds, finishedAt);
    const failed = results.flatMap((result, i) => {
        const failure = runs[i].failure;
        if (!failure) return [];
        const task = run[failure.index];
        return [{ instanceId: result.instanceId, commandId: result.commandId, taskId: task.id, taskName: task.name, failure }];
    });
    return { taskStates, failed };
}

/** create/update: run what is new, changed or missing, stop at the first failure keeping progress. */
async function apply(id: string, inputs: SsmTasksInputs, olds: SsmTasksOutputs | undefined, clock: Clock): Promise<SsmTasksOutputs> {
    const tasks = prepareTasks(inputs.tasks, inputs.variables, inputs.secrets);
    const prior = stateOf(olds);
    let outs: SsmTasksOutputs = { ...inputs, taskStates: initialStates(tasks, prior?.taskStates ?? {}), missingInstances: [] };
    const pending = tasksToRun(tasks, prior, inputs.instanceIds, inputs.markerDir);
    if (pending.length === 0) return outs;

    const client = await ssmClient(inputs);
    try {
        await waitForAgents(client, inputs.instanceIds, inputs.agentWaitSeconds, clock);
        for (const run of splitIntoRuns(pending, inputs.markerDir, regionOf(inputs))) {
            const { taskStates, failed } = await runBatch(client, inputs, tasks, run, outs.taskStates, clock);
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
async function readMarkers(props: SsmTasksOutputs, clock: Clock): Promise<SsmTasksOutputs> {
    const states = props.taskStates ?? {};
    const order = Object.keys(states);
    if (order.length === 0) return props;
    const client = await ssmClient(props);
    const agents = await describeAgents(client, props.instanceIds);
    const missingInstances = props.instanceIds.filter((i) => !agents.has(i));
    const online = props.instanceIds.filter((i) => agents.get(i) === "Online");
    const applied: boolean[][] = missingInstances.map(() => order.map(() => false));
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
            clock,
        );
        for (const result of results) {
            const flags = parseMarkerOutput(result.stdout, order.length);
            if (flags) applied.push(flags);
        }
    }
    return { ...props, taskStates: statesAfterRead(states, order, applied), missingInstances };
}

function failures(problems: InputProblem[]): pulumi.dynamic.CheckFailure[] {
    return problems.map((p) => ({ property: p.property, reason: p.reason }));
}

/** The provider; `clock` is injectable so tests never wait real seconds. */
export function makeSsmTasksProvider(clock: Clock = realClock): pulumi.dynamic.ResourceProvider {
    return {
        async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
            const inputs = withDefaults(news);
            // The host marshals these inputs even when check fails, and an undefined value (a missing instanceIds or
            // tasks) makes it throw "Unexpected struct type." instead of showing the failures below.
            const defined = Object.fromEntries(Object.entries(inputs).filter(([, value]) => value !== undefined));
            return { inputs: defined, failures: failures(checkInputs(inputs)) };
        },

        async diff(_id: string, olds: SsmTasksOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
            const inputs = withDefaults(news);
            const prior = stateOf(olds);
            if (!prior || containsUnknown(inputs) || checkInputs(inputs).length > 0) return { changes: true };
            const tasks = prepareTasks(inputs.tasks, inputs.variables, inputs.secrets);
            return { changes: hasPendingWork(tasks, prior, inputs.instanceIds, inputs.markerDir) };
        },

        async create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
            const { randomUUID } = await import("crypto");
            const id = `ssmtasks-${randomUUID()}`;
            return { id, outs: await apply(id, withDefaults(news), undefined, clock) };
        },

        async update(id: string, olds: SsmTasksOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
            return { outs: await apply(id, withDefaults(news), olds, clock) };
        },

        async read(id: string, props: SsmTasksOutputs): Promise<pulumi.dynamic.ReadResult> {
            return { id, props: await readMarkers(props, clock) };
        },

        // Terminating the instance removes its setup; deleting the resource sends no command.
        async delete(): Promise<void> {},
    };
}

export const ssmTasksProvider: pulumi.dynamic.ResourceProvider = makeSsmTasksProvider();

export class SsmTasks extends pulumi.dynamic.Resource {
    declare public readonly instanceIds: pulumi.Output<string[]>;
    declare public readonly tasks: pulumi.Output<TaskSpec[]>;
    declare public readonly variables: pulumi.Output<Record<string, string>>;
    declare public readonly secrets: pulumi.Output<Record<string, string>>;
    declare public readonly region: pulumi.Output<string | undefined>;
    declare public readonly markerDir: pulumi.Output<string>;
    declare public readonly agentWaitSeconds: pulumi.Output<number>;
    declare public readonly taskStates: pulumi.Output<Record<string, TaskState>>;
    declare public readonly missingInstances: pulumi.Output<string[]>;

    constructor(name: string, args: SsmTasksArgs, opts?: pulumi.CustomResourceOptions) {
        const region = args.region ?? new pulumi.Config("aws").get("region");
        super(
            ssmTasksProvider,
            name,
            { ...args, region, taskStates: undefined, missingInstances: undefined },
            opts,
            "capblocks",
            "SsmTasks",
        );
    }
}
