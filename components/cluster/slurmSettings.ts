/**
 * Slurm settings for the queue, through PCS's `slurmConfiguration.slurmCustomSettings` (PCS manages slurm.conf).
 *
 * PCS user guide "Custom Slurm settings for AWS PCS queues" accepts, per queue: AllowAccounts, AllowQos, Default,
 * DefaultTime, DenyAccounts, DenyQos, Exclusive, ExclusiveUser, GraceTime, MaxTime, OverSubscribe,
 * OverTimeLimit, PreemptMode, PriorityJobFactor, PriorityTier, QOS, TRESBillingWeights (docs/aws-notes.md#slurm-settings).
 * capblocks sets only OverSubscribe, which every Slurm version PCS runs knows (Exclusive is newer).
 */
import type { ClusterConfig } from "../config";

/** Settings PCS accepts on a queue; anything else is refused by PCS minutes into `pulumi up`. */
export const PCS_QUEUE_SETTINGS = [
    "AllowAccounts", "AllowQos", "Default", "DefaultTime", "DenyAccounts", "DenyQos", "Exclusive", "ExclusiveUser", "GraceTime",
    "MaxTime", "OverSubscribe", "OverTimeLimit", "PreemptMode", "PriorityJobFactor", "PriorityTier", "QOS", "TRESBillingWeights",
];

export interface SlurmSetting {
    parameterName: string;
    parameterValue: string;
}

/**
 * The block's nodes are bought whole and a training job wants all of a node's accelerators and EFA interfaces:
 * with exclusiveNodes (the default) each job gets whole nodes (slurm.conf OverSubscribe=EXCLUSIVE).
 */
export function queueSlurmSettings(cluster: Pick<ClusterConfig, "exclusiveNodes">): SlurmSetting[] {
    return cluster.exclusiveNodes ? [{ parameterName: "OverSubscribe", parameterValue: "EXCLUSIVE" }] : [];
}
