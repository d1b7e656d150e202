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
 * One line to paste into bash, zsh or sh: finds the running login instance, then opens a session on it as
 * `ubuntu`; says so plainly when no login instance runs yet.
 */
export function loginConnectCommand(region: string, loginNodeGroupId: string): string {
    const r = checked(region, REGION, "Region");
    const id = checked(loginNodeGroupId, PCS_ID, "node group id");
    const find =
        `aws ec2 describe-instances --region ${r} ` +
        `--filters Name=tag:aws:pcs:compute-node-group-id,Values=${id} Name=instance-state-name,Values=running ` +
        `--query 'Reservations[0].Instances[0].InstanceId' --output text`;
    const session =
        `aws ssm start-session --region ${r} --target "$login_node" ` +
        `--document-name AWS-StartInteractiveCommand --parameters '{"command":["sudo -iu ${LOGIN_USER}"]}'`;
    const none = `echo "no running login node in node group ${id} yet (PCS starts it a few minutes after pulumi up)" >&2`;
    return `login_node=$(${find}) && if [ "$login_node" = None ] || [ -z "$login_node" ]; then ${none}; else ${session}; fi`;
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
