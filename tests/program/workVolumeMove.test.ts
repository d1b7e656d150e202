/**
 * The work volume across blocks in different Availability Zones: index.ts run twice (or three times) under the
 * offline mocks, the second run reading the first one's outputs as the stack's previous deployment, and the
 * replacement rules (tests/helpers/replacements.ts) saying what `pulumi up` would replace between the runs.
 */
import { expect } from "chai";
import type { Assumptions, BlockFacts } from "../../scripts/offlineMocks";
import { activeBlock } from "../helpers/mocks";
import type { PlannedChange } from "../helpers/replacements";
import { changeOf, emptyingReplacements, plannedChanges } from "../helpers/replacements";
import type { ProgramRun } from "../helpers/mocks";
import { runProgram } from "../helpers/mocks";

const PARAMETER = "/capacity-block/sa-east-1/reservation-id";
const blockIn = (availabilityZone: string, id: string, state = "active"): BlockFacts => activeBlock({ id, availabilityZone, state });
const BLOCK_A = blockIn("sa-east-1a", "cr-0aaaaaaaaaaaaaaa1");
const BLOCK_B = blockIn("sa-east-1b", "cr-0bbbbbbbbbbbbbbb1");
const adoptByParameter = { "capblocks:reservation": { parameterName: PARAMETER, instanceType: "trn2.3xlarge" } };

/** The next run's view of the world: the last run's outputs, and its work volume where it really is. */
function after(last: ProgramRun, volume: { availabilityZone: string; snapshotId?: string; sizeGb?: number }): Partial<Assumptions> {
    const outputs = last.outputs as Record<string, string>;
    return {
        previousOutputs: outputs,
        volumes: { [outputs.workVolumeId]: { encrypted: true, sizeGb: volume.sizeGb ?? 200, availabilityZone: volume.availabilityZone, ...(volume.snapshotId ? { snapshotId: volume.snapshotId } : {}) } },
    };
}

