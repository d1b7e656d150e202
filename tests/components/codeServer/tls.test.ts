import { expect } from "chai";
import { CodeServerInstance } from "../../../components/codeServer/codeServerInstance";
import { placementIn } from "../../../components/codeServer/placement";
import { FINGERPRINT_PENDING, fingerprintWritePolicy } from "../../../components/codeServer/tls";
import type { CodeServerConfig } from "../../../components/config";
import type { MockRun } from "../../../scripts/offlineMocks";
import { codeServerConfig } from "../../helpers/codeServerConfig";
import { mockAws, ofType, oneOfType, REGION, resolved } from "../../helpers/mocks";

const PARAMETER = "aws:ssm/parameter:Parameter";
const TASKS = "pulumi-nodejs:dynamic/capblocks:SsmTasks";
const POLICY = "aws:iam/rolePolicy:RolePolicy";

async function build(over: Partial<CodeServerConfig>, launch = true): Promise<{ run: MockRun; fingerprint: string }> {
    const run = await mockAws();
    const cs = new CodeServerInstance("code-server", {
        config: codeServerConfig({ instanceType: "g7e.2xlarge", ...over }),
        region: REGION,
        placement: placementIn("sa-east-1a", REGION),
        launch,
        tasks: [{ id: "t", name: "t", commands: ["true"] }],
        variables: { HTTPS: "on", TLS_FINGERPRINT_PARAMETER: "" },
    });
    return { run, fingerprint: await resolved<string>(cs.tlsCertificateSha256) };
}

describe("HTTPS with a certificate the box makes (its fingerprint reported back)", () => {
    it("creates a parameter only the instance role may write, names it to setup, and reads it back after setup", async () => {
        const { run, fingerprint } = await build({ allowedCidrs: ["203.0.113.7/32"] });
        const parameter = oneOfType(run, PARAMETER);
        expect(parameter.inputs).to.include({ type: "String", insecureValue: FINGERPRINT_PENDING });
        // The instance writes the value; the stack must not write it back on the next up.
        expect(parameter.options.ignoreChanges).to.deep.equal(["insecureValue", "value"]);
        const name = String(run.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter" && !String(c.inputs.name).startsWith("/aws/"))?.inputs.name);
        expect(name).to.match(/^code-server-tls-fingerprint-/);
        const write = ofType(run, POLICY).find((p) => p.name === "code-server-write-tls-fingerprint");
        expect(JSON.parse(String(write?.inputs.policy))).to.deep.equal(fingerprintWritePolicy(`arn:aws:ssm:${REGION}:123456789012:parameter/${name}`));
        const setup = oneOfType(run, TASKS);
        expect(setup.inputs.variables).to.include({ HTTPS: "on", TLS_FINGERPRINT_PARAMETER: name });
        expect(setup.options.dependsOn).to.include.members(["code-server-tls-fingerprint", "code-server-write-tls-fingerprint"]);
        // Before the instance writes it, the parameter still holds the stack's placeholder.
        expect(fingerprint).to.equal(FINGERPRINT_PENDING);
    });

    it("lets the role put that one parameter and nothing else", () => {
        expect(fingerprintWritePolicy("arn:aws:ssm:sa-east-1:123456789012:parameter/p")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "ssm:PutParameter", Resource: "arn:aws:ssm:sa-east-1:123456789012:parameter/p" }],
        });
    });

    it("has nothing to report without allowedCidrs, or while no instance runs (the parameter waits for it)", async () => {
        const closed = await build({});
        expect(ofType(closed.run, PARAMETER)).to.have.length(0);
        expect(closed.fingerprint).to.equal("");
        const waiting = await build({ allowedCidrs: ["203.0.113.7/32"] }, false);
        expect(ofType(waiting.run, PARAMETER)).to.have.length(1);
        expect(waiting.fingerprint).to.equal("");
    });
});
