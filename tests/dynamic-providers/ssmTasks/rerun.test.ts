import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ssmTasksProvider } from "../../../dynamic-providers/ssmTasks";
import { rerunProblems, withRerun } from "../../../dynamic-providers/ssmTasks/rerun";
import { prepareTasks } from "../../../dynamic-providers/ssmTasks/template";
import type { SsmFake } from "../../fakes/ssmFake";
import { installSsmFake } from "../../fakes/ssmFake";
import { fastClock, MARKER_DIR, recordingTask, up, useClock } from "../../helpers/ssmTasksHarness";

const tasks = prepareTasks(["a", "b", "c"].map((id) => ({ id, name: id, commands: [`echo ${id}`] })), {}, {});
const hashes = (list: { hash: string }[]) => list.map((t) => t.hash);

describe("rerun: the hashes that make finished tasks run once more", () => {
    it("a token salts the hash of the tasks it names, and only those", () => {
        const salted = withRerun(tasks, { tasks: ["b"], token: "1" }, {});
        expect(salted[0]).to.equal(tasks[0]);
        expect(salted[2]).to.equal(tasks[2]);
        expect(salted[1].hash).to.not.equal(tasks[1].hash);
        expect(salted[1].rerunToken).to.equal("1");
    });

    it("a new token is a new hash; the same token is the same hash", () => {
        const one = withRerun(tasks, { tasks: ["b"], token: "1" }, {});
        expect(hashes(withRerun(tasks, { tasks: ["b"], token: "1" }, {}))).to.deep.equal(hashes(one));
        expect(withRerun(tasks, { tasks: ["b"], token: "2" }, {})[1].hash).to.not.equal(one[1].hash);
    });

    it("\"all\" names every task", () => {
        const salted = withRerun(tasks, { tasks: ["all"], token: "7" }, {});
        salted.forEach((t, i) => expect(t.hash).to.not.equal(tasks[i].hash));
    });

    it("a task keeps the salt its state recorded once rerun no longer names it, so removing rerun runs nothing", () => {
        const once = withRerun(tasks, { tasks: ["b"], token: "1" }, {});
        const prior = { b: { hash: once[1].hash, status: "success" as const, rerunToken: "1" } };
        expect(hashes(withRerun(tasks, undefined, prior))).to.deep.equal(hashes(once));
        expect(hashes(withRerun(tasks, { tasks: ["c"], token: "1" }, prior))[1]).to.equal(once[1].hash);
    });

    it("check names every unknown task id, and refuses a token that is not a short label", () => {
        expect(rerunProblems({ tasks: ["a", "nginx", "ngnix"], token: "1" }, ["a", "b"])).to.deep.equal([{
            property: "rerun",
            reason: 'rerun.tasks: "nginx", "ngnix" are not task ids; use "all" or ids from the task list (a, b)',
        }]);
        expect(rerunProblems({ tasks: ["all"], token: "1" }, ["a"])).to.deep.equal([]);
        expect(rerunProblems({ tasks: ["a"], token: "" }, ["a"]).map((p) => p.reason)).to.deep.equal([
            "rerun.token must be 1 to 64 visible ASCII characters; change it to run the listed tasks again",
        ]);
        expect(rerunProblems({ tasks: [] }, ["a"])).to.have.length(1);
        expect(rerunProblems(undefined, ["a"])).to.deep.equal([]);
    });
});

