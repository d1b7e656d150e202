/**
 * How a person reaches the code-server box: the SSM port forward to code-server itself (localhost is a secure
 * context, which code-server's webviews need), or nginx's HTTPS from allowedCidrs; and the commands and URL the
 * stack outputs. Pure, so the exact text is tested.
 *
 * Every command is one simple command with no quotes and no shell syntax, so it runs the same pasted into a shell
 * and as `$(pulumi stack output <name>)`, whose words the shell only splits (docs/aws-notes.md#connect-commands).
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
    /** Where code-server answers: the instance's own address, or the port forward's local end. A URL, nothing else. */
    url: string;
    portForwardCommand: string;
    sessionCommand: string;
    /** What EC2 says about the instance now: its state, launch time, zone, addresses and security groups. */
    instanceInfoCommand: string;
    /** One sentence on how to reach code-server. */
    connectHint: string;
}

/** Where the password is: the stack's secret output (Pulumi prints it only when asked to). */
const PASSWORD_HINT = "sign in with the password from `pulumi stack output password --show-secrets`";

export function accessCommands({ instanceId, region, publicDns, allowedCidrs, internalPort, nginxPort }: AccessTarget): AccessCommands {
    const direct = allowedCidrs.length > 0 && publicDns !== "";
    const url = direct ? `https://${publicDns}${nginxPort === 443 ? "" : `:${nginxPort}`}/` : `http://localhost:${PORT_FORWARD_LOCAL_PORT}/`;
    return {
        url,
        // AWS CLI shorthand for the document's parameters: the same request as the JSON form, without its quotes.
        portForwardCommand:
            `aws ssm start-session --target ${instanceId} --document-name AWS-StartPortForwardingSession ` +
            `--parameters portNumber=${internalPort},localPortNumber=${PORT_FORWARD_LOCAL_PORT} --region ${region}`,
        sessionCommand: `aws ssm start-session --target ${instanceId} --region ${region}`,
        // Unfiltered: a --query needs brackets, which zsh globs when the command is pasted.
        instanceInfoCommand: `aws ec2 describe-instances --instance-ids ${instanceId} --region ${region} --output table`,
        connectHint: direct
            ? `Open ${url}, check that its certificate's SHA-256 fingerprint is \`pulumi stack output tlsCertificateSha256\`, and ${PASSWORD_HINT}.`
            : `Run \`$(pulumi stack output portForwardCommand)\` and leave it running, open ${url} and ${PASSWORD_HINT}.`,
    };
}

export function passwordCommand(secretArn: string, region: string): string {
    return `aws secretsmanager get-secret-value --secret-id ${secretArn} --query SecretString --output text --region ${region}`;
}
