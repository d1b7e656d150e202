import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import type { DevImageFacts } from "../../../components/codeServer/prebake";
import { bakeComponent, bakeScript, devImagePlan, devImageStep, imageBuilderName, imageTasks } from "../../../components/codeServer/prebake";
import { componentDocument, MAX_COMPONENT_DATA } from "../../../components/shared/imageDocument";
import { renderMarkerReadScript, renderRunScript } from "../../../dynamic-providers/ssmTasks/script";
import { prepareTasks } from "../../../dynamic-providers/ssmTasks/template";
import { loadCodeServerTasks } from "../../../tasks/loader";

const NOW = new Date("2026-11-30T08:00:00Z");
const hoursFromNow = (h: number) => new Date(NOW.getTime() + h * 3600_000).toISOString();
const BLOCK = "cr-0b0b0000000000001";
const facts = (over: Partial<DevImageFacts> & { state?: string; startInHours?: number }): DevImageFacts => {
    const { state = "scheduled", startInHours = 24, ...rest } = over;
    return { prebake: true, block: { id: BLOCK, known: { state, startDate: hoursFromNow(startInHours) } }, previous: {}, now: NOW, ...rest };
};

describe("pre-baking the dev image", () => {
    describe("when to bake and what the box boots", () => {
        it("waits while the block starts more than 48 hours from now, and bakes within them", () => {
            expect(devImagePlan(facts({ startInHours: 49 }))).to.deep.include({ bake: false, reason: "too-early" });
            expect(devImagePlan(facts({ startInHours: 47 }))).to.deep.include({ bake: true, launchFrom: { kind: "baked" } });
            expect(devImagePlan(facts({ state: "payment-pending", startInHours: 10 }))).to.deep.include({ bake: true });
        });

        it("at the block's start boots the image baked before and bakes nothing on block time", () => {
            const plan = devImagePlan(facts({ state: "active", startInHours: -1, previous: { blockId: BLOCK, bakedImageId: "ami-0baked" } }));
            expect(plan).to.deep.equal({ bake: false, launchFrom: { kind: "previous", imageId: "ami-0baked" }, boxRunning: false });
        });

        it("keeps the running box's own image whatever was baked since, and bakes during its block only when asked", () => {
            const previous = { instanceId: "i-0abc", blockId: BLOCK, launchedFrom: "ami-0old", bakedImageId: "ami-0new" };
            expect(devImagePlan(facts({ state: "active", startInHours: -5, previous })))
                .to.deep.equal({ bake: false, launchFrom: { kind: "previous", imageId: "ami-0old" }, boxRunning: true });
            expect(devImagePlan(facts({ state: "active", startInHours: -5, previous, prebake: "now" })))
                .to.deep.equal({ bake: true, launchFrom: { kind: "previous", imageId: "ami-0old" }, boxRunning: true });
        });

        it("a box launched before pre-baking existed keeps its pinned stock image", () => {
            const plan = devImagePlan(facts({ state: "active", startInHours: -5, previous: { instanceId: "i-0abc", blockId: BLOCK } }));
            expect(plan.launchFrom).to.deep.equal({ kind: "stock" });
        });

        it("a box on another block (a new generation) is replaced anyway and gets the new image", () => {
            const previous = { instanceId: "i-0abc", blockId: "cr-0ffffffffffffffff", launchedFrom: "ami-0old", bakedImageId: "ami-0new" };
            expect(devImagePlan(facts({ state: "active", startInHours: -1, previous })).launchFrom).to.deep.equal({ kind: "previous", imageId: "ami-0new" });
        });

        it("a block that starts with nothing baked, a block being bought, on demand and prebake false: the stock image", () => {
            expect(devImagePlan(facts({ state: "active", startInHours: -1 }))).to.deep.include({ bake: false, reason: "missed", launchFrom: { kind: "stock" } });
            expect(devImagePlan({ prebake: true, block: {}, previous: {}, now: NOW })).to.deep.include({ bake: false, reason: "buying" });
            expect(devImagePlan({ prebake: true, previous: {}, now: NOW })).to.deep.include({ bake: false, reason: "on-demand" });
            expect(devImagePlan(facts({ prebake: false, startInHours: 5 }))).to.deep.include({ bake: false, reason: "off" });
            expect(devImagePlan(facts({ state: "expired", startInHours: -48 }))).to.deep.include({ bake: false });
        });

        it("prebake: now bakes at once, even far ahead or on the run that buys the block", () => {
            expect(devImagePlan(facts({ prebake: "now", startInHours: 24 * 20 })).bake).to.equal(true);
            expect(devImagePlan({ prebake: "now", block: {}, previous: {}, now: NOW }).bake).to.equal(true);
        });

        it("nextStep says from when the image is baked, that it is ready, or that setup ran on block time", () => {
            const early = devImagePlan(facts({ startInHours: 24 * 10 }));
            expect(devImageStep({ plan: early, launch: false, startDate: hoursFromNow(240), now: NOW })).to.include(`from ${hoursFromNow(192)}`);
            const ready = devImagePlan(facts({ startInHours: 24 }));
            expect(devImageStep({ plan: ready, imageId: "ami-0baked", launch: false, startDate: hoursFromNow(24), now: NOW }))
                .to.equal(`The dev image ami-0baked is ready: \`pulumi up\` after the block starts (${hoursFromNow(24)}) launches the box from it and runs only the instance tasks.`);
            const missed = devImagePlan(facts({ state: "active", startInHours: -1 }));
            expect(devImageStep({ plan: missed, launch: true, now: NOW })).to.match(/whole setup ran on block time/);
            expect(devImageStep({ plan: devImagePlan({ prebake: true, previous: {}, now: NOW }), launch: true, now: NOW })).to.equal("");
        });
    });

    describe("the bake", () => {
        const loaded = loadCodeServerTasks();
        let dir: string;
        beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "prebake-"))));
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("bakes the shipped image tasks into one component within Image Builder's 16,000 characters, with no {{ for AWSTOE to read", () => {
            const doc = componentDocument(bakeComponent(bakeScript(imageTasks(loaded.tasks, loaded.imageTaskIds), loaded.variables)));
            expect(doc.length).to.be.at.most(MAX_COMPONENT_DATA);
            expect(doc).to.not.include("{{");
            const parsed = parse(doc) as { phases: { name: string; steps: { action: string }[] }[] };
            expect(parsed.phases.map((p) => p.name)).to.deep.equal(["build"]);
        });

        it("leaves the markers SsmTasks reads: on a box from the image only the instance tasks run", () => {
            const markers = path.join(dir, "markers");
            const home = path.join(dir, "home");
            fs.mkdirSync(home);
            const tasks = [
                { id: "packages", name: "packages", commands: ["echo {{WHAT}} > \"$HOME/packages\""] },
                { id: "user", name: "user", commands: ["echo user >> \"$HOME/user\""] },
            ];
            const env = { ...process.env, HOME: home };
            // The build instance runs the component's bash script, which unpacks and runs the bake script with sh.
            const build = bakeComponent(bakeScript(tasks.slice(0, 1), { WHAT: "baked" }, markers)).scripts.build as string;
            const baked = spawnSync("bash", ["-c", build], { encoding: "utf8", env });
            expect(baked.status, baked.stderr).to.equal(0);
            expect(fs.readFileSync(path.join(home, "packages"), "utf8")).to.equal("baked\n");

            const prepared = prepareTasks(tasks, { WHAT: "baked" }, {});
            const read = spawnSync("sh", { input: renderMarkerReadScript(prepared, markers), encoding: "utf8" });
            expect(read.stdout.trim()).to.equal("cbm 10");
            const run = spawnSync("sh", { input: renderRunScript(prepared, markers, undefined), encoding: "utf8", env });
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.match(/cbt 0 skipped 0 packages/);
            expect(run.stdout).to.match(/cbt 1 ran 0 user/);
        });

        it("a bake that fails fails the build step", () => {
            const build = bakeComponent(bakeScript([{ id: "broken", name: "broken", commands: ["exit 3"] }], {}, path.join(dir, "m"))).scripts.build as string;
            expect(spawnSync("bash", ["-c", build], { encoding: "utf8" }).status).to.not.equal(0);
        });

        it("Image Builder names keep letters, digits, '-' and '_' only (a stack name may hold '.')", () => {
            expect(imageBuilderName("capblocks-team.dev-code-server")).to.equal("capblocks-team-dev-code-server");
        });
    });
});