describe("rerun through the SsmTasks provider against the SSM fake", () => {
    useClock(fastClock);
    const I1 = "i-0123456789abcdef0";
    const I2 = "i-0fedcba9876543210";
    let fake: SsmFake;
    afterEach(async () => {
        await fake?.settled();
        fake?.restore();
    });

    const runsOn = (instanceId: string): string[] => {
        const file = path.join(fake.instanceRoot(instanceId), "runs.log");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    };
    const inputs = (list: unknown[], extra: Record<string, unknown> = {}) =>
        ({ instanceIds: [I1], tasks: list, variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR, ...extra });
    const three = [recordingTask("a"), recordingTask("nginx"), recordingTask("c")];

    it("a new token runs the named task once, alone, in one command; the same token, or none, sends nothing", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const first = await up(ssmTasksProvider, inputs(three));
        const rerun = { tasks: ["nginx"], token: "1" };
        const again = await up(ssmTasksProvider, inputs(three, { rerun }), { id: first.id, outs: first.outs });
        expect(again.error).to.equal(undefined);
        expect(again.updated).to.equal(true);
        expect(runsOn(I1)).to.deep.equal(["a", "nginx", "c", "nginx"]);
        expect(fake.count("SendCommand")).to.equal(2);

        const callsBefore = fake.calls.length;
        const same = await up(ssmTasksProvider, inputs(three, { rerun }), { id: first.id, outs: again.outs });
        expect(same.updated, "the same token").to.equal(false);
        const removed = await up(ssmTasksProvider, inputs(three), { id: first.id, outs: again.outs });
        expect(removed.updated, "rerun removed").to.equal(false);
        expect(fake.calls.length - callsBefore, "no SSM call at all").to.equal(0);

        const bumped = await up(ssmTasksProvider, inputs(three, { rerun: { tasks: ["nginx"], token: "2" } }), { id: first.id, outs: again.outs });
        expect(bumped.error).to.equal(undefined);
        expect(runsOn(I1)).to.deep.equal(["a", "nginx", "c", "nginx", "nginx"]);
    });

    it("\"all\" runs every task once more; refresh afterwards finds every marker in place", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const first = await up(ssmTasksProvider, inputs(three));
        const again = await up(ssmTasksProvider, inputs(three, { rerun: { tasks: ["all"], token: "x" } }), { id: first.id, outs: first.outs });
        expect(runsOn(I1)).to.deep.equal(["a", "nginx", "c", "a", "nginx", "c"]);
        const read = (await ssmTasksProvider.read!(first.id, again.outs)).props as typeof again.outs;
        expect(Object.values(read.taskStates).map((s) => s.status)).to.deep.equal(["success", "success", "success"]);
        expect((await up(ssmTasksProvider, inputs(three, { rerun: { tasks: ["all"], token: "x" } }), { id: first.id, outs: read })).updated).to.equal(false);
    });

    it("a re-run that fails on one instance resumes there only: the other keeps its progress", async () => {
        fake = installSsmFake({ instances: [I1, I2], markerDir: MARKER_DIR });
        const gate = path.join(fake.instanceRoot(I2), "broken");
        const tasks = [recordingTask("a"), recordingTask("nginx", ['[ ! -e "$HOME/broken" ] || exit 5']), recordingTask("c")];
        const both = { instanceIds: [I1, I2] };
        const first = await up(ssmTasksProvider, inputs(tasks, both));
        fs.writeFileSync(gate, "");
        const rerun = { tasks: ["nginx", "c"], token: "1" };
        const failed = await up(ssmTasksProvider, inputs(tasks, { ...both, rerun }), { id: first.id, outs: first.outs });
        expect(failed.error?.message).to.contain('task "nginx"').and.contain(I2);
        expect(failed.outs.taskStates.nginx).to.include({ status: "failed" });
        expect(failed.outs.taskStates.nginx.instances).to.deep.equal({ [I2]: "failed" });
        fs.rmSync(gate);
        const resumed = await up(ssmTasksProvider, inputs(tasks, { ...both, rerun }), { id: first.id, outs: failed.outs });
        expect(resumed.error).to.equal(undefined);
        expect(runsOn(I1), "nginx and c re-ran once on I1").to.deep.equal(["a", "nginx", "c", "nginx", "c"]);
        expect(runsOn(I2)).to.deep.equal(["a", "nginx", "c", "nginx", "c"]);
        expect(Object.values(resumed.outs.taskStates).map((s) => s.status)).to.deep.equal(["success", "success", "success"]);
    });

    it("check fails naming unknown task ids, before any SSM call", async () => {
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const checked = await ssmTasksProvider.check!({}, inputs(three, { rerun: { tasks: ["ngnix"], token: "1" } }));
        expect(checked.failures).to.deep.equal([
            { property: "rerun", reason: 'rerun.tasks: "ngnix" is not a task id; use "all" or ids from the task list (a, nginx, c)' },
        ]);
        expect(fake.calls).to.have.length(0);
    });
});
