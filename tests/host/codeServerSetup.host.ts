import { expect } from "chai";
import { writeFileSync } from "fs";
import * as path from "path";
import type { CodeServerConfig } from "../../components/config";
import { loadSetupTasks } from "../../components/codeServer/setupTasks";
import { MOUNT_TASK_ID } from "../../components/codeServer/workVolumeTask";
import { DEFAULT_MARKER_DIR } from "../../dynamic-providers/ssmTasks/script";
import { codeServerConfig } from "../helpers/codeServerConfig";
import { PROJECT_DIR } from "./capture";
import type { AwsCall } from "./hostProtocol";
import { DEFAULT_CLIENTS } from "./harness";
import type { Props, ProviderHost } from "./harness";
import type { HostSuite} from "./hostSuite";
import { useHostSuite } from "./hostSuite";
import type { StepOutcome } from "./lifecycle";
import { ResourceLifecycle } from "./lifecycle";

// The SsmTasks a real CodeServerInstance registers (the component's work-volume mount, then the shipped
// tasks/code-server-setup.json as loadSetupTasks loads it, with the password as a secret ARN), run by @pulumi/pulumi's
// dynamic-provider host with SSM Run Command faked inside it (tests/fakes/ssmFake.ts runs each command with /bin/sh).
// The component sets no markerDir, so the fake maps the provider's default marker directory: the captured inputs
// are sent to the host unchanged.

