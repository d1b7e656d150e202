/**
 * How a person reaches the code-server box: the ports on each side of the SSM port forward, and the commands and
 * URL the stack outputs. Pure, so the exact text is tested.
 */

/** nginx, in front of code-server, listens here: the security group, the port forward and the nginx setup use it. */
export const NGINX_PORT = 80;
/** code-server itself listens here on localhost only; nginx is the one way in. */
export const CODE_SERVER_INTERNAL_PORT = 8080;
/** The port on the user's machine that the SSM port forward listens on. */
const PORT_FORWARD_LOCAL_PORT = 8080;

export interface AccessTarget {
    instanceId: string;
    region: string;
    /** The instance's public DNS name; "" without one. */
    publicDns: string;
    /** CIDRs admitted to NGINX_PORT; empty: reachable only through the port forward. */
    allowedCidrs: string[];
}

export interface AccessCommands {
    url: string;
    portForwardCommand: string;
    sessionCommand: string;
    /** One sentence on how to reach code-server. */
    connectHint: string;
}

export function accessCommands({ instanceId, region, publicDns, allowedCidrs }: AccessTarget): AccessCommands {
    const direct = allowedCidrs.length > 0 && publicDns !== "";
    const url = direct ? `http://${publicDns}/` : `http://localhost:${PORT_FORWARD_LOCAL_PORT}/ (while portForwardCommand runs)`;
    return {
        url,
        portForwardCommand:
            `aws ssm start-session --target ${instanceId} --document-name AWS-StartPortForwardingSession ` +
            `--parameters '{"portNumber":["${NGINX_PORT}"],"localPortNumber":["${PORT_FORWARD_LOCAL_PORT}"]}' --region ${region}`,
        sessionCommand: `aws ssm start-session --target ${instanceId} --region ${region}`,
        connectHint: allowedCidrs.length
            ? `Open ${url} and sign in with the password from passwordCommand.`
            : `Run portForwardCommand, open http://localhost:${PORT_FORWARD_LOCAL_PORT}/ and sign in with the password from passwordCommand.`,
    };
}

export function passwordCommand(secretArn: string, region: string): string {
    return `aws secretsmanager get-secret-value --secret-id ${secretArn} --query SecretString --output text --region ${region}`;
}
