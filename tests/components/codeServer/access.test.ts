import { expect } from "chai";
import { accessCommands, passwordCommand } from "../../../components/codeServer/access";

const target = {
    instanceId: "i-0abc",
    region: "sa-east-1",
    publicDns: "ec2-198-51-100-7.sa-east-1.compute.amazonaws.com",
    allowedCidrs: [],
    internalPort: 8080,
    nginxPort: 80,
};

describe("code-server access", () => {
    // code-server FAQ "Why do web views not work?": webviews need a secure context, and localhost is one.
    it("without allowedCidrs: a port forward from localhost:8080 straight to code-server's own port, and an SSM session", () => {
        expect(accessCommands(target)).to.deep.equal({
            url: "http://localhost:8080/ (while portForwardCommand runs)",
            portForwardCommand:
                "aws ssm start-session --target i-0abc --document-name AWS-StartPortForwardingSession " +
                `--parameters '{"portNumber":["8080"],"localPortNumber":["8080"]}' --region sa-east-1`,
            sessionCommand: "aws ssm start-session --target i-0abc --region sa-east-1",
            connectHint: "Run portForwardCommand, open http://localhost:8080/ and sign in with the password from passwordCommand.",
        });
        expect(accessCommands({ ...target, internalPort: 9000 }).portForwardCommand).to.contain(`"portNumber":["9000"]`);
    });

    it("with allowedCidrs and a public DNS name: the instance's own HTTPS URL, and the fingerprint to check", () => {
        const direct = accessCommands({ ...target, allowedCidrs: ["203.0.113.7/32"], nginxPort: 443 });
        expect(direct.url).to.equal("https://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com/");
        expect(direct.connectHint).to.equal(
            "Open https://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com/, check that the certificate's SHA-256 fingerprint is " +
                "tlsCertificateSha256, and sign in with the password from passwordCommand.",
        );
        expect(accessCommands({ ...target, allowedCidrs: ["203.0.113.7/32"], nginxPort: 8443 }).url).to.equal("https://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com:8443/");
        // No public name (a subnet without public IPs): the port forward is still the way in.
        const hidden = accessCommands({ ...target, publicDns: "", allowedCidrs: ["203.0.113.7/32"] });
        expect(hidden.url).to.equal("http://localhost:8080/ (while portForwardCommand runs)");
        expect(hidden.connectHint).to.match(/^Run portForwardCommand/);
    });

    it("reads the password from the stack's secret", () => {
        expect(passwordCommand("arn:aws:secretsmanager:sa-east-1:123456789012:secret:pw-AbCdEf", "sa-east-1")).to.equal(
            "aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:sa-east-1:123456789012:secret:pw-AbCdEf --query SecretString --output text --region sa-east-1",
        );
    });
});
