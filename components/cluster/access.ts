/**
 * How a person reaches the login node. PCS launches login instances itself and tags them
 * `aws:pcs:compute-node-group-id` = the node group id (PCS user guide "Finding compute node group instances"),
 * so the command looks the instance up by that tag and opens an SSM session: no SSH key, no open port.
 */
export function loginConnectCommand(region: string, loginNodeGroupId: string): string {
    const find =
        `aws ec2 describe-instances --region ${region} ` +
        `--filters "Name=tag:aws:pcs:compute-node-group-id,Values=${loginNodeGroupId}" "Name=instance-state-name,Values=running" ` +
        `--query "Reservations[0].Instances[0].InstanceId" --output text`;
    return `aws ssm start-session --region ${region} --target "$(${find})"`;
}
