import { expect } from "chai";
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { declaredOutputs } from "./declaredOutputs";
import type { AwsCall } from "./hostProtocol";
import type { Props, ProviderHost} from "./harness";
import { UNKNOWN } from "./harness";
import type { HostSuite} from "./hostSuite";
import { useHostSuite } from "./hostSuite";
import type { StepOutcome } from "./lifecycle";
import { ResourceLifecycle } from "./lifecycle";

// SsmTasks run the way `pulumi up` runs it: revived from its serialized `__provider` by @pulumi/pulumi's
// dynamic-provider host, with SSM Run Command faked inside the host by tests/fakes/ssmFake.ts, which really runs
// each command with /bin/sh once per fake instance. Commands are counted from the calls the host's SSM client made.

const MODULE = "dynamic-providers/ssmTasks/index.ts";
const SEND = "SSMClient.SendCommand";
const MARKER_DIR = "/capblocks-host-test/markers";
const INSTANCES = ["i-0123456789abcdef0", "i-0123456789abcdef1", "i-0123456789abcdef2"];
/** Task "b" refuses to pass while this file exists (the test process and the fake's instances share the machine). */
const GATE = path.join(tmpdir(), `capblocks-ssm-host-gate-${process.pid}`);

/** A task that appends its id to $HOME/<log>.log ($HOME is the fake instance's own root). */
function loggingTask(id: string, log: string, before: string[] = []): TaskSpec {
    return { id, name: `Task ${id}`, commands: [...before, `echo ${id} >> "$HOME/${log}.log"`] };
}

const FLEET_TASKS = [loggingTask("fx", "fleet"), loggingTask("fy", "fleet")];
/**
 * As big as the code-server task list (~15,000 characters of commands): a failure must still reach the engine, whose
 * ErrorResourceInitFailed trailer the host never sends over ~60,000 bytes (dynamic-providers/shared/partialFailure.ts).
 */
const CODE_SERVER_SIZED = `: '${"x".repeat(15_000)}'`;
const SETUP_TASKS = [
    loggingTask("a", "setup", [CODE_SERVER_SIZED]),
    loggingTask("b", "setup", ['if [ -e {{GATE}} ]; then echo "gate {{GATE}} is closed" >&2; exit 3; fi']),
    loggingTask("c", "setup"),
];
const tasksResource = (name: string, tasks: TaskSpec[], extraArgs: Record<string, unknown> = {}) => ({
    modulePath: MODULE,
    className: "SsmTasks",
    name,
    args: { instanceIds: INSTANCES, tasks, region: "us-east-1", markerDir: MARKER_DIR, ...extraArgs },
});
const PASSWORD_REF = "/capblocks/dev/password";
const PASSWORD = "pw-Value'$1-host";
const SECRET_TASKS = [{ id: "use-password", name: "Use the password", commands: ['printf %s "{{PASSWORD}}" > "$HOME/pw"'] }];
const SSM_FAKE = {
    name: "ssm",
    module: "tests/fakes/ssmFake.ts",
    export: "installSsmFake",
    options: { instances: INSTANCES, markerDir: MARKER_DIR, secrets: { [PASSWORD_REF]: PASSWORD } },
};

