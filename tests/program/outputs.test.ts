/**
 * The stack outputs a user reads (#8, #25) and the nextStep of each state (#13, #5): index.ts under the offline
 * mocks. Commands are run through a shell with a stub `aws`, as a user would paste them or use `$(pulumi stack output …)`.
 */
import { expect } from "chai";
import { FINGERPRINT_PENDING } from "../../components/codeServer/tls";
import type { BlockFacts } from "../../scripts/offlineMocks";
import { activeBlock, runProgram } from "../helpers/mocks";
import type { ProgramRun } from "../helpers/mocks";
import { runWithStubAws } from "../helpers/shellCommands";

const DAY = 24 * 3600_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

const BUY = { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" };
const dev = { "capblocks:reservation": BUY };
const P5 = (over: Partial<BlockFacts> = {}) => activeBlock({ id: "cr-0b0b0000000000005", instanceType: "p5.48xlarge", instanceCount: 2, availabilityZone: "sa-east-1a", ...over });
const clusterOnly = (sharedStorage = "efs") => ({
    "capblocks:reservation": { instanceType: "p5.48xlarge", instanceCount: 2, durationHours: 24, maxUpfrontFee: "2000" },
    "capblocks:codeServer": { enabled: false },
    "capblocks:cluster": { enabled: true, name: "p5-training", sharedStorage },
});
/** The last deployment recorded this block (and built the cluster, when `clusterId` is given). */
const recorded = (block: BlockFacts, more: Record<string, string> = {}) => ({ block, previousOutputs: { blockId: block.id, blockGeneration: "1", ...more } });

async function ok(config: Record<string, unknown>, assumptions: Parameters<typeof runProgram>[1]): Promise<Record<string, string>> {
    const result: ProgramRun = await runProgram(config, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result.outputs as Record<string, string>;
}

describe("stack outputs", () => {
    describe("code-server on an active block", () => {
        let outputs: Record<string, string>;
        before(async () => {
            outputs = await ok(dev, recorded(activeBlock()));
        });

        it("url is a URL, and the prose is in nextStep", () => {
            expect(outputs.url).to.equal("http://localhost:8080/");
            expect(outputs.nextStep).to.contain("Run `$(pulumi stack output portForwardCommand)` and leave it running, open http://localhost:8080/");
        });

        it("password is an output marked secret (pulumi stack output password --show-secrets)", () => {
            expect(outputs.password).to.equal("[secret]");
        });

        it("portForwardCommand, sessionCommand and passwordCommand reach the AWS CLI intact as $(pulumi stack output …)", () => {
            for (const name of ["portForwardCommand", "sessionCommand", "passwordCommand"]) {
                const run = runWithStubAws(outputs[name], "substituted");
                expect(run.status, `${name}: ${run.stderr}`).to.equal(0);
                expect(run.calls.map((call) => call.join(" ")), name).to.deep.equal([outputs[name].replace(/^aws /, "")]);
            }
            expect(runWithStubAws(outputs.portForwardCommand, "substituted").calls[0]).to.include("portNumber=8080,localPortNumber=8080");
        });
    });

    it("before the block starts: no instance, so no instanceId, url or commands to reach it; the password is there already", async () => {
        const outputs = await ok(dev, recorded(activeBlock({ state: "scheduled", startDate: inDays(1), endDate: inDays(2) })));
        for (const name of ["instanceId", "url", "portForwardCommand", "sessionCommand"]) expect(outputs, name).to.not.have.property(name);
        expect(outputs).to.include({ password: "[secret]" });
        expect(outputs.passwordCommand).to.match(/^aws secretsmanager get-secret-value /);
    });

    it("with allowedCidrs: an https url and the certificate's fingerprint the box reported, both only once it is launched", async () => {
        const open = { ...dev, "capblocks:codeServer": { allowedCidrs: ["203.0.113.7/32"] } };
        const outputs = await ok(open, recorded(activeBlock()));
        expect(outputs.url).to.match(/^https:\/\/ec2-[^/]+\.amazonaws\.com\/$/);
        // The offline mocks read back what the stack put in the parameter: the box has not written it.
        expect(outputs.tlsCertificateSha256).to.equal(FINGERPRINT_PENDING);
        expect(outputs.nextStep).to.contain("check that its certificate's SHA-256 fingerprint is `pulumi stack output tlsCertificateSha256`");
        const before = await ok(open, recorded(activeBlock({ state: "scheduled", startDate: inDays(1), endDate: inDays(2) })));
        expect(before).to.not.have.property("tlsCertificateSha256");
        expect(await ok(dev, recorded(activeBlock()))).to.not.have.property("tlsCertificateSha256");
    });

    it("on demand: nextStep says the instance bills by the hour until destroy", async () => {
        const outputs = await ok({ "capblocks:codeServer": { instanceType: "g7e.2xlarge" } }, {});
        expect(outputs.nextStep).to.match(/^No Capacity Block: the instance runs on demand and bills by the hour while it runs, until `pulumi destroy`\. Run /);
    });

    describe("the cluster", () => {
        it("scheduled (within two days), cluster only: no instance to launch; how to log in and submit, and when jobs run", async () => {
            const block = P5({ state: "scheduled", startDate: inDays(1), endDate: inDays(2) });
            const outputs = await ok(clusterOnly(), recorded(block));
            expect(outputs.nextStep).to.equal(
                `The Capacity Block is scheduled and starts at ${block.startDate}. Cluster p5-training: open a shell on its login node with ` +
                    "`eval \"$(pulumi stack output clusterLoginCommand)\"` (SSM, as ubuntu), then submit jobs to the compute queue, " +
                    `e.g. \`sbatch -p compute job.sh\`; keep code and data in /shared, which every node mounts. Jobs run once the block is active, from ${block.startDate}.`,
            );
            expect(outputs.nextStep).to.not.match(/launch|instance and set it up/);
        });

        it("clusterLoginCommand, pasted, opens a session on the running login node, or says none runs yet", async () => {
            const outputs = await ok(clusterOnly(), recorded(P5()));
            const found = runWithStubAws(outputs.clusterLoginCommand, "pasted", "i-0login0000000001");
            expect(found.status, found.stderr).to.equal(0);
            expect(found.calls[1]).to.deep.equal([
                "ssm", "start-session", "--region", "sa-east-1", "--target", "i-0login0000000001",
                "--document-name", "AWS-StartInteractiveCommand", "--parameters", '{"command":["sudo -iu ubuntu"]}',
            ]);
            const none = runWithStubAws(outputs.clusterLoginCommand, "eval");
            expect(none.status).to.equal(1);
            expect(none.stderr).to.match(/^capblocks: no login node of PCS node group pcs_\w+ is running yet in sa-east-1;/);
            expect(none.calls.map((call) => call[1])).to.deep.equal(["describe-instances"]);
        });

        it("expired, EFS, no code-server: no work volume in the advice, no AZ to keep (EFS is regional), destroy keeps EFS", async () => {
            const outputs = await ok(clusterOnly(), recorded(P5({ state: "expired" }), { clusterId: "pcs_0123456789" }));
            expect(outputs.nextStep).to.contain("To continue, bump capblocks:reservation.generation (it buys a new block), then run `pulumi up`.");
            expect(outputs.nextStep).to.contain("Otherwise `pulumi destroy` stops what still bills: the NAT gateway, the PCS controller, the login node and EFS; it keeps the EFS file system");
            expect(outputs.nextStep).to.not.match(/work volume|availabilityZones/);
        });
    });

    it("expired, adopted by id: another block by id; never generation or availabilityZones, which an adopt config refuses", async () => {
        const block = activeBlock({ state: "expired" });
        const outputs = await ok({ "capblocks:reservation": { id: block.id, instanceType: block.instanceType } }, { block });
        expect(outputs.nextStep).to.contain(`To continue, set capblocks:reservation.id to another Capacity Block (one in ${block.availabilityZone} stays next to the work volume)`);
        expect(outputs.nextStep).to.contain("Otherwise `pulumi destroy` stops what still bills: the work volume and the password secret; it keeps the work volume");
        expect(outputs.nextStep).to.not.match(/generation|availabilityZones/);
    });

    it("payment failed: fix billing and bump generation (it never becomes active)", async () => {
        const outputs = await ok(dev, recorded(activeBlock({ state: "payment-failed" })));
        expect(outputs.nextStep).to.contain("Fix the account's payment method (AWS Billing), then bump capblocks:reservation.generation");
        expect(outputs.nextStep).to.not.contain("once it is active");
    });
});
