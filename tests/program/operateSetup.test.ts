/**
 * index.ts under the offline mocks with the operator's setup controls: `setup: false` builds the box without its
 * SsmTasks and says so, `rerun` reaches SsmTasks as a token, and the `setupTasks` output `npm run tasks` reads.
 */
import { expect } from "chai";
import { SETUP_OFF } from "../../components/codeServer/setupControls";
import type { SetupTasksSummary } from "../../components/codeServer/setupTasksSummary";
import { MOUNT_TASK_ID } from "../../components/codeServer/workVolumeTask";
import { CODE_SERVER_TASKS_FILE, readTaskFile } from "../../tasks/loader";
import { activeBlock, ofType, oneOfType, runProgram } from "../helpers/mocks";

const BLOCK = activeBlock();
const adopt = { id: BLOCK.id, instanceType: BLOCK.instanceType };
const TASKS = "pulumi-nodejs:dynamic/capblocks:SsmTasks";
const SHIPPED_IDS = (readTaskFile(CODE_SERVER_TASKS_FILE).tasks ?? []).map((t) => t.id);

const withCodeServer = (codeServer: Record<string, unknown>) => ({ "capblocks:reservation": adopt, "capblocks:codeServer": codeServer });

describe("operating the box without a shell: setup and rerun in the program", () => {
    it("setup: false builds the instance, its work volume and access, but no SsmTasks, and nextStep says how to turn it on", async () => {
        const { run, outputs, error } = await runProgram(withCodeServer({ setup: false }), { block: BLOCK });
        expect(error).to.equal(undefined);
        expect(ofType(run, TASKS)).to.have.length(0);
        for (const type of ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume", "aws:ec2/volumeAttachment:VolumeAttachment"]) {
            expect(ofType(run, type), type).to.have.length(1);
        }
        expect(outputs?.url).to.equal(SETUP_OFF);
        expect(outputs?.portForwardCommand).to.equal(SETUP_OFF);
        expect(outputs?.sessionCommand).to.match(/^aws ssm start-session --target i-/);
        expect(outputs?.instanceInfoCommand).to.match(/^aws ec2 describe-instances --instance-ids i-\S+ --region \S+ --output table$/);
        expect(outputs?.nextStep).to.contain("Setup is off (capblocks:codeServer.setup: false)")
            .and.contain("`pulumi config set --path capblocks:codeServer.setup true` and `pulumi up`");
        expect(JSON.parse(outputs?.setupTasks ?? "")).to.deep.equal({ setup: "off", instances: [], runs: [], tasks: [] });
    });

    it("setup: false with allowedCidrs: no certificate is made, and tlsCertificateSha256 says setup is off like url", async () => {
        const { outputs, error } = await runProgram(withCodeServer({ setup: false, allowedCidrs: ["203.0.113.7/32"] }), { block: BLOCK });
        expect(error).to.equal(undefined);
        expect(outputs?.tlsCertificateSha256).to.equal(SETUP_OFF);
        expect(outputs?.url).to.equal(SETUP_OFF);
    });

    it("setup streams its output to a log group of the stack's own, which the instance role may write and nothing else", async () => {
        const { run, error } = await runProgram(withCodeServer({}), { block: BLOCK });
        expect(error).to.equal(undefined);
        const group = oneOfType(run, "aws:cloudwatch/logGroup:LogGroup");
        expect(group.inputs).to.include({ namePrefix: "/capblocks/capblocks-test-code-server/setup-", retentionInDays: 7 });
        const groupName = String(oneOfType(run, TASKS).inputs.outputLogGroup);
        expect(groupName.startsWith("/capblocks/capblocks-test-code-server/setup-")).to.equal(true);
        const policy = ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "code-server-write-setup-output");
        expect(JSON.parse(String(policy?.inputs.policy)).Statement).to.deep.equal([{
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: [`arn:aws:logs:sa-east-1:123456789012:log-group:${groupName}`, `arn:aws:logs:sa-east-1:123456789012:log-group:${groupName}:log-stream:*`],
        }]);
        expect(oneOfType(run, TASKS).options.dependsOn).to.include("code-server-write-setup-output");
        const off = await runProgram(withCodeServer({ setup: false }), { block: BLOCK });
        expect(ofType(off.run, "aws:cloudwatch/logGroup:LogGroup")).to.have.length(0);
    });

    it("with setup on, setupTasks lists every task in run order, mount first, with its name filled in", async () => {
        const { outputs, error } = await runProgram(withCodeServer({ user: "dev" }), { block: BLOCK });
        expect(error).to.equal(undefined);
        const summary = JSON.parse(outputs?.setupTasks ?? "") as SetupTasksSummary;
        expect(summary.setup).to.equal("on");
        expect(summary.instances).to.have.length(1);
        expect(summary.tasks.map((t) => t.id)).to.deep.equal([MOUNT_TASK_ID, ...SHIPPED_IDS]);
        expect(summary.tasks.every((t) => t.status === "pending"), "nothing has run under the mocks").to.equal(true);
        expect(JSON.stringify(summary.tasks.map((t) => t.name))).to.not.contain("{{");
    });

    it("a rerun list reaches SsmTasks with the list as its token", async () => {
        const { run, error } = await runProgram(withCodeServer({ rerun: ["extensions"] }), { block: BLOCK });
        expect(error).to.equal(undefined);
        expect(oneOfType(run, TASKS).inputs.rerun).to.deep.include({ tasks: ["extensions"] }).and.have.property("token").that.matches(/^list:/);
        const bad = await runProgram(withCodeServer({ rerun: ["extensions", "extensions"] }), { block: BLOCK });
        expect(bad.error?.message).to.contain("capblocks:codeServer.rerun: [\"extensions\",\"extensions\"] must be a list of task ids (or [all])");
    });

    it("rerun reaches SsmTasks with its id as the token; without rerun there is no such input", async () => {
        const { run, error } = await runProgram(withCodeServer({ rerun: { tasks: ["nginx", "verify"], id: 2 } }), { block: BLOCK });
        expect(error).to.equal(undefined);
        expect(oneOfType(run, TASKS).inputs.rerun).to.deep.equal({ tasks: ["nginx", "verify"], token: "2" });
        const plain = await runProgram(withCodeServer({}), { block: BLOCK });
        expect(oneOfType(plain.run, TASKS).inputs).to.not.have.property("rerun");
    });

    it("a rerun task the setup does not have stops the program, naming it and the tasks there are", async () => {
        const { run, error } = await runProgram(withCodeServer({ rerun: { tasks: ["ngnix", "all"], id: 1 } }), { block: BLOCK });
        expect(error?.message).to.contain(`capblocks:codeServer.rerun: "ngnix" is not a setup task; use "all" or ids from: ${MOUNT_TASK_ID}, ${SHIPPED_IDS[0]}`);
        expect(ofType(run, TASKS)).to.have.length(0);
    });

    it("rerun needs tasks and an id; a number or a short label both work", async () => {
        const missing = await runProgram(withCodeServer({ rerun: { tasks: ["nginx"] } }), { block: BLOCK });
        expect(missing.error?.message).to.contain('capblocks:codeServer.rerun: {"tasks":["nginx"]} must be a list of task ids (or [all]), or {tasks: [<task id>, …], id: 1} to run the same tasks again later by changing id');
        const label = await runProgram(withCodeServer({ rerun: { tasks: ["all"], id: "after-upgrade" } }), { block: BLOCK });
        expect(oneOfType(label.run, TASKS).inputs.rerun).to.deep.equal({ tasks: ["all"], token: "after-upgrade" });
        const zero = await runProgram(withCodeServer({ rerun: { tasks: ["all"], id: 0 } }), { block: BLOCK });
        expect(zero.error?.message).to.contain("capblocks:codeServer.rerun.id: 0 must be a number (1, 2, …) or a short label");
    });
});
