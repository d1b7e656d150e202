/**
 * The dev image is baked before the block and the box launches from it (components/codeServer/prebake.ts): index.ts
 * run across the life of a block under the offline mocks, and the replacement rules saying what `pulumi up` would do
 * between runs. Baking never replaces a running box, and a box never boots an image baked during its block.
 */
import { expect } from "chai";
import type { Assumptions, BlockFacts, RecordedResource } from "../../scripts/offlineMocks";
import type { ProgramRun } from "../helpers/mocks";
import { activeBlock, runProgram } from "../helpers/mocks";
import { changeOf, emptyingReplacements, plannedChanges, replacementsIn } from "../helpers/replacements";

const DAY = 24 * 3600_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const BLOCK_ID = "cr-0b0b0000000000001";
const block = (state: string, startInDays: number): BlockFacts =>
    activeBlock({ id: BLOCK_ID, state, startDate: inDays(startInDays), endDate: inDays(startInDays + 1) });

const stack = (codeServer: Record<string, unknown> = {}) => ({
    "capblocks:reservation": { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900" },
    "capblocks:codeServer": { enabled: true, ...codeServer },
});

const IMAGE_TYPES = /^(aws:imagebuilder\/|capblocks:index:DevImage$)/;
const bakes = (run: ProgramRun) => run.run.resources.filter((r) => IMAGE_TYPES.test(r.type)).map((r) => r.type).sort();
const named = (run: ProgramRun, type: string, name: string): RecordedResource => {
    const found = run.run.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} ${name}`);
    return found;
};
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const TASKS = "pulumi-nodejs:dynamic/capblocks:SsmTasks";

async function ok(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const result = await runProgram(config, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result;
}

/** The next run: the block as it is then, and the outputs `last` exported. */
const nextRun = (last: ProgramRun, facts: BlockFacts): Partial<Assumptions> => ({ block: facts, previousOutputs: last.outputs });

describe("the dev image is baked before the block", () => {
    let far: ProgramRun;
    let close: ProgramRun;
    let started: ProgramRun;
    let changed: ProgramRun;
    let asked: ProgramRun;
    before(async () => {
        far = await ok(stack(), { block: block("scheduled", 10), previousOutputs: { blockId: BLOCK_ID, blockGeneration: "1" } });
        close = await ok(stack(), nextRun(far, block("scheduled", 1.5)));
        started = await ok(stack(), nextRun(close, block("active", -0.1)));
        changed = await ok(stack({ version: "4.137.0" }), nextRun(started, block("active", -0.2)));
        asked = await ok(stack({ version: "4.137.0", prebake: "now" }), nextRun(changed, block("active", -0.3)));
    });

    it("bakes nothing while the block is more than 48 hours away, and nextStep says from when it will", () => {
        expect(bakes(far)).to.deep.equal([]);
        expect(far.outputs).to.not.have.property("devImageId");
        expect(far.outputs?.nextStep).to.match(/The dev image .* is baked by the first `pulumi up` from \d{4}-\d\d-\d\dT/);
    });

    it("within 48 hours bakes the image with Image Builder (build instance terminated by it), and nextStep says it is ready", () => {
        expect(bakes(close)).to.include.members([
            "capblocks:index:DevImage",
            "aws:imagebuilder/component:Component",
            "aws:imagebuilder/imageRecipe:ImageRecipe",
            "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration",
            "aws:imagebuilder/image:Image",
        ]);
        const infrastructure = named(close, "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration", "code-server-image-infrastructure");
        expect(infrastructure.inputs).to.include({ terminateInstanceOnFailure: true });
        expect(infrastructure.inputs.instanceTypes).to.deep.equal(["m7i.large", "m6i.large", "m5.large"]);
        expect(close.outputs?.devImageId).to.match(/^ami-/);
        expect(named(close, LT, "code-server-lt").inputs.imageId).to.equal(close.outputs?.devImageId);
        expect(close.outputs?.nextStep).to.include(`The dev image ${close.outputs?.devImageId} is ready`);
        expect(plannedChanges(far.run, close.run).filter((c) => c.op !== "create" && c.op !== "same").map((c) => `${c.name} ${c.op}`))
            .to.deep.equal(["code-server-lt update"]);
    });

    it("at the block's start launches the box from the baked image and drops the Image Builder resources (the AMI stays)", () => {
        const launchTemplate = named(started, LT, "code-server-lt");
        expect(launchTemplate.inputs.imageId).to.equal(close.outputs?.devImageId);
        expect(started.outputs?.instanceImageId).to.equal(close.outputs?.devImageId);
        expect(bakes(started)).to.deep.equal([]);
        const changes = plannedChanges(close.run, started.run);
        expect(changeOf(changes, "code-server-lt").op).to.equal("same");
        expect(changeOf(changes, "code-server-image-build").op).to.equal("delete");
        expect(replacementsIn(changes)).to.deep.equal([]);
        expect(started.outputs?.nextStep).to.include("only the instance tasks ran on block time");
    });

    it("hands SsmTasks every task: the baked ones are found done by their markers, so one command runs only the rest", () => {
        const ids = (named(started, TASKS, "code-server-setup").inputs.tasks as { id: string }[]).map((t) => t.id);
        expect(ids).to.include.members(["base-packages", "code-server-install", "extensions-cache", "user", "code-server-config", "verify"]);
    });

    it("a changed image task during the block neither replaces the box nor bakes: SsmTasks runs it on the box in place", () => {
        const changes = plannedChanges(started.run, changed.run);
        expect(changeOf(changes, "code-server-lt").op).to.equal("same");
        expect(changeOf(changes, "code-server-instance").op).to.equal("same");
        expect(changeOf(changes, "code-server-setup").op).to.equal("update");
        expect(replacementsIn(changes)).to.deep.equal([]);
        expect(emptyingReplacements(changes)).to.deep.equal([]);
        expect(bakes(changed)).to.deep.equal([]);
        expect(changed.outputs?.instanceImageId).to.equal(close.outputs?.devImageId);
    });

    it("prebake: now bakes a new image for the next block while the running box keeps its own", () => {
        expect(bakes(asked)).to.include("aws:imagebuilder/image:Image");
        const changes = plannedChanges(changed.run, asked.run);
        expect(changeOf(changes, "code-server-lt").op).to.equal("same");
        expect(changeOf(changes, "code-server-instance").op).to.equal("same");
        expect(replacementsIn(changes)).to.deep.equal([]);
        expect(asked.outputs?.nextStep).to.match(/A new dev image ami-\w+ is baked for the next block \(prebake: now\); the running box keeps the image/);
    });

    it("a block that starts with no image baked gets the stock image and the whole setup, and nextStep says how to avoid it", async () => {
        const missed = await ok(stack(), nextRun(far, block("active", -0.1)));
        expect(bakes(missed)).to.deep.equal([]);
        expect(named(missed, LT, "code-server-lt").inputs.imageId).to.equal("ami-0example000000001");
        expect(missed.outputs?.nextStep).to.match(/No dev image was baked before this block .* so the whole setup ran on block time/);
    });

    it("prebake: false never bakes", async () => {
        const off = await ok(stack({ prebake: false }), nextRun(far, block("scheduled", 1.5)));
        expect(bakes(off)).to.deep.equal([]);
        expect(off.outputs).to.not.have.property("devImageId");
    });
});
