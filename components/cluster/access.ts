/**
 * How a person reaches the login node. PCS launches login instances itself and tags them
 * `aws:pcs:compute-node-group-id` = the node group id (PCS user guide "Finding compute node group instances"),
 * so the command looks the instance up by that tag and opens an SSM session: no SSH key, no open port.
 *
 * The lookup needs a shell, so the command is one `sh -c '…'`: it runs the same pasted into any POSIX shell and
 * with `eval "$(pulumi stack output clusterLoginCommand)"`, and says so plainly when no login node runs yet
 * (the lookup then answers `None`, which SSM would reject as a target).
 */
export function loginConnectCommand(region: string, loginNodeGroupId: string): string {
    const find =
        `aws ec2 describe-instances --region ${region} ` +
        `--filters "Name=tag:aws:pcs:compute-node-group-id,Values=${loginNodeGroupId}" "Name=instance-state-name,Values=running" ` +
        `--query "Reservations[0].Instances[0].InstanceId" --output text`;
    const notRunning =
        `capblocks: no login node of PCS node group ${loginNodeGroupId} is running yet in ${region}; ` +
        "PCS launches it a few minutes after the node group is created. Run this command again shortly.";
    const script =
        `id=$(${find}) || exit; ` +
        `if [ -z "$id" ] || [ "$id" = None ]; then echo "${notRunning}" >&2; exit 1; fi; ` +
        `exec aws ssm start-session --region ${region} --target "$id"`;
    return `sh -c '${script}'`;
}

export interface ClusterUse {
    name: string;
    queue: string;
    /** Where every node mounts the shared storage; undefined without shared storage. */
    mountDir?: string;
    /** The block's state and start: jobs run only once it is active. */
    state: string;
    startDate: string;
}

/** How to use the cluster once it is built: log in, submit, where the shared files are. */
export function clusterUseStep({ name, queue, mountDir, state, startDate }: ClusterUse): string {
    const files = mountDir ? `; keep code and data in ${mountDir}, which every node mounts` : "";
    const when = state === "active" ? "" : ` Jobs run once the block is active, from ${startDate}.`;
    return (
        `Cluster ${name}: open a shell on its login node with \`eval "$(pulumi stack output clusterLoginCommand)"\` (SSM, as ssm-user), ` +
        `then submit jobs to the ${queue} queue, e.g. \`sbatch -p ${queue} job.sh\`${files}.${when}`
    );
}
