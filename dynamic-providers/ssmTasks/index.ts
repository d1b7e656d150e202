import * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../shared/awsCredentials";
import { regionInput } from "../shared/region";
import type { TaskState } from "./plan";
import { ssmTasksProvider } from "./provider";
import type { TaskSpec } from "./template";

export { ssmTasksProvider } from "./provider";
export type { SsmTasksOutputs } from "./inputs";
export type { InstanceTaskStatus, TaskState, TaskStates } from "./plan";
export { ALL_TASKS } from "./rerun";
export type { RerunRequest } from "./rerun";
export { taskName } from "./template";
export type { TaskSpec } from "./template";

export interface SsmTasksArgs {
    instanceIds: pulumi.Input<pulumi.Input<string>[]>;
    tasks: pulumi.Input<TaskSpec[]>;
    variables?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Variable name → SSM SecureString parameter name or Secrets Manager ARN, fetched on the instance. */
    secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Secret name (the keys of `secrets`) → a non-secret label of the secret's current version, e.g. a Secrets
     * Manager VersionId or an SSM parameter version. A task re-runs when the version of a secret it reads changes
     * (a rotated password reaches the instance); the value itself is never read here. A missing version: the task
     * re-runs only when its commands or the secret's reference change.
     */
    secretVersions?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    region?: pulumi.Input<string>;
    /** The stack's AWS account settings (components/shared/awsSettings.ts); keys must be Pulumi secrets. */
    aws?: pulumi.Input<AwsSettings>;
    markerDir?: pulumi.Input<string>;
    agentWaitSeconds?: pulumi.Input<number>;
    /**
     * Finished tasks to run once more: task ids (or "all") and a token. Each time the token changes, the next `up`
     * runs those tasks again on every instance; the same token later, or no `rerun`, runs nothing. Unknown ids fail check.
     */
    rerun?: pulumi.Input<{ tasks: pulumi.Input<string>[]; token: pulumi.Input<string> }>;
    /**
     * A CloudWatch Logs group the instances stream each run's output to (the instance role needs logs:CreateLogGroup,
     * logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on it; the stack's credentials
     * logs:FilterLogEvents): `up` then
     * prints a line per task as the instances finish it. Without it the lines come when each instance ends its run.
     */
    outputLogGroup?: pulumi.Input<string>;
}

export class SsmTasks extends pulumi.dynamic.Resource {
    declare public readonly instanceIds: pulumi.Output<string[]>;
    declare public readonly tasks: pulumi.Output<TaskSpec[]>;
    declare public readonly variables: pulumi.Output<Record<string, string>>;
    declare public readonly secrets: pulumi.Output<Record<string, string>>;
    declare public readonly secretVersions: pulumi.Output<Record<string, string>>;
    declare public readonly region: pulumi.Output<string | undefined>;
    declare public readonly markerDir: pulumi.Output<string>;
    declare public readonly agentWaitSeconds: pulumi.Output<number>;
    declare public readonly taskStates: pulumi.Output<Record<string, TaskState>>;
    declare public readonly missingInstances: pulumi.Output<string[]>;

    constructor(name: string, args: SsmTasksArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            ssmTasksProvider,
            name,
            { ...args, region: regionInput(args.region), taskStates: undefined, missingInstances: undefined },
            opts,
            "capblocks",
            "SsmTasks",
        );
    }
}