const INSTANCE = "i-0c0de5e4e0000a001";
const VOLUME = "vol-0c0de5e4e0000a001";
const REGION = "us-east-1";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:capblocks-dev-code-server-password-AbCdEf`;
const PASSWORD = "pw-code-server-Host-test-0001";
const SEND = "SSMClient.SendCommand";
const OUTPUT_GROUP = "/capblocks/capblocks-dev-code-server/setup-20261124000000000000000001";

const CONFIG: CodeServerConfig = codeServerConfig({ amiId: "ami-0example000000001", homeDir: "/home/coder" });
const SETUP = loadSetupTasks(CONFIG, PROJECT_DIR);
const TASK_IDS = [MOUNT_TASK_ID, ...SETUP.tasks.map((t) => t.id)];

const CODE_SERVER = {
    modulePath: "components/codeServer/codeServerInstance.ts",
    className: "CodeServerInstance",
    name: "code-server",
    args: {
        config: CONFIG,
        region: REGION,
        placement: { subnetId: "subnet-0example00000001", vpcId: "vpc-0example000000001", availabilityZone: `${REGION}a` },
        launch: true,
        tasks: SETUP.tasks,
        variables: SETUP.variables,
    },
    select: { type: "pulumi-nodejs:dynamic/capblocks:SsmTasks" },
};
// Under mocks, resources echo their inputs; these give the instance, work volume and secret the ids AWS would.
const MOCKED = {
    resources: {
        "aws:ec2/instance:Instance": { id: INSTANCE },
        "aws:ebs/volume:Volume": { id: VOLUME },
        "aws:secretsmanager/secret:Secret": { id: SECRET_ARN, outputs: { arn: SECRET_ARN } },
        "aws:cloudwatch/logGroup:LogGroup": { id: OUTPUT_GROUP, outputs: { name: OUTPUT_GROUP, arn: `arn:aws:logs:${REGION}:123456789012:log-group:${OUTPUT_GROUP}` } },
        "random:index/randomPassword:RandomPassword": { outputs: { result: PASSWORD } },
    },
    invokes: {
        "aws:index/getPartition:getPartition": { partition: "aws" },
        "aws:ec2/getAmi:getAmi": { rootDeviceName: "/dev/sda1" },
    },
};
const SSM_FAKE = {
    name: "ssm",
    module: "tests/fakes/ssmFake.ts",
    export: "installSsmFake",
    options: { instances: [INSTANCE], markerDir: DEFAULT_MARKER_DIR, secrets: { [SECRET_ARN]: PASSWORD }, outputLogGroups: [OUTPUT_GROUP] },
};

function sendComments(calls: AwsCall[]): string[] {
    return calls.filter((c) => `${c.client}.${c.operation}` === SEND).map((c) => (c.input as { Comment: string }).Comment);
}

function statuses(outputs: Props | undefined): Record<string, string> {
    const states = (outputs?.taskStates ?? {}) as Record<string, { status: string }>;
    return Object.fromEntries(Object.entries(states).map(([id, s]) => [id, s.status]));
}

/**
 * One agent check and one SendCommand; polls for its result, and reads of the output it streams while it runs, are
 * the only other calls (their number is timing).
 */
function expectOneCommand(calls: Record<string, number>): void {
    expect(calls).to.include({ "SSMClient.DescribeInstanceInformation": 1, [SEND]: 1 });
    expect(Object.keys(calls).filter((c) => c !== "CloudWatchLogsClient.FilterLogEvents").sort()).to.deep.equal([
        "SSMClient.DescribeInstanceInformation",
        "SSMClient.GetCommandInvocation",
        "SSMClient.ListCommandInvocations",
        SEND,
    ]);
}

/** The mount task failed and nothing after it ran. */
const MOUNT_FAILED = Object.fromEntries(TASK_IDS.map((id, i) => [id, i === 0 ? "failed" : "pending"]));

describe("CodeServerInstance's setup in the dynamic-provider host", () => {
    const suite = useHostSuite(
        { fakes: [SSM_FAKE], clients: [...DEFAULT_CLIENTS, { module: "@aws-sdk/client-cloudwatch-logs", export: "CloudWatchLogsClient" }] },
        [CODE_SERVER],
        MOCKED,
    );
    let host: ProviderHost;
    let callsDuring: HostSuite["callsDuring"];
    let life: ResourceLifecycle;
    before(async () => {
        ({ host, callsDuring } = suite());
        life = new ResourceLifecycle(suite().resources["code-server-setup"]);
        // The fake instance has no EBS device, so the mount task waits its full 300 s for one with `sleep 5`
        // (dash runs /bin/sleep from PATH): a no-op sleep first on the instance's PATH makes that wait instant.
        const bin = path.join(String(await host.control("ssm", "instanceRoot", INSTANCE)), "bin");
        writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    });

    describe("one setup from a failed mount to its resume", () => {
        // Runs before the suite stops the host: the fake made its instance directories inside the host, so it removes them.
        after(() => suite().host.control("ssm", "restore"));

        it("the registered inputs carry the real task list after the mount, and the password only as its secret ARN", () => {
            const inputs = life.resource.registration.inputs;
            expect(inputs.instanceIds).to.deep.equal([INSTANCE]);
            expect((inputs.tasks as { id: string }[]).map((t) => t.id)).to.deep.equal(TASK_IDS);
            expect(inputs.secrets).to.deep.equal({ PASSWORD: SECRET_ARN });
            expect(inputs.outputLogGroup, "the run streams its output to the stack's log group").to.equal(OUTPUT_GROUP);
            expect(JSON.stringify(inputs)).to.contain(VOLUME).and.not.contain(PASSWORD);
        });

        it("check passes the full code-server task list without calling AWS", async () => {
            let failures: { property: string; reason: string }[] | undefined;
            const calls = await callsDuring(async () => {
                ({ failures } = await life.resource.check());
            });
            expect(failures).to.deep.equal([]);
            expect(calls).to.deep.equal({});
        });

        it("create on an instance without the work volume fails at the mount task with ErrorResourceInitFailed, in one command", async () => {
            let outcome: StepOutcome | undefined;
            const before = host.calls().length;
            const calls = await callsDuring(async () => {
                outcome = await life.up();
            });
            expect(outcome?.step).to.equal("create");
            expectOneCommand(calls);
            expect(sendComments(host.calls().slice(before))[0]).to.match(new RegExp(`^capblocks SsmTasks ${MOUNT_TASK_ID} `));
            // Reaching the test at all is the point: a trailer with the full provider and this task list would be lost.
            const failure = outcome?.error?.initFailure;
            expect(failure?.id).to.match(/^ssmtasks-/);
            expect(String(failure?.properties.__provider)).to.match(/^exports\.handler = /).and.have.length.below(1000);
            expect(statuses(failure?.properties)).to.deep.equal(MOUNT_FAILED);
            expect(failure?.reasons[0])
                .to.contain(`task "${MOUNT_TASK_ID}" (Mount the work volume) failed on ${INSTANCE}: exit code 1`)
                .and.contain(`work volume ${VOLUME} is not attached`);
            expect(life.state).to.include({ id: failure?.id });
            expect(life.state?.initErrors).to.deep.equal(failure?.reasons);
            expect(JSON.stringify(life.state)).to.not.contain(PASSWORD);
            const heard = (await host.messages()).map((m) => m.text);
            expect(heard, "the engine shows where setup stopped").to.include(`SsmTasks: ${MOUNT_TASK_ID} failed on ${INSTANCE} (exit 1)`);
        });

        it("the next up (Diff, then Update) resumes at the mount task and does not claim success", async () => {
            const id = life.state?.id;
            let outcome: StepOutcome | undefined;
            const before = host.calls().length;
            const calls = await callsDuring(async () => {
                outcome = await life.up();
            });
            expect(outcome?.step).to.equal("update");
            expect(outcome?.diff?.changes, "the provider's Diff sees the pending tasks").to.equal("DIFF_SOME");
            expectOneCommand(calls);
            expect(sendComments(host.calls().slice(before))[0]).to.match(new RegExp(`^capblocks SsmTasks ${MOUNT_TASK_ID} `));
            expect(outcome?.error?.initFailure?.reasons[0]).to.contain(`task "${MOUNT_TASK_ID}" (Mount the work volume) failed on ${INSTANCE}: exit code 1`);
            expect(life.state).to.include({ id });
            expect(life.state?.initErrors).to.have.length(1);
            expect(statuses(life.state?.outputs)).to.deep.equal(MOUNT_FAILED);
        });
    });
});
