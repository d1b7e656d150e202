/**
 * How a person reaches the cluster: commands and console links, built from ids only.
 *
 * PCS launches login instances itself and tags them `aws:pcs:compute-node-group-id` = the node group id (PCS user
 * guide "Finding compute node group instances"), so the login command looks the instance up by that tag and opens
 * an SSM session: no SSH key, no open port. The session starts as `ubuntu` in a login shell (Systems Manager
 * document AWS-StartInteractiveCommand), the user whose uid is the same on every node of the AMI, whose home is
 * the shared /home, and whose PATH has the cluster's Slurm.
 */

const REGION = /^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d{1,2}$/;
const PCS_ID = /^pcs_[A-Za-z0-9]+$/;
const SAFE_NAME = /^[A-Za-z0-9-]+$/;

function checked(value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) throw new Error(`refusing to put an unexpected ${what} in a shell command: ${value}`);
    return value;
}

/** The login user: uid 1000 on Ubuntu AMIs, so files on shared storage belong to the same user everywhere. */
export const LOGIN_USER = "ubuntu";

/**
 * One `sh -c '…'` line: it runs the same pasted into any shell and with
 * `eval "$(pulumi stack output clusterLoginCommand)"`; it finds the running login instance, then opens a session on
 * it as `ubuntu`, and says so plainly when no login instance runs yet (the lookup then answers `None`, which SSM
 * would reject as a target). No single quote inside, so the outer quotes hold.
 */
export function loginConnectCommand(region: string, loginNodeGroupId: string): string {
    const r = checked(region, REGION, "Region");
    const id = checked(loginNodeGroupId, PCS_ID, "node group id");
    const find =
        `aws ec2 describe-instances --region ${r} ` +
        `--filters Name=tag:aws:pcs:compute-node-group-id,Values=${id} Name=instance-state-name,Values=running ` +
        `--query "Reservations[0].Instances[0].InstanceId" --output text`;
    const notRunning =
        `capblocks: no login node of PCS node group ${id} is running yet in ${r}; ` +
        "PCS launches it a few minutes after the node group is created. Run this command again shortly.";
    const script =
        `id=$(${find}) || exit; ` +
        `if [ -z "$id" ] || [ "$id" = None ]; then echo "${notRunning}" >&2; exit 1; fi; ` +
        `exec aws ssm start-session --region ${r} --target "$id" ` +
        `--document-name AWS-StartInteractiveCommand --parameters "{\\"command\\":[\\"sudo -iu ${LOGIN_USER}\\"]}"`;
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
        `Cluster ${name}: open a shell on its login node with \`eval "$(pulumi stack output clusterLoginCommand)"\` (SSM, as ${LOGIN_USER}), ` +
        `then submit jobs to the ${queue} queue, e.g. \`sbatch -p ${queue} job.sh\`${files}.${when}`
    );
}

/** The console's address for a Region (aws, aws-cn, aws-us-gov partitions). */
function consoleBase(region: string): string {
    if (region.startsWith("cn-")) return "https://console.amazonaws.cn";
    if (region.startsWith("us-gov-")) return "https://console.amazonaws-us-gov.com";
    return `https://${region}.console.aws.amazon.com`;
}

/** The cluster's page in the PCS console. */
export function pcsConsoleUrl(region: string, clusterId: string): string {
    return `${consoleBase(checked(region, REGION, "Region"))}/pcs/home?region=${region}#/clusters/${checked(clusterId, PCS_ID, "cluster id")}`;
}

/** The EC2 console's instance list, filtered to this cluster's nodes by the capblocks:cluster tag. */
export function ec2InstancesConsoleUrl(region: string, clusterName: string): string {
    return `${consoleBase(checked(region, REGION, "Region"))}/ec2/home?region=${region}#Instances:tag:capblocks:cluster=${checked(clusterName, SAFE_NAME, "cluster name")}`;
}
