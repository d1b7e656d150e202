import { expect } from "chai";
import { stateOnlyProvider } from "../../../dynamic-providers/shared/partialFailure";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { JavaScriptValue} from "google-protobuf/google/protobuf/struct_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ssmTasksProvider } from "../../../dynamic-providers/ssmTasks";
import { parseRunOutput, runOutputIsComplete } from "../../../dynamic-providers/ssmTasks/output";
import { runOnInstances } from "../../../dynamic-providers/ssmTasks/runner";
import { renderRunScript } from "../../../dynamic-providers/ssmTasks/script";
import { prepareTasks } from "../../../dynamic-providers/ssmTasks/template";
import type { SsmFake } from "../../fakes/ssmFake";
import { installSsmFake } from "../../fakes/ssmFake";
import { fastClock, MARKER_DIR, recordingTask, up, useClock } from "../../helpers/ssmTasksHarness";

const I1 = "i-0123456789abcdef0";
const provider = ssmTasksProvider;

function runsOn(fake: SsmFake, instanceId: string): string[] {
    const file = path.join(fake.instanceRoot(instanceId), "runs.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

function inputs(tasks: unknown[], extra: Record<string, unknown> = {}) {
    // __provider: the serialized provider the host adds to every input; a partial failure must keep it in state.
    return { __provider: "serialized-provider", instanceIds: [I1], tasks, variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR, ...extra };
}

describe("SsmTasks provider against the SSM fake", function () {
    useClock(fastClock);
    let fake: SsmFake;
    let scratch: string;
    beforeEach(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ssm-provider-"));
    });
    afterEach(async () => {
        await fake?.settled();
        fake?.restore();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("create runs all tasks in order with ONE SendCommand and records hash, status, command id and time", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const result = await up(provider, inputs([recordingTask("a"), recordingTask("b"), recordingTask("c")]));
        expect(result.error).to.equal(undefined);
        expect(runsOn(fake, I1)).to.deep.equal(["a", "b", "c"]);
        expect(fake.count("SendCommand")).to.equal(1);
        expect(fake.count("GetCommandInvocation"), "success is read from ListCommandInvocations").to.equal(0);
        for (const id of ["a", "b", "c"]) {
            const state = result.outs.taskStates[id];
            expect(state.status).to.equal("success");
            expect(state.hash).to.match(/^[0-9a-f]{64}$/);
            expect(state.commandId).to.be.a("string").and.not.equal("");
            expect(new Date(state.finishedAt as string).toISOString()).to.equal(state.finishedAt);
            expect(fs.readFileSync(path.join(fake.markerDirOf(I1), `${id}.hash`), "utf8").trim()).to.equal(state.hash);
        }
        expect(JSON.stringify(result.outs)).to.not.contain("undefined");
        expect(Object.values(result.outs).some((v) => v === undefined)).to.equal(false);
    });

    it("a failure stops at task 2 of 3, keeps progress in the error's id/properties, and the next up resumes at task 2", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const flag = path.join(scratch, "fixed");
        const tasks = [recordingTask("a"), recordingTask("b", [`echo "cannot find {{FLAG}}" >&2`, `[ -f {{FLAG}} ] || exit 3`]), recordingTask("c")];
        const first = await up(provider, inputs(tasks, { variables: { FLAG: flag } }));
        expect(first.error, "the provider host reads e.id and e.properties for a partial failure").to.not.equal(undefined);
        expect(first.error?.id).to.match(/^ssmtasks-/);
        expect(first.error?.properties).to.have.property("__provider", stateOnlyProvider(""));
        const states = first.outs.taskStates;
        expect([states.a.status, states.b.status, states.c.status]).to.deep.equal(["success", "failed", "pending"]);
        const message = first.error?.message ?? "";
        expect(message).to.contain('task "b"').and.contain(I1).and.contain("exit code 3");
        expect(message).to.contain(`cannot find ${flag}`, "stderr tail");
        expect(message).to.contain(states.b.commandId as string);
        expect(runsOn(fake, I1)).to.deep.equal(["a"]);

        fs.writeFileSync(flag, "");
        const second = await up(provider, inputs(tasks, { variables: { FLAG: flag } }), { id: first.id, outs: first.outs });
        expect(second.error).to.equal(undefined);
        expect(second.updated).to.equal(true);
        expect(runsOn(fake, I1), "a is not run again").to.deep.equal(["a", "b", "c"]);
        expect(fake.sentScripts()[1]).to.not.contain("cb_run 0 'a'");
        expect(Object.values(second.outs.taskStates).map((s) => s.status)).to.deep.equal(["success", "success", "success"]);
    });

    it("a no-op up sends no command and makes no SSM call at all", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const tasks = [recordingTask("a"), recordingTask("b")];
        const first = await up(provider, inputs(tasks));
        const before = fake.calls.length;
        const second = await up(provider, inputs(tasks), { id: first.id, outs: first.outs });
        expect(second.updated).to.equal(false);
        expect(fake.calls.length - before).to.equal(0);
    });

    it("editing a name or description alone is not a change; editing one task's commands re-runs that task only", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const tasks = [recordingTask("a"), recordingTask("b"), recordingTask("c")];
        const first = await up(provider, inputs(tasks));
        const renamed = tasks.map((t) => ({ ...t, name: `${t.name}!`, description: "new words" }));
        const rename = await up(provider, inputs(renamed), { id: first.id, outs: first.outs });
        expect(rename.updated).to.equal(false);
        const changed = [tasks[0], recordingTask("b", ["true"]), tasks[2]];
        const second = await up(provider, inputs(changed), { id: first.id, outs: first.outs });
        expect(second.error).to.equal(undefined);
        expect(runsOn(fake, I1)).to.deep.equal(["a", "b", "c", "b"]);
        expect(fake.count("SendCommand")).to.equal(2);
        expect(second.outs.taskStates.b.hash).to.not.equal(first.outs.taskStates.b.hash);
        expect(second.outs.taskStates.a).to.deep.equal(first.outs.taskStates.a);
    });

    it("changing a variable re-runs exactly the tasks that use it", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const tasks = [recordingTask("a"), recordingTask("b", ["echo port {{PORT}}"]), recordingTask("c"), recordingTask("d", ["echo {{PORT}}"])];
        const first = await up(provider, inputs(tasks, { variables: { PORT: "8080", OTHER: "x" } }));
        await up(provider, inputs(tasks, { variables: { PORT: "9090", OTHER: "x" } }), { id: first.id, outs: first.outs });
        expect(runsOn(fake, I1)).to.deep.equal(["a", "b", "c", "d", "b", "d"]);
    });

    it("60 instances take the same SendCommand calls as 1, split in chunks of 50 (SendCommand: at most 50 InstanceIds)", async function () {
        this.timeout(30000);
        const ids = Array.from({ length: 60 }, (_, i) => `i-${(0x10000000 + i).toString(16)}`);
        fake = installSsmFake({ instances: ids, markerDir: MARKER_DIR });
        const result = await up(provider, { ...inputs([recordingTask("a"), recordingTask("b")]), instanceIds: ids });
        expect(result.error).to.equal(undefined);
        const sends = fake.calls.filter((c) => c.operation === "SendCommand").map((c) => (c.input as { InstanceIds: string[] }).InstanceIds.length);
        expect(sends).to.deep.equal([50, 10]);
        expect(runsOn(fake, ids[59])).to.deep.equal(["a", "b"]);
        expect(fake.count("DescribeInstanceInformation")).to.equal(2, "one filtered call per 50 ids");
    });

    it("refresh with one command notices wiped markers; the next up re-runs the tasks and instances with markers skip them", async () => {
        const I2 = "i-0fedcba9876543210";
        fake = installSsmFake({ instances: [I1, I2], markerDir: MARKER_DIR });
        const tasks = [recordingTask("a"), recordingTask("b")];
        const first = await up(provider, { ...inputs(tasks), instanceIds: [I1, I2] });
        fake.wipeMarkers(I2);
        const sendsBefore = fake.count("SendCommand");
        const refreshed = await provider.read!(first.id, first.outs);
        expect(fake.count("SendCommand") - sendsBefore).to.equal(1);
        const props = refreshed.props as typeof first.outs;
        expect(props.taskStates.a.status).to.equal("pending");
        const second = await up(provider, { ...inputs(tasks), instanceIds: [I1, I2] }, { id: first.id, outs: props });
        expect(second.updated).to.equal(true);
        expect(runsOn(fake, I1)).to.deep.equal(["a", "b"]);
        expect(runsOn(fake, I2)).to.deep.equal(["a", "b", "a", "b"]);
        expect(second.outs.taskStates.a.status).to.equal("success");
    });

    it("refresh reports an instance that no longer exists instead of throwing, and marks its tasks pending", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const first = await up(provider, inputs([recordingTask("a")]));
        fake.setPingStatus(I1, undefined);
        const refreshed = await provider.read!(first.id, first.outs);
        const props = refreshed.props as typeof first.outs;
        expect(props.missingInstances).to.deep.equal([I1]);
        expect(props.taskStates.a.status).to.equal("pending");
    });

    it("a secret is fetched on the instance and never reaches SendCommand, outputs or the error text", async () => {
        const value = "s3cr3t-Val'ue$1";
        const ref = "/capblocks/dev/password";
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, secrets: { [ref]: value } });
        const tasks = [
            { id: "use", name: "Use it", commands: ['printf %s "{{PASSWORD}}" > "$HOME/pw"'] },
            { id: "leak", name: "Leak it", commands: ['echo "the password is {{PASSWORD}}" >&2', "exit 4"] },
        ];
        const result = await up(provider, inputs(tasks, { secrets: { PASSWORD: ref } }));
        expect(fs.readFileSync(path.join(fake.instanceRoot(I1), "pw"), "utf8")).to.equal(value);
        expect(result.error?.message).to.contain("the password is ***");
        expect(result.error?.message).to.not.contain(value);
        expect(JSON.stringify(fake.calls)).to.not.contain(value);
        expect(JSON.stringify(result.outs)).to.not.contain(value);
        expect(fs.readFileSync(path.join(fake.markerDirOf(I1), "leak.log"), "utf8")).to.not.contain(value);
        expect(fake.awsCliCalls(I1)[0]).to.contain(`ssm get-parameter --name ${ref} --with-decryption`);
    });

    it("waits for an agent that comes Online, and fails naming an instance whose agent never does (DescribeInstanceInformation PingStatus)", async () => {
        fake = installSsmFake({ instances: [{ id: I1, pingStatus: "ConnectionLost", onlineAfterDescribes: 2 }], markerDir: MARKER_DIR });
        const ok = await up(provider, inputs([recordingTask("a")], { agentWaitSeconds: 600 }));
        expect(ok.error).to.equal(undefined);
        expect(fake.count("DescribeInstanceInformation")).to.equal(3);
        fake.restore();

        fake = installSsmFake({ instances: [{ id: I1, pingStatus: "ConnectionLost" }], markerDir: MARKER_DIR });
        const failed = await up(provider, inputs([recordingTask("a")], { agentWaitSeconds: 0 }));
        expect(failed.error?.message).to.contain(`${I1}: SSM agent ConnectionLost`);
        expect(failed.outs.taskStates.a.status).to.equal("pending");
        expect(fake.count("SendCommand")).to.equal(0);
    });

    it("tolerates InvocationDoesNotExist / empty listings right after SendCommand (eventual consistency)", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, invocationNotFoundPolls: 3 });
        const result = await up(provider, inputs([recordingTask("a")]));
        expect(result.error).to.equal(undefined);
        expect(fake.count("ListCommandInvocations")).to.be.greaterThan(3);
    });

    it("an SSM execution timeout (TimedOut) fails the running task and says so", async () => {
        // executionTimeout = 1 + 30 = 31 SSM seconds = 310 ms here; the task's own 30 s limit never fires.
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, msPerSecond: 10 });
        const tasks = [{ ...recordingTask("a"), timeoutSeconds: 1 }, { id: "slow", name: "Slow", commands: ["sleep 5"], timeoutSeconds: 30 }];
        const result = await up(provider, inputs(tasks));
        expect(result.error?.message).to.contain('task "slow"').and.contain("executionTimeout");
        expect(result.outs.taskStates.slow.status).to.equal("failed");
        expect(result.outs.taskStates.a.status).to.equal("success");
    });

    it("sets executionTimeout to the sum of the run's task timeouts", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        await up(provider, inputs([{ ...recordingTask("a"), timeoutSeconds: 100 }, { ...recordingTask("b"), timeoutSeconds: 50 }]));
        const sent = fake.calls.find((c) => c.operation === "SendCommand")?.input as { Parameters: Record<string, string[]> };
        expect(sent.Parameters.executionTimeout).to.deep.equal(["150"]);
    });

    it("an SSM API error mid-run still keeps the resource id and progress in state (partial failure)", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        fake.stub.on(SendCommandCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        const result = await up(provider, inputs([recordingTask("a")]));
        expect(result.error?.id).to.match(/^ssmtasks-/);
        expect(result.error?.message).to.contain("Rate exceeded");
        expect(result.outs.taskStates.a.status).to.equal("pending");
    });

    it("check names the task whose placeholder is unknown, before anything runs", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const checked = await provider.check!({}, inputs([recordingTask("a", ["echo {{NOPE}}"])]));
        expect(checked.failures?.map((f) => f.reason)).to.deep.equal(['task "a" uses {{NOPE}}, which is neither in variables nor in secrets; add NOPE to one of them or fix the name']);
        expect(fake.calls).to.have.length(0);
    });

    // The dynamic-provider host marshals check's inputs with Struct.fromJavaScript (@pulumi/pulumi 3.248
    // cmd/dynamic-provider checkRPC) even when there are failures; an undefined value throws there and hides them.
    it("check reports a missing instanceIds or tasks as failures, with inputs the provider host can marshal", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const news: Record<string, unknown> = inputs([recordingTask("a")]);
        delete news.instanceIds;
        delete news.tasks;
        const checked = await provider.check!({}, news);
        expect(checked.failures).to.deep.equal([
            { property: "instanceIds", reason: "give at least one instance id" },
            { property: "tasks", reason: "tasks must be a non-empty list" },
        ]);
        expect(() => Struct.fromJavaScript(checked.inputs as Record<string, JavaScriptValue>)).to.not.throw();
        expect(checked.inputs).to.not.have.any.keys("instanceIds", "tasks");
    });

    it("preview: unknown instance ids or secret ARNs pass check, and diff reports a change without calling SSM", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const news = { ...inputs([recordingTask("a", ["echo {{PW}}"])]), instanceIds: unknown, secrets: { PW: unknown } };
        const checked = await provider.check!({}, news);
        expect(checked.failures).to.deep.equal([]);
        const first = await up(provider, inputs([recordingTask("a")]));
        const diff = await provider.diff!(first.id, first.outs, checked.inputs);
        expect(diff.changes).to.equal(true);
        expect(fake.count("SendCommand")).to.equal(1);
    });

    it("a command re-sent after a lost answer (SendCommand has no idempotency token) waits on the task lock and skips it", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const slow = prepareTasks([{ id: "slow", name: "Slow", commands: ['echo start >> "$HOME/runs.log"', "sleep 0.3", 'echo end >> "$HOME/runs.log"'] }], {}, {});
        const request = { instanceIds: [I1], script: renderRunScript(slow, MARKER_DIR, undefined), executionTimeoutSeconds: 60, comment: "resend" };
        const client = new SSMClient({ region: "us-east-1" });
        const [first, again] = await Promise.all([
            runOnInstances(client, request, runOutputIsComplete, fastClock),
            fastClock.sleep(50).then(() => runOnInstances(client, request, runOutputIsComplete, fastClock)),
        ]);
        expect(runsOn(fake, I1)).to.deep.equal(["start", "end"]);
        expect([first[0].stdout, again[0].stdout].map((o) => parseRunOutput(o).tasks[0].status).sort()).to.deep.equal(["ran", "skipped"]);
    });

    it("a rotated secret (new version label) re-runs exactly the tasks that read it; its values are in no call, output or error", async () => {
        const ref = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pw-AbCdEf";
        const [oldValue, newValue] = ["old-Pa55'word-1", "new-Pa55'word-2"];
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, secrets: { [ref]: oldValue } });
        const tasks = [
            recordingTask("a"),
            recordingTask("config", ['printf %s "{{PASSWORD}}" > "$HOME/pw"']),
            recordingTask("c"),
            recordingTask("verify", ['[ -n "{{PASSWORD}}" ]']),
        ];
        const first = await up(provider, inputs(tasks, { secrets: { PASSWORD: ref }, secretVersions: { PASSWORD: "v-1" } }));
        const same = await up(provider, inputs(tasks, { secrets: { PASSWORD: ref }, secretVersions: { PASSWORD: "v-1" } }), { id: first.id, outs: first.outs });
        expect(same.updated).to.equal(false);

        fake.setSecret(ref, newValue);
        const sendsBefore = fake.count("SendCommand");
        const second = await up(provider, inputs(tasks, { secrets: { PASSWORD: ref }, secretVersions: { PASSWORD: "v-2" } }), { id: first.id, outs: first.outs });
        expect(second.error).to.equal(undefined);
        expect(fake.count("SendCommand") - sendsBefore).to.equal(1);
        expect(fake.sentScripts()[sendsBefore]).to.not.contain("cb_run 0 'a'");
        expect(runsOn(fake, I1), "only the tasks that read PASSWORD run again").to.deep.equal(["a", "config", "c", "verify", "config", "verify"]);
        expect(fs.readFileSync(path.join(fake.instanceRoot(I1), "pw"), "utf8")).to.equal(newValue);
        expect(second.outs.secretVersions).to.deep.equal({ PASSWORD: "v-2" });
        for (const text of [JSON.stringify(fake.calls), JSON.stringify(second.outs), JSON.stringify(first.outs)]) {
            expect(text).to.not.contain(oldValue).and.not.contain(newValue);
        }
    });

    it("check refuses a version for a name that is not a secret, or a version that looks like anything but a label", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const checked = await provider.check!({}, inputs([recordingTask("a", ['echo "{{PW}}"'])], {
            secrets: { PW: "/capblocks/pw" },
            secretVersions: { PW: "the password itself, by mistake", OTHER: "v1" },
        }));
        expect(checked.failures).to.deep.equal([
            { property: "", reason: "secretVersions.PW must be a version label (1 to 256 visible ASCII characters, such as a Secrets Manager VersionId or an SSM parameter version); its value is not shown in case it is the secret" },
            { property: "secretVersions", reason: "secretVersions.OTHER names no secret; give versions only for names in secrets (PW)" },
        ]);
        expect(JSON.stringify(checked.failures)).to.not.contain("by mistake");
    });

    it("messages show task names with their variables filled in", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const result = await up(provider, inputs([{ id: "user", name: "Create the user {{USER}}", commands: ["exit 8"] }], { variables: { USER: "coder" } }));
        expect(result.error?.message.split("\n")[0]).to.equal(`SsmTasks: task "user" (Create the user coder) failed on ${I1}: exit code 8.`);
    });

    it("a secret printed re-quoted (bash -x), JSON-escaped or shell-escaped does not reach the error", async () => {
        const value = "Tr0ub4dor'3xK9-horse";
        const ref = "/capblocks/dev/password";
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, secrets: { [ref]: value } });
        const leak = {
            id: "leak",
            name: "Leak it",
            commands: [
                'bash -xc \'test -n "$1"\' _ "{{PASSWORD}}"',
                "node -e 'console.log(JSON.stringify({ password: process.argv[1] }))' \"{{PASSWORD}}\"",
                'bash -c \'printf "%q\\n" "$1"\' _ "{{PASSWORD}}"',
                "exit 4",
            ],
        };
        const result = await up(provider, inputs([leak], { secrets: { PASSWORD: ref } }));
        const message = result.error?.message ?? "";
        expect(message.split("\n").slice(1, 5)).to.deep.equal(["Last lines of its output (secrets scrubbed):", "  + test -n '***'", '  {"password":"***"}', "  ***"]);
        expect(message).to.not.contain("Tr0ub4dor").and.not.contain("horse");
    });

    it("check refuses {{SECRET}} where sh would not expand it, naming the task and the line", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const checked = await provider.check!({}, inputs([{ id: "conf", name: "Config", commands: ["cat > app.conf <<'CONF'", "password = {{PW}}", "CONF"] }], { secrets: { PW: "/p" } }));
        expect(checked.failures?.map((f) => f.reason)).to.deep.equal([
            "task \"conf\" line 2: {{PW}} inside <<'CONF' is not expanded by sh, so the task would get the text ${CAPBLOCKS_SECRET_PW} instead of the secret; " +
                "write that text with an unquoted here-document (<<CONF) or printf '%s\\n' \"{{PW}}\"",
        ]);
        expect(fake.calls).to.have.length(0);
    });

    it("delete sends nothing (terminating the instance removes the setup)", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const first = await up(provider, inputs([recordingTask("a")]));
        const before = fake.calls.length;
        await provider.delete!(first.id, first.outs);
        expect(fake.calls.length).to.equal(before);
    });
});
