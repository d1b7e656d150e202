import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { accessCommands, passwordCommand } from "../../../components/codeServer/access";
import type { HowRun } from "../../helpers/shellCommands";
import { runWithStubAws } from "../../helpers/shellCommands";

const target = {
    instanceId: "i-0abc",
    region: "sa-east-1",
    publicDns: "ec2-198-51-100-7.sa-east-1.compute.amazonaws.com",
    allowedCidrs: [],
    internalPort: 8080,
    nginxPort: 80,
};
const SECRET_ARN = "arn:aws:secretsmanager:sa-east-1:123456789012:secret:pw-AbCdEf";
const WAYS: HowRun[] = ["pasted", "substituted", "eval"];

/** The AWS CLI on this machine, if any: its request body for `command`, sent to a closed local port with fake keys. */
function awsCliRequestBody(command: string): Record<string, unknown> | undefined {
    if (spawnSync("aws", ["--version"], { encoding: "utf8" }).status !== 0) return undefined;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-aws-cli-"));
    try {
        const file = path.join(home, "output.txt");
        fs.writeFileSync(file, `${command}\n`);
        // As `$(pulumi stack output …)` would run it, plus options that make the CLI log the request and fail fast.
        const result = spawnSync("/bin/sh", ["-c", '$(cat "$1") --endpoint-url http://127.0.0.1:9 --cli-connect-timeout 1 --debug', "sh", file], {
            encoding: "utf8",
            env: {
                PATH: process.env.PATH,
                HOME: home,
                AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
                AWS_SECRET_ACCESS_KEY: "example",
                AWS_MAX_ATTEMPTS: "1",
                AWS_RETRY_MODE: "standard",
            },
            timeout: 60_000,
        });
        const body = /'body': b'(\{.*?\})'/.exec(result.stderr);
        expect(body, result.stderr.slice(-2000)).to.not.equal(null);
        return JSON.parse((body as RegExpExecArray)[1]) as Record<string, unknown>;
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

describe("code-server access", () => {
    // code-server FAQ "Why do web views not work?": webviews need a secure context, and localhost is one.
    it("without allowedCidrs: a port forward from localhost:8080 straight to code-server's own port, and an SSM session", () => {
        expect(accessCommands(target)).to.deep.equal({
            url: "http://localhost:8080/",
            portForwardCommand:
                "aws ssm start-session --target i-0abc --document-name AWS-StartPortForwardingSession " +
                "--parameters portNumber=8080,localPortNumber=8080 --region sa-east-1",
            sessionCommand: "aws ssm start-session --target i-0abc --region sa-east-1",
            instanceInfoCommand: "aws ec2 describe-instances --instance-ids i-0abc --region sa-east-1 --output table",
            connectHint:
                "Run `$(pulumi stack output portForwardCommand)` and leave it running, open http://localhost:8080/ " +
                "and sign in with the password from `pulumi stack output password --show-secrets`.",
        });
        expect(accessCommands({ ...target, internalPort: 9000 }).portForwardCommand).to.contain("--parameters portNumber=9000,localPortNumber=8080 ");
    });

    it("with allowedCidrs and a public DNS name: the instance's own HTTPS URL, and the fingerprint to check", () => {
        const direct = accessCommands({ ...target, allowedCidrs: ["203.0.113.7/32"], nginxPort: 443 });
        expect(direct.url).to.equal("https://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com/");
        expect(direct.connectHint).to.equal(
            "Open https://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com/, check that its certificate's SHA-256 fingerprint is " +
                "`pulumi stack output tlsCertificateSha256`, and sign in with the password from `pulumi stack output password --show-secrets`.",
        );
        expect(accessCommands({ ...target, allowedCidrs: ["203.0.113.7/32"], nginxPort: 8443 }).url).to.equal("https://ec2-198-51-100-7.sa-east-1.compute.amazonaws.com:8443/");
    });

    it("with allowedCidrs but no public DNS name (a subnet without public IPs): the port forward is still the way in", () => {
        const viaForward = accessCommands({ ...target, publicDns: "", allowedCidrs: ["203.0.113.7/32"], nginxPort: 443 });
        expect(viaForward.url).to.equal("http://localhost:8080/");
        expect(viaForward.connectHint).to.match(/^Run `\$\(pulumi stack output portForwardCommand\)`/);
    });

    it("reads the password from the stack's secret", () => {
        expect(passwordCommand(SECRET_ARN, "sa-east-1")).to.equal(
            `aws secretsmanager get-secret-value --secret-id ${SECRET_ARN} --query SecretString --output text --region sa-east-1`,
        );
    });

    describe("each command reaches the AWS CLI with the same arguments, pasted, as $(pulumi stack output …) and with eval", () => {
        const { portForwardCommand, sessionCommand, instanceInfoCommand } = accessCommands(target);
        const expected: [string, string, string[]][] = [
            ["portForwardCommand", portForwardCommand, [
                "ssm", "start-session", "--target", "i-0abc", "--document-name", "AWS-StartPortForwardingSession",
                "--parameters", "portNumber=8080,localPortNumber=8080", "--region", "sa-east-1",
            ]],
            ["sessionCommand", sessionCommand, ["ssm", "start-session", "--target", "i-0abc", "--region", "sa-east-1"]],
            ["instanceInfoCommand", instanceInfoCommand, ["ec2", "describe-instances", "--instance-ids", "i-0abc", "--region", "sa-east-1", "--output", "table"]],
            ["passwordCommand", passwordCommand(SECRET_ARN, "sa-east-1"), [
                "secretsmanager", "get-secret-value", "--secret-id", SECRET_ARN, "--query", "SecretString", "--output", "text", "--region", "sa-east-1",
            ]],
        ];
        for (const [name, command, args] of expected) {
            for (const how of WAYS) {
                it(`${name}, ${how}`, () => {
                    const run = runWithStubAws(command, how);
                    expect(run.status, run.stderr).to.equal(0);
                    expect(run.calls).to.deep.equal([args]);
                });
            }
        }
    });

    it("the port forward's shorthand parameters are the lists the AWS-StartPortForwardingSession document takes (AWS CLI, when installed)", function () {
        this.timeout(60_000);
        const body = awsCliRequestBody(accessCommands(target).portForwardCommand);
        if (!body) this.skip();
        expect(body).to.deep.equal({
            Target: "i-0abc",
            DocumentName: "AWS-StartPortForwardingSession",
            Parameters: { portNumber: ["8080"], localPortNumber: ["8080"] },
        });
    });
});
