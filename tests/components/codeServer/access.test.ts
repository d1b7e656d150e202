import { expect } from "chai";
import { accessCommands, passwordCommand } from "../../../components/codeServer/access";

const target = { instanceId: "i-0abc", region: "sa-east-1", publicDns: "ec2-198-51-100-7.sa-east-1.compute.amazonaws.com", allowedCidrs: [] };

describe("code-server access", () => {
    it("without allowedCidrs: a port forward from localhost:8080 to nginx on 80, and an SSM session", () => {
        expect(accessCommands(target)).to.deep.equal({
            url: "http://localhost:8080/ (while portForwardCommand runs)",
            portForwardCommand:
                "aws ssm start-session --target i-0abc --document-name AWS-StartPortForwardingSession " +
                `--parameters '{"portNumber":["80"],"localPortNumber":["8080"]}' --region sa-east-1`,
            sessionCommand: "aws ssm start-session --target i-0abc --region sa-east-1",
            connectHint: "Run portForwardCommand, open http://localhost:8080/ and sign in with the password from passwordCommand.",
        });
    });

    it("with allowedCidrs and a public DNS name: the instance's own URL", () => {
        const direct = accessCommands({ ...target, allowedCidrs: ["203.0.113.7/32"] });
        expect(direct.url).to.equal("http://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com/");
        expect(direct.connectHint).to.equal("Open http://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com/ and sign in with the password from passwordCommand.");
        // No public name (a subnet without public IPs): the port forward is still the way in.
        expect(accessCommands({ ...target, publicDns: "", allowedCidrs: ["203.0.113.7/32"] }).url).to.equal("http://localhost:8080/ (while portForwardCommand runs)");
    });

    it("reads the password from the stack's secret", () => {
        expect(passwordCommand("arn:aws:secretsmanager:sa-east-1:123456789012:secret:pw-AbCdEf", "sa-east-1")).to.equal(
            "aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:sa-east-1:123456789012:secret:pw-AbCdEf --query SecretString --output text --region sa-east-1",
        );
    });
});
