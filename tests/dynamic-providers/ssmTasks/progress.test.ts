import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ssmTasksProvider } from "../../../dynamic-providers/ssmTasks";
import { stdoutStreamInstance } from "../../../dynamic-providers/ssmTasks/liveOutput";
import { parseRunOutput } from "../../../dynamic-providers/ssmTasks/output";
import { runProgress } from "../../../dynamic-providers/ssmTasks/progress";
import type { SsmFake } from "../../fakes/ssmFake";
import { installSsmFake } from "../../fakes/ssmFake";
import { fastClock, MARKER_DIR, notices, recordingTask, up, useClock } from "../../helpers/ssmTasksHarness";

const lines = (text: string) => parseRunOutput(text).tasks;

describe("progress lines of a run", () => {
    it("a line each time more instances finish a task, with the longest time it took; a line seen again counts once", () => {
        const progress = runProgress(["mount", "nginx"], 3);
        progress.observe("i-1", lines("cbt 0 ran 0 mount 4\n"));
        progress.observe("i-2", lines("cbt 0 ran 0 mount 12\n"));
        expect(progress.report()).to.deep.equal(["SsmTasks: mount done on 2/3 instances (12 s)"]);
        progress.observe("i-1", lines("cbt 0 ran 0 mount 4\ncbt 1 ran 0 nginx 1\n"));
        progress.observe("i-3", lines("cbt 0 ran 0 mount 3\n"));
        expect(progress.report()).to.deep.equal(["SsmTasks: mount done on 3/3 instances (12 s)", "SsmTasks: nginx done on 1/3 instances (1 s)"]);
        expect(progress.report(), "nothing new").to.deep.equal([]);
    });

    it("a task every instance skipped is already done; one instance says instance", () => {
        const progress = runProgress(["mount"], 1);
        progress.observe("i-1", lines("cbt 0 skipped 0 mount\n"));
        expect(progress.report()).to.deep.equal(["SsmTasks: mount done on 1/1 instance (already done)"]);
    });

    it("says where a task failed and why, and where it asked for a reboot", () => {
        const progress = runProgress(["driver", "nginx"], 2);
        progress.observe("i-1", lines("cbt 0 reboot 194 driver\n"));
        progress.observe("i-2", lines("cbt 0 ran 0 driver 30\ncbt 1 failed 3 nginx\n"));
        expect(progress.report()).to.deep.equal([
            "SsmTasks: driver asked for a reboot on i-1; setup goes on after it",
            "SsmTasks: driver done on 1/2 instances (30 s)",
            "SsmTasks: nginx failed on i-2 (exit 3)",
        ]);
        progress.observe("i-1", lines("cbt 0 ran 0 driver 2\ncbt 1 timedout 124 nginx\n"));
        expect(progress.report()).to.deep.equal(["SsmTasks: driver done on 2/2 instances (30 s)", "SsmTasks: nginx failed on i-1 (timed out)"]);
    });

    it("reads the instance from the agent's stdout stream name, and ignores stderr and other commands", () => {
        expect(stdoutStreamInstance("cmd-1/i-0abc/aws-runShellScript/stdout", "cmd-1")).to.equal("i-0abc");
        expect(stdoutStreamInstance("cmd-1/i-0abc/aws-runShellScript/stderr", "cmd-1")).to.equal(undefined);
        expect(stdoutStreamInstance("cmd-2/i-0abc/aws-runShellScript/stdout", "cmd-1")).to.equal(undefined);
    });
});