async function logOn(host: ProviderHost, instanceId: string, log: string): Promise<string[]> {
    const file = path.join(String(await host.control("ssm", "instanceRoot", instanceId)), `${log}.log`);
    return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

async function logsOnAll(host: ProviderHost, log: string): Promise<string[][]> {
    return Promise.all(INSTANCES.map((id) => logOn(host, id, log)));
}

/** Who each SendCommand went to, and its comment (which names the tasks it carries). */
function sendCommands(calls: AwsCall[]): { InstanceIds: string[]; Comment: string }[] {
    return calls.filter((c) => `${c.client}.${c.operation}` === SEND).map((c) => {
        const input = c.input as { InstanceIds: string[]; Comment: string };
        return { InstanceIds: input.InstanceIds, Comment: input.Comment };
    });
}

function statuses(outputs: Props | undefined): Record<string, string> {
    const states = (outputs?.taskStates ?? {}) as Record<string, { status: string }>;
    return Object.fromEntries(Object.entries(states).map(([id, s]) => [id, s.status]));
}

describe("SsmTasks in the dynamic-provider host", () => {
    const suite = useHostSuite({ fakes: [SSM_FAKE] }, [
        tasksResource("fleet", FLEET_TASKS),
        tasksResource("setup", SETUP_TASKS, { variables: { GATE } }),
        tasksResource("secret", SECRET_TASKS, { secrets: { PASSWORD: PASSWORD_REF } }),
    ]);
    let host: ProviderHost;
    let callsDuring: HostSuite["callsDuring"];
    before(() => ({ host, callsDuring } = suite()));

    describe("scenarios", () => {
        // Runs before the suite stops the host: the fake made its instance directories inside the host, so it removes them.
        after(async () => {
            await suite().host.control("ssm", "restore");
            rmSync(GATE, { force: true });
        });

        it("create on 3 instances sends every task in ONE command, and the task states reach state intact", async () => {
            const life = new ResourceLifecycle(suite().resources.fleet);
            let outcome: StepOutcome | undefined;
            const before = host.calls().length;
            const calls = await callsDuring(async () => {
                outcome = await life.up();
            });
            expect(outcome).to.include({ step: "create", error: undefined });
            expect(calls[SEND]).to.equal(1);
            expect(sendCommands(host.calls().slice(before))).to.deep.equal([{ InstanceIds: INSTANCES, Comment: "capblocks SsmTasks fx fy" }]);
            expect(await logsOnAll(host, "fleet")).to.deep.equal(INSTANCES.map(() => ["fx", "fy"]));
            const outputs = life.state?.outputs ?? {};
            const declared = declaredOutputs(MODULE, "SsmTasks");
            expect(declared, "SsmTasks' declared outputs").to.include.members(["taskStates", "missingInstances", "instanceIds"]);
            for (const key of declared) {
                expect(outputs, key).to.have.property(key);
            }
            expect(outputs.missingInstances).to.deep.equal([]);
            const states = outputs.taskStates as Record<string, { status: string; hash: string; commandId: string; finishedAt: string }>;
            for (const id of ["fx", "fy"]) {
                expect(states[id].status).to.equal("success");
                expect(states[id].commandId).to.be.a("string").and.not.equal("");
                expect(new Date(states[id].finishedAt).toISOString()).to.equal(states[id].finishedAt);
            }
        });

        it("a secret is fetched on the instance: its value is in no SSM call and not in state", async () => {
            const life = new ResourceLifecycle(suite().resources.secret);
            const before = host.calls().length;
            expect((await life.up()).error).to.equal(undefined);
            const root = String(await host.control("ssm", "instanceRoot", INSTANCES[0]));
            expect(readFileSync(path.join(root, "pw"), "utf8")).to.equal(PASSWORD);
            expect(JSON.stringify(host.calls().slice(before))).to.contain(PASSWORD_REF).and.not.contain(PASSWORD);
            expect(JSON.stringify(life.state)).to.not.contain(PASSWORD);
        });

        describe("one resource from a failed task to destroy", () => {
            let life: ResourceLifecycle;
            before(() => {
                life = new ResourceLifecycle(suite().resources.setup);
            });

            it("check refuses an id that is not an instance id, and calls nothing", async () => {
                let outcome: StepOutcome | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.up({ instanceIds: ["web-1"] });
                });
                expect(outcome?.step).to.equal("check-failed");
                expect(outcome?.check?.failures).to.deep.equal([{ property: "instanceIds", reason: '"web-1" is not an EC2 or managed instance id' }]);
                expect(calls).to.deep.equal({});
            });

            it("check reports missing instanceIds and tasks as its own failures through the host's marshalling", async () => {
                const news = life.resource.inputs();
                delete news.instanceIds;
                delete news.tasks;
                let failures: { property: string; reason: string }[] = [];
                const calls = await callsDuring(async () => {
                    ({ failures } = await life.resource.check(news));
                });
                expect(failures).to.deep.equal([
                    { property: "instanceIds", reason: "give at least one instance id" },
                    { property: "tasks", reason: "tasks must be a non-empty list" },
                ]);
                expect(calls).to.deep.equal({});
            });

            // CodeServerInstance's first preview: the instance, the work volume the task list is built from, and the
            // password secret do not exist yet, so the engine sends them as the unknown sentinel.
            it("preview with instance ids, tasks and a secret unknown passes check without calling SSM", async () => {
                let outcome: StepOutcome | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.preview({ instanceIds: [UNKNOWN], tasks: UNKNOWN, secrets: { PASSWORD: UNKNOWN } });
                });
                expect(outcome).to.deep.include({ step: "create" });
                expect(outcome?.check?.failures).to.deep.equal([]);
                expect(calls).to.deep.equal({});
            });

            it("a failing task of a code-server-sized task list fails the create with ErrorResourceInitFailed: id and finished tasks reach state", async () => {
                writeFileSync(GATE, "");
                let outcome: StepOutcome | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.up();
                });
                expect(calls[SEND]).to.equal(1);
                const failure = outcome?.error?.initFailure;
                expect(failure?.id).to.match(/^ssmtasks-/);
                expect(failure?.reasons[0]).to.contain('task "b" (Task b) failed on').and.contain(`gate ${GATE} is closed`);
                expect(String(failure?.properties.__provider)).to.match(/^exports\.handler = /).and.have.length.below(1000);
                expect(statuses(failure?.properties)).to.deep.equal({ a: "success", b: "failed", c: "pending" });
                expect(life.state).to.include({ id: failure?.id });
                expect(await logsOnAll(host, "setup")).to.deep.equal(INSTANCES.map(() => ["a"]));
            });

            it("the next up (Diff, then Update) resumes: only the failed task and the one after it run", async () => {
                rmSync(GATE);
                const id = life.state?.id;
                let outcome: StepOutcome | undefined;
                const before = host.calls().length;
                const calls = await callsDuring(async () => {
                    outcome = await life.up();
                });
                expect(outcome).to.include({ step: "update", error: undefined });
                expect(outcome?.diff?.changes).to.equal("DIFF_SOME");
                expect(calls[SEND]).to.equal(1);
                expect(sendCommands(host.calls().slice(before)).map((s) => s.Comment)).to.deep.equal(["capblocks SsmTasks b c"]);
                expect(await logsOnAll(host, "setup")).to.deep.equal(INSTANCES.map(() => ["a", "b", "c"]));
                expect(life.state).to.include({ id });
                expect(statuses(life.state?.outputs)).to.deep.equal({ a: "success", b: "success", c: "success" });
                expect(life.state?.outputs.__provider, "the full provider is back").to.equal(life.resource.registration.inputs.__provider);
            });

            it("an up with no change sends no command and calls nothing", async () => {
                let outcome: StepOutcome | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.up();
                });
                expect(outcome?.step).to.equal("same");
                expect(calls).to.deep.equal({});
            });

            it("refresh after one instance lost its markers shows the tasks not applied; the next up re-runs them there only", async () => {
                await host.control("ssm", "wipeMarkers", INSTANCES[1]);
                const readCalls = await callsDuring(async () => {
                    expect((await life.refresh()).error).to.equal(undefined);
                });
                // One marker-reading command for all instances.
                expect(readCalls[SEND]).to.equal(1);
                expect(statuses(life.state?.outputs)).to.deep.equal({ a: "pending", b: "pending", c: "pending" });

                let outcome: StepOutcome | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.up();
                });
                expect(outcome).to.include({ step: "update", error: undefined });
                expect(calls[SEND]).to.equal(1);
                // Instances whose markers hold the task's hash skip it.
                expect(await logsOnAll(host, "setup")).to.deep.equal([["a", "b", "c"], ["a", "b", "c", "a", "b", "c"], ["a", "b", "c"]]);
                expect(statuses(life.state?.outputs)).to.deep.equal({ a: "success", b: "success", c: "success" });
            });

            it("destroy sends nothing", async () => {
                let outcome: StepOutcome | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.destroy();
                });
                expect(outcome?.error).to.equal(undefined);
                expect(calls).to.deep.equal({});
            });
        });
    });
});