async function ok(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const result = await runProgram(config, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result;
}

const opsOf = (changes: PlannedChange[], names: string[]) => Object.fromEntries(names.map((n) => [n, changeOf(changes, n).op]));

describe("the work volume follows the user to a block in another AZ", () => {
    describe("adopt by parameter: the parameter now names an active block in sa-east-1b", () => {
        let first: ProgramRun;
        let second: ProgramRun;
        let changes: PlannedChange[];
        before(async () => {
            first = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_A.id }, block: BLOCK_A });
            second = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_B.id }, block: BLOCK_B, ...after(first, { availabilityZone: "sa-east-1a" }) });
            changes = plannedChanges(first.run, second.run);
        });

        it("replaces no volume with an empty one: the replacement is made from a snapshot of the old volume", () => {
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            const work = changeOf(changes, "code-server-work");
            expect(work.op).to.equal("replace");
            expect(work.because).to.include.members(["availabilityZone", "snapshotId"]);
            expect(work.inputs).to.include({ availabilityZone: "sa-east-1b", size: 200, encrypted: true });
            expect(work.startsWithData).to.equal(true);
            const snapshot = changeOf(changes, "code-server-work-move");
            expect(snapshot.op).to.equal("create");
            expect(snapshot.inputs.volumeId).to.equal(first.outputs?.workVolumeId);
            expect(work.inputs.snapshotId).to.equal(second.run.resources.find((r) => r.name === "code-server-work-move")?.id);
        });

        it("keeps the old volume until the new one is attached: created before the old one goes, and the old one retained", () => {
            const work = changeOf(changes, "code-server-work");
            // Create-before-delete: Pulumi deletes the replaced resource after creating the new one and updating its dependents.
            expect(work.deleteBeforeReplace).to.equal(false);
            expect(work.keepsOld).to.equal(true);
            expect(opsOf(changes, ["code-server-instance", "code-server-work-attachment", "code-server-setup"])).to.deep.equal({
                "code-server-instance": "replace",
                "code-server-work-attachment": "replace",
                "code-server-setup": "update",
            });
        });

        it("snapshots only after the new instance exists, whose predecessor is deleted first", () => {
            const snapshot = second.run.resources.find((r) => r.name === "code-server-work-move");
            expect(snapshot?.options.dependsOn).to.deep.equal(["code-server-instance"]);
            expect(snapshot?.options.retainOnDelete).to.equal(true);
            expect(changeOf(changes, "code-server-instance").deleteBeforeReplace).to.equal(true);
        });

        it("says in preview that the work moves and how long it may take, and in the outputs what was kept", () => {
            const volumeId = first.outputs?.workVolumeId as string;
            const snapshotId = second.run.resources.find((r) => r.name === "code-server-work-move")?.id as string;
            expect(second.warnings).to.include(
                `capblocks:codeServer: your work moves from sa-east-1a to sa-east-1b: this update snapshots the work volume ${volumeId} (200 GiB) ` +
                    "once the old instance is gone and the new one runs, creates a volume from the snapshot in sa-east-1b and mounts it at /work. " +
                    "The snapshot copies every block written to the volume and can take several hours, depending on how much was written (AWS cannot say in advance); " +
                    "the new volume then fetches each block from the snapshot the first time it is read, so first reads are slower. " +
                    `${volumeId} is kept as it was at the move, until you delete it.`,
            );
            expect(second.outputs?.workVolume).to.equal(
                `Your work moved from ${volumeId} (sa-east-1a) to sa-east-1b through snapshot ${snapshotId}. ${volumeId} is kept in sa-east-1a as it was at the move; ` +
                    `once you have checked your work, delete it with \`aws ec2 delete-volume --volume-id ${volumeId} --region sa-east-1\`; ` +
                    `the snapshot is kept too: \`aws ec2 delete-snapshot --snapshot-id ${snapshotId} --region sa-east-1\`. ` +
                    `pulumi destroy keeps volume ${volumeId} (your work); to use it again set capblocks:codeServer.workVolumeId: ${volumeId}`,
            );
            expect(second.outputs?.nextStep).to.contain("Your work moves to sa-east-1b on this update; the workVolume output says what was kept.");
            expect(second.outputs?.workVolumeSource).to.equal("created");
        });

        it("on the next up the moved volume is left alone and the snapshot leaves the stack (kept in AWS)", async () => {
            const snapshotId = second.run.resources.find((r) => r.name === "code-server-work-move")?.id as string;
            const third = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_B.id }, block: BLOCK_B, ...after(second, { availabilityZone: "sa-east-1b", snapshotId }) });
            const next = plannedChanges(second.run, third.run);
            expect(opsOf(next, ["code-server-work", "code-server-instance", "code-server-work-attachment"])).to.deep.equal({
                "code-server-work": "same",
                "code-server-instance": "same",
                "code-server-work-attachment": "same",
            });
            expect(changeOf(next, "code-server-work-move")).to.include({ op: "delete", keepsOld: true });
            expect(third.warnings.filter((w) => w.includes("work moves"))).to.deep.equal([]);
        });
    });

    describe("generation bump: the new block is bought on one run and lands in sa-east-1b", () => {
        const buy = (generation: number) => ({ "capblocks:reservation": { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900", generation } });
        let first: ProgramRun;
        let buying: ProgramRun;
        let nextBlockId: string;
        before(async () => {
            first = await ok(buy(1), { block: BLOCK_A });
            // Block A is still active: the instance stays on it while this run buys generation 2's block, whose AZ it
            // cannot know before the purchase.
            buying = await ok(buy(2), { availabilityZone: "sa-east-1b", block: BLOCK_A, ...after(first, { availabilityZone: "sa-east-1a" }) });
            nextBlockId = buying.outputs?.nextBlockId as string;
        });

        it("the buying run leaves the volume and the instance where they are: the old block is still active", () => {
            const changes = plannedChanges(first.run, buying.run);
            expect(nextBlockId).to.match(/^cr-/);
            expect(changeOf(changes, "code-server-work").op).to.equal("same");
            expect(changes.filter((c) => c.name === "code-server-work-move")).to.deep.equal([]);
            expect(changeOf(changes, "code-server-instance").op).to.equal("same");
        });

        it("the run on the new block, active, moves the work, after the new instance", async () => {
            const active = await ok(buy(2), {
                block: blockIn("sa-east-1b", nextBlockId), otherBlocks: [blockIn("sa-east-1a", BLOCK_A.id, "expired")],
                ...after(buying, { availabilityZone: "sa-east-1a" }),
            });
            const changes = plannedChanges(buying.run, active.run);
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            expect(changeOf(changes, "code-server-work")).to.include({ op: "replace", startsWithData: true, keepsOld: true });
            expect(active.run.resources.find((r) => r.name === "code-server-work-move")?.options.dependsOn).to.deep.equal(["code-server-instance"]);
        });

        it("the old block ended before the new one starts: the work waits one run for the old instance, then moves", async () => {
            const world = { block: blockIn("sa-east-1b", nextBlockId, "scheduled"), otherBlocks: [blockIn("sa-east-1a", BLOCK_A.id, "expired")] };
            const waiting = await ok(buy(2), { ...world, ...after(buying, { availabilityZone: "sa-east-1a" }) });
            expect(changeOf(plannedChanges(buying.run, waiting.run), "code-server-work").op).to.equal("same");
            const moving = await ok(buy(2), { ...world, ...after(waiting, { availabilityZone: "sa-east-1a" }) });
            const changes = plannedChanges(waiting.run, moving.run);
            expect(changeOf(changes, "code-server-work")).to.include({ op: "replace", startsWithData: true });
            expect(moving.run.resources.find((r) => r.name === "code-server-work-move")?.options.dependsOn).to.equal(undefined);
            expect(moving.warnings.join("\n")).to.contain("snapshots the work volume");
            expect(moving.warnings.join("\n")).to.contain("now (no instance of this stack uses it)");
        });
    });

    describe("a scheduled block in another AZ while the last run's instance may still be writing", () => {
        it("waits: nothing moves on this run, the next up moves it", async () => {
            const first = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_A.id }, block: BLOCK_A });
            const scheduledB = blockIn("sa-east-1b", BLOCK_B.id, "scheduled");
            const second = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_B.id }, block: scheduledB, ...after(first, { availabilityZone: "sa-east-1a" }) });
            const changes = plannedChanges(first.run, second.run);
            expect(changeOf(changes, "code-server-work").op).to.equal("same");
            const instanceId = first.outputs?.instanceId as string;
            expect(second.warnings).to.include(
                `capblocks:codeServer: the work volume ${first.outputs?.workVolumeId} stays in sa-east-1a on this update: instance ${instanceId} ` +
                    "of the last deployment may still be writing to it, and this update stops it. The next `pulumi up` moves your work to sa-east-1b.",
            );
            expect(second.outputs?.nextStep).to.contain("Your work volume moves to sa-east-1b on the next `pulumi up`.");
            const third = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_B.id }, block: scheduledB, ...after(second, { availabilityZone: "sa-east-1a" }) });
            expect(changeOf(plannedChanges(second.run, third.run), "code-server-work")).to.include({ op: "replace", startsWithData: true });
        });
    });

    describe("on demand: the box moves to another AZ", () => {
        const onDemand = (availabilityZone: string, workVolumeSizeGb = 200) => ({ "capblocks:codeServer": { instanceType: "g7e.2xlarge", availabilityZone, workVolumeSizeGb } });

        it("moves the work with it", async () => {
            const first = await ok(onDemand("sa-east-1a"), {});
            const second = await ok(onDemand("sa-east-1c"), after(first, { availabilityZone: "sa-east-1a" }));
            const changes = plannedChanges(first.run, second.run);
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            expect(changeOf(changes, "code-server-work")).to.include({ op: "replace", startsWithData: true, keepsOld: true });
            expect(changeOf(changes, "code-server-work").inputs.availabilityZone).to.equal("sa-east-1c");
            expect(changeOf(changes, "code-server-instance")).to.include({ op: "replace", deleteBeforeReplace: true });
        });

        it("deletes the old volume at the end of the move only with deleteWorkVolume, and says so", async () => {
            const config = (availabilityZone: string) => ({ "capblocks:codeServer": { instanceType: "g7e.2xlarge", availabilityZone, deleteWorkVolume: true } });
            const first = await ok(config("sa-east-1a"), {});
            const second = await ok(config("sa-east-1c"), after(first, { availabilityZone: "sa-east-1a" }));
            const work = changeOf(plannedChanges(first.run, second.run), "code-server-work");
            expect(work).to.include({ op: "replace", keepsOld: false, deleteBeforeReplace: false, startsWithData: true });
            expect(second.outputs?.workVolume).to.match(/^Your work moved from vol-\w+ \(sa-east-1a\) to sa-east-1c through snapshot snap-\w+\. vol-\w+ is deleted at the end of this update; /);
            expect(second.warnings.join("\n")).to.contain("is deleted at the end of this update, after the new volume is attached (capblocks:codeServer.deleteWorkVolume is true)");
        });

        it("refuses a work volume size smaller than the volume that moves, before anything moves", async () => {
            const first = await ok(onDemand("sa-east-1a", 300), {});
            const second = await runProgram(onDemand("sa-east-1c", 200), after(first, { availabilityZone: "sa-east-1a", sizeGb: 300 }));
            expect(second.error?.message).to.match(
                /^capblocks:codeServer\.workVolumeSizeGb: 200 is smaller than the work volume vol-\w+ \(300 GiB\) that moves to sa-east-1c; .* set it to at least 300\. Nothing was moved$/,
            );
            expect(second.run.resources.filter((r) => r.type.startsWith("aws:ebs/"))).to.deep.equal([]);
        });
    });

    describe("what the last deployment left", () => {
        it("creates a new volume (and says so) when the last deployment's volume no longer exists", async () => {
            const first = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_A.id }, block: BLOCK_A });
            const second = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_B.id }, block: BLOCK_B, previousOutputs: first.outputs, volumes: {} });
            expect(second.warnings).to.include(
                `capblocks:codeServer: the work volume ${first.outputs?.workVolumeId} of the last deployment no longer exists in sa-east-1; this update creates a new, empty one`,
            );
            expect(changeOf(plannedChanges(first.run, second.run), "code-server-work")).to.include({ op: "replace", startsWithData: false });
        });

        it("does not move a volume the last deployment only adopted (codeServer.workVolumeId, now removed)", async () => {
            const adopted = "vol-0feedface0000001";
            const first = await ok({ ...adoptByParameter, "capblocks:codeServer": { workVolumeId: adopted } }, {
                parameters: { [PARAMETER]: BLOCK_A.id },
                block: BLOCK_A,
                volumes: { [adopted]: { availabilityZone: "sa-east-1a", encrypted: true, sizeGb: 300 } },
            });
            expect(first.outputs?.workVolumeSource).to.equal("adopted");
            const second = await ok(adoptByParameter, { parameters: { [PARAMETER]: BLOCK_B.id }, block: BLOCK_B, ...after(first, { availabilityZone: "sa-east-1a" }) });
            expect(second.run.resources.filter((r) => r.name === "code-server-work-move")).to.deep.equal([]);
            expect(changeOf(plannedChanges(first.run, second.run), "code-server-work")).to.include({ op: "create" });
        });
    });
});
