import { expect } from "chai";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import type { Props, ProviderHost } from "./harness";
import type { HostSuite } from "./hostSuite";
import { useHostSuite } from "./hostSuite";
import type { StepOutcome } from "./lifecycle";
import { ResourceLifecycle } from "./lifecycle";

// SsmTasks interrupted the ways in-process tests can only imitate, run by @pulumi/pulumi's dynamic-provider host from
// the serialized provider: a reboot the provider keeps polling through, a command SSM kills and the next `up` resuming
// through the engine's Diff and Update with the state-only provider stored by the failure, and an instance lost
// mid-run reported through ErrorResourceInitFailed. The SSM fake runs inside the host (tests/fakes/ssmFake.ts), and
// the provider's clock runs at the fake's scale (tests/fakes/ssmFakeClock.ts): one SSM second is 4 ms.

const MODULE = "dynamic-providers/ssmTasks/index.ts";
const SEND = "SSMClient.SendCommand";
const MARKER_DIR = "/capblocks-host-test/interrupted";
const MS_PER_SECOND = 4;
const [REBOOTED, KILLED, LOST] = ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2", "i-0aaaaaaaaaaaaaaa3"];

/** A task that appends its id to $HOME/runs.log ($HOME is the fake instance's own root). */
const logging = (id: string, before: string[] = []): TaskSpec => ({ id, name: `Task ${id}`, commands: [...before, `echo ${id} >> "$HOME/runs.log"`] });
/** Asks for a reboot (exit 194) the first time; after it, finds its work done. */
const DRIVER = logging("driver", ['if [ ! -f "$HOME/driver-installed" ]; then touch "$HOME/driver-installed"; echo driver >> "$HOME/runs.log"; exit 194; fi']);
/** Logs "start <pid>", ticks every 0.1 s for about 1 s, then logs "end <pid>". */
const slow = (timeoutSeconds: number): TaskSpec => ({
    id: "slow",
    name: "Slow",
    timeoutSeconds,
    commands: ['echo "start $$" >> "$HOME/slow.log"', 'i=0; while [ $i -lt 10 ]; do echo "tick $$" >> "$HOME/slow.log"; sleep 0.1; i=$((i+1)); done', 'echo "end $$" >> "$HOME/slow.log"'],
});
/** The code-server set's timeouts: about 2 h 42 min of executionTimeout, 39 s here. */
const LONG_SETUP = [
    { ...logging("a"), timeoutSeconds: 120 },
    { ...logging("train", ["sleep 5"]), timeoutSeconds: 9000 },
    { ...logging("c"), timeoutSeconds: 600 },
];

const tasksResource = (name: string, instanceId: string, tasks: TaskSpec[]) => ({
    modulePath: MODULE,
    className: "SsmTasks",
    name,
    args: { instanceIds: [instanceId], tasks, region: "us-east-1", markerDir: MARKER_DIR },
});
const FAKES = [
    {
        name: "ssm",
        module: "tests/fakes/ssmFake.ts",
        export: "installSsmFake",
        options: { instances: [REBOOTED, KILLED, LOST], markerDir: MARKER_DIR, msPerSecond: MS_PER_SECOND, rebootMs: 50 },
    },
    { name: "clock", module: "tests/fakes/ssmFakeClock.ts", export: "installScaledClock", options: { msPerSecond: MS_PER_SECOND } },
];

async function lines(host: ProviderHost, instanceId: string, file: string): Promise<string[]> {
    const at = path.join(String(await host.control("ssm", "instanceRoot", instanceId)), file);
    return existsSync(at) ? readFileSync(at, "utf8").split("\n").filter(Boolean) : [];
}

async function until(done: () => Promise<boolean>): Promise<void> {
    while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 10));
}

function statuses(outputs: Props | undefined): Record<string, string> {
    const states = (outputs?.taskStates ?? {}) as Record<string, { status: string }>;
    return Object.fromEntries(Object.entries(states).map(([id, s]) => [id, s.status]));
}

