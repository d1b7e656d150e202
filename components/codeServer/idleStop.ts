/**
 * Idle stop for the on-demand box (capblocks:codeServer.idleStopMinutes): a CloudWatch metric alarm on the
 * instance's CPUUtilization whose action is EC2's own stop action, so nothing of capblocks runs to stop it
 * (docs/aws-notes.md#idle-stop).
 *
 * - Idle means: the instance's average CPU, over all its vCPUs, stayed below IDLE_CPU_PERCENT in every 5-minute
 *   period (EC2's basic monitoring reports every 5 minutes) for the whole time. Reading or typing in the editor
 *   uses little CPU, and a job that keeps one core of a large instance busy is a small percentage of it: both can
 *   look idle. A job on the GPU with little CPU is stopped too.
 * - Missing data (the instance is stopped) counts as not idle, so after a start the whole time is counted again.
 * - Only on demand: a Capacity Block is paid up front, so stopping its instance saves nothing, and an instance
 *   stopped when the block ends cannot start again (the config refuses the key with a block).
 * - Stopping keeps the root and work volumes (they still bill); `aws ec2 start-instances` brings the box back,
 *   with code-server started by its systemd unit.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** EC2 basic monitoring: one CPUUtilization data point per instance every 5 minutes. */
const PERIOD_SECONDS = 300;
/** Below this average CPU (% of all vCPUs) in a period, the box counts as idle in that period. */
export const IDLE_CPU_PERCENT = 5;

export interface IdleStop {
    instanceId: pulumi.Input<string>;
    /** capblocks:codeServer.idleStopMinutes: a multiple of 5 (the config checks it). */
    minutes: number;
    region: string;
    /** The AWS partition (aws, aws-cn, aws-us-gov): the stop action's ARN is in it. */
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** The command that starts a stopped box again. */
export function startCommand(instanceId: string, region: string): string {
    return `aws ec2 start-instances --instance-ids ${instanceId} --region ${region}`;
}

/** What nextStep says about idle stop. */
export function idleStopStep(minutes: number, instanceId: string, region: string): string {
    return (
        `It stops itself after ${minutes} minutes with its CPU below ${IDLE_CPU_PERCENT}% (capblocks:codeServer.idleStopMinutes); ` +
        `start it again with \`${startCommand(instanceId, region)}\`.`
    );
}

/** The alarm's arguments: CPU below the threshold in every period for `minutes`, then EC2 stops the instance. */
export function idleStopAlarmArgs({ instanceId, minutes, region, partition, tags }: IdleStop): aws.cloudwatch.MetricAlarmArgs {
    const periods = minutes / (PERIOD_SECONDS / 60);
    return {
        alarmDescription: pulumi.interpolate`capblocks: stops ${instanceId} after ${minutes} minutes with its CPU below ${IDLE_CPU_PERCENT}%; start it again with: aws ec2 start-instances --instance-ids ${instanceId} --region ${region}`,
        namespace: "AWS/EC2",
        metricName: "CPUUtilization",
        dimensions: { InstanceId: instanceId },
        statistic: "Average",
        period: PERIOD_SECONDS,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: "LessThanThreshold",
        threshold: IDLE_CPU_PERCENT,
        treatMissingData: "notBreaching",
        alarmActions: [pulumi.interpolate`arn:${partition}:automate:${region}:ec2:stop`],
        tags,
    };
}

export function idleStopAlarm(name: string, idle: IdleStop, parent: pulumi.Resource): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(`${name}-idle-stop`, idleStopAlarmArgs(idle), { parent });
}
