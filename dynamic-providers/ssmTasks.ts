import * as pulumi from "@pulumi/pulumi";

// SKELETON: the provider is built in issue 3; the public surface below is the contract other modules use.

export interface TaskSpec {
    id: string;
    name: string;
    description?: string;
    commands: string[];
    timeoutSeconds?: number;
}

export interface TaskState {
    hash: string;
    status: "success" | "failed" | "pending";
    commandId?: string;
    finishedAt?: string;
}

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

export const ssmTasksProvider: pulumi.dynamic.ResourceProvider = {
    async create(): Promise<pulumi.dynamic.CreateResult> {
        throw new Error("SsmTasks provider not built yet");
    },
};

export class SsmTasks extends pulumi.dynamic.Resource {
    declare public readonly instanceIds: pulumi.Output<string[]>;
    declare public readonly taskStates: pulumi.Output<Record<string, TaskState>>;

    constructor(name: string, args: SsmTasksArgs, opts?: pulumi.CustomResourceOptions) {
        super(ssmTasksProvider, name, { ...args, taskStates: undefined }, opts, "capblocks", "SsmTasks");
    }
}