describe("SsmTasks interrupted, in the dynamic-provider host", () => {
    const suite = useHostSuite({ fakes: FAKES }, [
        tasksResource("rebooting", REBOOTED, [logging("a"), DRIVER, logging("c")]),
        tasksResource("killed", KILLED, [slow(50)]),
        tasksResource("lost", LOST, LONG_SETUP),
    ]);
    let host: ProviderHost;
    let callsDuring: HostSuite["callsDuring"];
    before(() => ({ host, callsDuring } = suite()));

    describe("scenarios", () => {
        // Runs before the suite stops the host: the fake made its instance directories inside the host, so it removes them.
        after(() => suite().host.control("ssm", "restore"));

        it("a task that exits 194: the host's provider polls through the reboot, and one command finishes the setup", async () => {
            const life = new ResourceLifecycle(suite().resources.rebooting);
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up();
            });
            expect(outcome).to.include({ step: "create", error: undefined });
            expect(calls[SEND]).to.equal(1);
            expect(await host.control("ssm", "reboots", REBOOTED)).to.equal(1);
            expect(await lines(host, REBOOTED, "runs.log"), "a is skipped by its marker after the reboot").to.deep.equal(["a", "driver", "driver", "c"]);
            expect(statuses(life.state?.outputs)).to.deep.equal({ a: "success", driver: "success", c: "success" });
        });

        it("SSM kills a command at its executionTimeout: the engine keeps the failure; the next up resumes it, never beside the killed run", async () => {
            const life = new ResourceLifecycle(suite().resources.killed);
            const first = await life.up();
            expect(first.error?.initFailure?.reasons[0].split("\n")[0]).to.equal(
                `SsmTasks: task "slow" (Slow) failed on ${KILLED}: SSM stopped the command at its executionTimeout (the sum of the tasks' timeoutSeconds).`);
            expect(statuses(life.state?.outputs)).to.deep.equal({ slow: "failed" });

            // A longer timeout is the same task (timeoutSeconds is not part of its identity); the failed state makes it run.
            const second = await life.up({ tasks: [slow(1000)] });
            expect(second).to.include({ step: "update", error: undefined });
            const log = await lines(host, KILLED, "slow.log");
            const starts = log.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith("start"));
            expect(starts).to.have.length(2);
            const [killedPid, resumedPid] = starts.map(([l]) => l.split(" ")[1]);
            expect(log.slice(starts[1][1]).filter((l) => l.endsWith(` ${killedPid}`)), "the killed run wrote nothing after the new one began").to.deep.equal([]);
            expect(log.slice(-1)).to.deep.equal([`end ${resumedPid}`]);
            expect(statuses(life.state?.outputs)).to.deep.equal({ slow: "success" });
        });

        it("an instance terminated mid-run is reported by name within 10 SSM minutes, through ErrorResourceInitFailed", async () => {
            const life = new ResourceLifecycle(suite().resources.lost);
            const running = life.up();
            await until(async () => (await lines(host, LOST, "runs.log")).includes("a"));
            const lostAt = Date.now();
            await host.control("ssm", "terminate", LOST);
            const outcome = await running;
            const seconds = (Date.now() - lostAt) / 1000;
            // 10 SSM minutes are 2.4 s here, the executionTimeout 39 s; the rest is the host's and the machine's latency.
            expect(seconds, "about 10 SSM minutes").to.be.within(2.4, 8);
            const failure = outcome.error?.initFailure;
            expect(failure?.reasons[0].split("\n")[0]).to.match(new RegExp(`^SsmTasks: lost contact with ${LOST}: it has not been registered with SSM for 10 minutes while it ran tasks a, train, c`));
            expect(failure?.id).to.match(/^ssmtasks-/);
            expect(statuses(life.state?.outputs)).to.deep.equal({ a: "pending", train: "pending", c: "pending" });
        });
    });
});
