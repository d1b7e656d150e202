/**
 * How a person reaches the code-server box: the SSM port forward to code-server itself (localhost is a secure
 * context, which code-server's webviews need), or nginx's HTTPS from allowedCidrs; and the commands and URL the
 * stack outputs. Pure, so the exact text is tested.
 */

/** The port on the user's machine that the SSM port forward listens on. */
const PORT_FORWARD_LOCAL_PORT = 8080;

export interface AccessTarget {
    instanceId: string;
    region: string;
    /** The instance's public DNS name; "" without one. */
    publicDns: string;
    /** CIDRs admitted to nginxPort over HTTPS; empty: reachable only through the port forward. */
    allowedCidrs: string[];
    /** code-server's own port on the instance (127.0.0.1): the port forward's far end. */
    internalPort: number;
    /** nginx's port: HTTPS from allowedCidrs. */
    nginxPort: number;
}

export interface AccessCommands {
    url: string;
    portForwardCommand: string;
    sessionCommand: string;
    /** One sentence on how to reach code-server. */
    connectHint: string;
}

export function accessCommands({ instanceId, region, publicDns, allowedCidrs, internalPort, nginxPort }: AccessTarget): AccessCommands {
    const direct = allowedCidrs.length > 0 && publicDns !== "";
    const local = `http://localhost:${PORT_FORWARD_LOCAL_PORT}/`;
    const url = direct ? `https://${publicDns}${nginxPort === 443 ? "" : `:${nginxPort}`}/` : `${local} (while portForwardCommand runs)`;
    return {
        url,
        portForwardCommand:
            `aws ssm start-session --target ${instanceId} --document-name AWS-StartPortForwardingSession ` +
            `--parameters '{"portNumber":["${internalPort}"],"localPortNumber":["${PORT_FORWARD_LOCAL_PORT}"]}' --region ${region}`,
        sessionCommand: `aws ssm start-session --target ${instanceId} --region ${region}`,
        connectHint: direct
            ? `Open ${url}, check that the certificate's SHA-256 fingerprint is tlsCertificateSha256, and sign in with the password from passwordCommand.`
            : `Run portForwardCommand, open ${local} and sign in with the password from passwordCommand.`,
    };
}

export function passwordCommand(secretArn: string, region: string): string {
    return `aws secretsmanager get-secret-value --secret-id ${secretArn} --query SecretString --output text --region ${region}`;
}
