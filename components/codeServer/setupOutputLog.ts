/**
 * Where the setup's SSM commands stream their output while they run, so `pulumi up` shows each task as it ends
 * (SsmTasks outputLogGroup; docs/aws-notes.md#live-output): a CloudWatch Logs group of the stack's own, and the
 * instance role's right to write to it. The streamed output is the wrapper's status lines and, for a failed task,
 * the scrubbed tail SSM keeps anyway; each task's full log stays on the instance.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** Days the streamed output is kept: it feeds `up`'s progress lines, and SSM keeps the same output 30 days itself. */
const RETENTION_DAYS = 7;

/**
 * What the SSM agent does with the group (amazon-ssm-agent cloudwatchlogspublisher): creates it if needed (an
 * existing group is fine), creates a stream per instance and step, and puts the lines, describing the stream when
 * a put is refused.
 */
export function setupOutputPolicy(groupArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: [groupArn, `${groupArn}:log-stream:*`],
        }],
    });
}

export interface SetupOutputLog {
    groupName: pulumi.Output<string>;
    /** What must exist before a command streams there: the role's policy. */
    ready: pulumi.Resource[];
}

/** The group, named after the stack with a unique suffix (two copies of a stack in one account never share one). */
export function setupOutputLog(
    { name, label, tags }: { name: string; label: string; tags: Record<string, string> },
    role: aws.iam.Role,
    parent: pulumi.Resource,
): SetupOutputLog {
    const group = new aws.cloudwatch.LogGroup(`${name}-setup-output`, {
        namePrefix: `/capblocks/${label}/setup-`,
        retentionInDays: RETENTION_DAYS,
        tags,
    }, { parent });
    const policy = new aws.iam.RolePolicy(`${name}-write-setup-output`, { role: role.id, policy: group.arn.apply(setupOutputPolicy) }, { parent });
    return { groupName: group.name, ready: [policy] };
}