describe("progress lines through the SsmTasks provider against the SSM fake", function () {
    this.timeout(30000);
    useClock(fastClock);
    const I1 = "i-0123456789abcdef0";
    const GROUP = "/capblocks/test/setup-output";
    let fake: SsmFake;
    let gate: string;
    beforeEach(() => {
        notices.length = 0;
        gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ssm-progress-")), "gate");
        fs.writeFileSync(gate, "");
    });
    afterEach(async () => {
        fs.rmSync(path.dirname(gate), { recursive: true, force: true });
        await fake?.settled();
        fake?.restore();
    });

    const inputs = (extra: Record<string, unknown> = {}) => ({
        instanceIds: [I1],
        // "b" waits for the test to open the gate: what is reported before that was reported while the run went on.
        tasks: [recordingTask("a"), recordingTask("b", [`while [ -e '${gate}' ]; do sleep 0.05; done`]), recordingTask("c")],
        variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR, ...extra,
    });

    async function until(found: () => boolean, what: string): Promise<void> {
        for (const start = Date.now(); !found(); await new Promise((r) => setTimeout(r, 20))) {
            if (Date.now() - start > 15_000) throw new Error(`timed out waiting for ${what}; notices: ${JSON.stringify(notices)}`);
        }
    }

    it("with an output log group, a task is reported while the run goes on; the command streams there", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, outputLogGroups: [GROUP] });
        let ended = false;
        const creating = up(ssmTasksProvider, inputs({ outputLogGroup: GROUP })).finally(() => {
            ended = true;
        });
        await until(() => notices.some((n) => /^SsmTasks: a done on 1\/1 instance \(\d+ s\)$/.test(n)), "task a's line");
        expect(ended, "the run was still going when task a was reported").to.equal(false);
        expect(notices.some((n) => n.includes(" b "))).to.equal(false);
        fs.rmSync(gate);
        const result = await creating;
        expect(result.error).to.equal(undefined);
        expect(notices).to.have.length(3);
        expect(notices[1]).to.match(/^SsmTasks: b done on 1\/1 instance \(\d+ s\)$/, "b waited for the gate");
        expect(notices[2]).to.match(/^SsmTasks: c done on 1\/1 instance \(\d+ s\)$/);
        const sent = fake.calls.find((c) => c.operation === "SendCommand")?.input as { CloudWatchOutputConfig?: unknown };
        expect(sent.CloudWatchOutputConfig).to.deep.equal({ CloudWatchLogGroupName: GROUP, CloudWatchOutputEnabled: true });
        expect(fake.count("FilterLogEvents")).to.be.greaterThan(0);
        expect(fake.count("SendCommand")).to.equal(1);
    });

    it("without one, every task is still reported, when the instance ends its run, and nothing reads CloudWatch", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        fs.rmSync(gate);
        const result = await up(ssmTasksProvider, inputs());
        expect(result.error).to.equal(undefined);
        // The seconds depend on the machine's load; the lines and their order do not.
        expect(notices.map((n) => n.replace(/\(\d+ s\)$/, "(n s)"))).to.deep.equal(["a", "b", "c"].map((id) => `SsmTasks: ${id} done on 1/1 instance (n s)`));
        const sent = fake.calls.find((c) => c.operation === "SendCommand")?.input as Record<string, unknown>;
        expect(sent).to.not.have.property("CloudWatchOutputConfig");
        expect(fake.count("FilterLogEvents")).to.equal(0);
    });

    it("a log group it cannot read is said once; the run goes on and every task is still reported", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, outputLogGroups: [] });
        fs.rmSync(gate);
        const result = await up(ssmTasksProvider, inputs({ outputLogGroup: GROUP }));
        expect(result.error).to.equal(undefined);
        expect(notices.filter((n) => n.startsWith("SsmTasks: no live progress"))).to.deep.equal([
            `SsmTasks: no live progress: reading CloudWatch Logs group ${GROUP} failed (ResourceNotFoundException: The specified log group does not exist.); ` +
                "each task is reported when the instances finish",
        ]);
        expect(notices.filter((n) => n.includes(" done on "))).to.have.length(3);
        expect(fake.count("FilterLogEvents")).to.equal(1);
    });

    it("a no-op up sends nothing and reads nothing", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR, outputLogGroups: [GROUP] });
        fs.rmSync(gate);
        const first = await up(ssmTasksProvider, inputs({ outputLogGroup: GROUP }));
        const before = fake.calls.length;
        notices.length = 0;
        const again = await up(ssmTasksProvider, inputs({ outputLogGroup: GROUP }), { id: first.id, outs: first.outs });
        expect(again.updated).to.equal(false);
        expect(fake.calls.length - before).to.equal(0);
        expect(notices).to.deep.equal([]);
    });

    it("check refuses an output log group name CloudWatch would not take", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const checked = await ssmTasksProvider.check!({}, inputs({ outputLogGroup: "no spaces please" }));
        expect(checked.failures?.map((f) => f.property)).to.deep.equal(["outputLogGroup"]);
    });
});
