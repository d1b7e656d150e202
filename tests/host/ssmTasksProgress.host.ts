import { expect } from "chai";
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { DEFAULT_CLIENTS } from "./harness";
import type { HostMessage, ProviderHost } from "./harness";
import { useHostSuite } from "./hostSuite";
import type { StepOutcome } from "./lifecycle";
import { ResourceLifecycle } from "./lifecycle";

// What a user watching `pulumi up` sees while SsmTasks sets instances up: the provider, revived by @pulumi/pulumi's
// dynamic-provider host, prints a line per task as the instances finish it, and the host's stdout is what the engine
// shows as info messages (pulumi/pulumi sdk/go/common/resource/plugin/plugin.go). The SSM fake streams each command's
// output to its fake CloudWatch Logs group as the scripts run, as the SSM agent does with CloudWatchOutputConfig.

const MODULE = "dynamic-providers/ssmTasks/index.ts";
const MARKER_DIR = "/capblocks-host-test/progress-markers";
const INSTANCES = ["i-0123456789abcdef0", "i-0123456789abcdef1", "i-0123456789abcdef2"];
const GROUP = "/capblocks/host-test/setup-output";
const SEND = "SSMClient.SendCommand";
const FILTER = "CloudWatchLogsClient.FilterLogEvents";
/** Task "b" waits while this file exists: whatever the engine heard before the test removes it, it heard mid-run. */
const GATE = path.join(tmpdir(), `capblocks-progress-host-gate-${process.pid}`);

const task = (id: string, before: string[] = []): TaskSpec => ({ id, name: `Task ${id}`, commands: [...before, `echo ${id} >> "$HOME/progress.log"`] });
const TASKS = [task("a"), task("b", ["while [ -e {{GATE}} ]; do sleep 0.1; done"]), task("c")];

const progressLines = (messages: HostMessage[]) => messages.filter((m) => m.text.startsWith("SsmTasks: ")).map((m) => `${m.stream}: ${m.text}`);

describe("SsmTasks progress reaches the engine while a create runs", function () {
    this.timeout(60000);
    const suite = useHostSuite(
        {
            fakes: [{
                name: "ssm",
                module: "tests/fakes/ssmFake.ts",
                export: "installSsmFake",
                options: { instances: INSTANCES, markerDir: MARKER_DIR, outputLogGroups: [GROUP] },
            }],
            clients: [...DEFAULT_CLIENTS, { module: "@aws-sdk/client-cloudwatch-logs", export: "CloudWatchLogsClient" }],
        },
        [{
            modulePath: MODULE,
            className: "SsmTasks",
            name: "setup",
            args: { instanceIds: INSTANCES, tasks: TASKS, variables: { GATE }, region: "us-east-1", markerDir: MARKER_DIR, outputLogGroup: GROUP },
        }],
    );
    let host: ProviderHost;
    let life: ResourceLifecycle;
    before(() => {
        host = suite().host;
        life = new ResourceLifecycle(suite().resources.setup);
    });

    async function logsOnAll(): Promise<string[][]> {
        return Promise.all(INSTANCES.map(async (id) => {
            const file = path.join(String(await host.control("ssm", "instanceRoot", id)), "progress.log");
            return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
        }));
    }

    describe("one resource, created then re-run", () => {
        // Runs before the suite stops the host: the fake made its instance directories inside the host, so it removes them.
        after(async () => {
            rmSync(GATE, { force: true });
            await suite().host.control("ssm", "restore");
        });

        it("a create with several tasks on 3 instances: each task's line reaches the engine as its instances finish it", async () => {
            writeFileSync(GATE, "");
            const before = host.calls().length;
            let outcome: StepOutcome | undefined;
            const creating = life.up().then((o) => {
                outcome = o;
            });
            let heard: string[] = [];
            const aDone = /^stdout: SsmTasks: a done on 3\/3 instances \(\d+ s\)$/;
            for (const start = Date.now(); !heard.some((l) => aDone.test(l)); await new Promise((r) => setTimeout(r, 100))) {
                expect(Date.now() - start, `waiting for task a's line; heard ${JSON.stringify(heard)}`).to.be.below(15_000);
                heard = progressLines(await host.messages());
            }
            expect(outcome, "the create is still running when the engine has task a's line").to.equal(undefined);
            expect(heard.some((l) => / [bc] done/.test(l))).to.equal(false);

            rmSync(GATE);
            await creating;
            expect(outcome).to.include({ step: "create", error: undefined });
            const lines = progressLines(await host.messages());
            expect(lines.findIndex((l) => aDone.test(l)), "a's line came before b's").to.be.lessThan(lines.findIndex((l) => l.includes(": b done")));
            // Live reads see each instance's lines as they arrive: a task's count may climb over several lines.
            const last = (id: string) => lines.filter((l) => l.includes(`: ${id} done on `)).pop();
            expect(last("b")).to.match(/^stdout: SsmTasks: b done on 3\/3 instances \(\d+ s\)$/);
            expect(last("c")).to.match(/^stdout: SsmTasks: c done on 3\/3 instances \(\d+ s\)$/);
            expect(lines.findIndex((l) => l.includes(": b done")), "in task order").to.be.lessThan(lines.findIndex((l) => l.includes(": c done")));

            const calls = host.calls().slice(before);
            expect(calls.filter((c) => `${c.client}.${c.operation}` === SEND)).to.have.length(1, "one SendCommand for the 3 instances");
            expect(calls.filter((c) => `${c.client}.${c.operation}` === FILTER).length).to.be.greaterThan(0);
            expect(calls.filter((c) => c.error)).to.deep.equal([]);
            expect(await logsOnAll()).to.deep.equal(INSTANCES.map(() => ["a", "b", "c"]));
        });

        it("preview says which tasks a rerun will run; up runs that task again in one command and reports it; the same token sends and reads nothing", async () => {
            let before = host.calls().length;
            const rerun = { rerun: { tasks: ["c"], token: "1" } };
            // What `pulumi preview` shows, without running anything.
            const heard = (await host.messages()).length;
            expect((await life.preview(rerun)).diff?.changes).to.equal("DIFF_SOME");
            expect(progressLines((await host.messages()).slice(heard))).to.deep.equal([
                "stdout: SsmTasks: up will run c on 3 instances; the other 2 are done and will not run",
            ]);
            expect(host.calls().slice(before), "preview calls no AWS API").to.deep.equal([]);
            const outcome = await life.up(rerun);
            expect(outcome).to.include({ step: "update", error: undefined });
            expect(outcome.diff?.changes).to.equal("DIFF_SOME");
            expect(host.calls().slice(before).filter((c) => `${c.client}.${c.operation}` === SEND)).to.have.length(1);
            expect(await logsOnAll()).to.deep.equal(INSTANCES.map(() => ["a", "b", "c", "c"]));
            expect(progressLines(await host.messages()).pop()).to.match(/^stdout: SsmTasks: c done on 3\/3 instances \(\d+ s\)$/);

            before = host.calls().length;
            expect((await life.up(rerun)).step).to.equal("same");
            expect(host.calls().slice(before)).to.deep.equal([]);
        });
    });
});
