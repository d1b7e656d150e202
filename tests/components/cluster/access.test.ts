import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ec2InstancesConsoleUrl, loginConnectCommand, pcsConsoleUrl } from "../../../components/cluster/access";

/** Shells a user may paste into; zsh and others when installed. */
const SHELLS = ["sh", "bash", "zsh"].filter((s) => spawnSync("sh", ["-c", `command -v ${s}`]).status === 0);

describe("login node access", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    /** A stub `aws` first on PATH: answers describe-instances with `found`, records every call's arguments, one per line. */
    function stubAws(found: string, exitCode = 0) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-aws-"));
        dirs.push(dir);
        fs.writeFileSync(
            path.join(dir, "aws"),
            [
                "#!/bin/sh",
                `{ echo CALL; for a in "$@"; do echo "$a"; done; } >> "${dir}/calls"`,
                `if [ "$2" = describe-instances ]; then echo "${found}"; exit ${exitCode}; fi`,
                "echo session started",
            ].join("\n"),
            { mode: 0o755 },
        );
        const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8").split("CALL\n").slice(1).map((c) => c.trimEnd().split("\n"));
        const run = (shell: string) => spawnSync(shell, ["-c", loginConnectCommand("us-east-2", "pcs_login123")], {
            env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir },
            encoding: "utf8",
        });
        return { run, calls };
    }

    // PCS user guide "Finding compute node group instances": PCS tags login instances aws:pcs:compute-node-group-id.
    for (const shell of SHELLS) {
        it(`works as pasted into ${shell}: finds the login instance by its PCS tag, then opens a session as ubuntu`, () => {
            const aws = stubAws("i-0123456789abcdef0");
            const result = aws.run(shell);
            expect(result.stderr).to.equal("");
            expect(result.status).to.equal(0);
            expect(result.stdout).to.equal("session started\n");
            expect(aws.calls()).to.deep.equal([
                [
                    "ec2", "describe-instances", "--region", "us-east-2",
                    "--filters", "Name=tag:aws:pcs:compute-node-group-id,Values=pcs_login123", "Name=instance-state-name,Values=running",
                    "--query", "Reservations[0].Instances[0].InstanceId", "--output", "text",
                ],
                [
                    "ssm", "start-session", "--region", "us-east-2", "--target", "i-0123456789abcdef0",
                    "--document-name", "AWS-StartInteractiveCommand", "--parameters", '{"command":["sudo -iu ubuntu"]}',
                ],
            ]);
        });
    }

    it("says there is no login node yet instead of starting a session with the target None", () => {
        const aws = stubAws("None");
        const result = aws.run("sh");
        expect(result.stderr).to.equal("no running login node in node group pcs_login123 yet (PCS starts it a few minutes after pulumi up)\n");
        expect(aws.calls()).to.have.length(1);
    });

    it("stops after a failed lookup (no credentials, wrong Region) with the CLI's own error", () => {
        const aws = stubAws("An error occurred (AuthFailure)", 254);
        const result = aws.run("bash");
        expect(result.status).to.equal(254);
        expect(aws.calls()).to.have.length(1);
    });

    it("refuses values that could break out of the command", () => {
        expect(() => loginConnectCommand("us-east-2; rm -rf ~", "pcs_x")).to.throw(/unexpected Region/);
        expect(() => loginConnectCommand("us-east-2", "pcs_x$(id)")).to.throw(/unexpected node group id/);
    });
});

describe("console links", () => {
    it("opens the cluster in the PCS console and its nodes (by the capblocks:cluster tag) in the EC2 console, per partition", () => {
        expect(pcsConsoleUrl("us-east-2", "pcs_abc123")).to.equal("https://us-east-2.console.aws.amazon.com/pcs/home?region=us-east-2#/clusters/pcs_abc123");
        expect(ec2InstancesConsoleUrl("us-east-2", "p5-training")).to.equal(
            "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:tag:capblocks:cluster=p5-training",
        );
        expect(pcsConsoleUrl("us-gov-west-1", "pcs_a")).to.match(/^https:\/\/console\.amazonaws-us-gov\.com\/pcs\//);
        expect(ec2InstancesConsoleUrl("cn-north-1", "c")).to.match(/^https:\/\/console\.amazonaws\.cn\/ec2\//);
    });
});
