/**
 * F9: the program finds the blocks this stack bought by the ids its own last deployment recorded (a stack reference
 * to itself, mocked here as the stack's previous outputs), never by a name recomputed from the stack, project or
 * generation. A rename or a generation bump made to buy the next block ahead never takes the instance off a paid,
 * active block.
 */
import { expect } from "chai";
import type { MockRun } from "../../../scripts/offlineMocks";
import { activeBlock, ofType, oneOfType, runProgram } from "../../helpers/mocks";

const OLD = activeBlock({ id: "cr-0aaaaaaaaaaaaaaa1", availabilityZone: "sa-east-1b", startDate: "2026-11-29T11:30:00.000Z", endDate: "2026-12-02T11:30:00.000Z" });
const NEW = activeBlock({ id: "cr-0bbbbbbbbbbbbbbb2", availabilityZone: "sa-east-1c", state: "scheduled", startDate: "2026-12-03T11:30:00.000Z", endDate: "2026-12-04T11:30:00.000Z" });
const LOOKUP = "aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation";
const reservation = (generation: number) => ({
    "capblocks:reservation": { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900", generation },
});

/** The block the instance's launch template targets, or undefined when no instance is declared this run. */
function launchedInto(run: MockRun): string | undefined {
    if (ofType(run, "aws:ec2/instance:Instance").length === 0) return undefined;
    const template = oneOfType(run, "aws:ec2/launchTemplate:LaunchTemplate").inputs as { capacityReservationSpecification?: { capacityReservationTarget?: { capacityReservationId?: string } } };
    return template.capacityReservationSpecification?.capacityReservationTarget?.capacityReservationId;
}

const lookedUp = (run: MockRun) => run.calls.filter((c) => c.token === LOOKUP).map((c) => c.inputs.id);

describe("the blocks a stack bought, across runs, renames and generations", () => {
    it("first run (no outputs yet): buys, looks nothing up, and launches no instance until the block is active", async () => {
        const { run, outputs, error } = await runProgram(reservation(1), {});
        expect(error).to.equal(undefined);
        expect(lookedUp(run)).to.deep.equal([]);
        expect(ofType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock")).to.have.length(1);
        expect(launchedInto(run)).to.equal(undefined);
        expect(outputs).to.include({ blockGeneration: "1", blockState: "scheduled" });
        expect(outputs?.nextStep).to.match(/^The Capacity Block is bought on this run/);
    });

    it("rename (stack and project): the outputs moved with the state, so the block is found by its id and the instance stays", async () => {
        const { run, outputs, error } = await runProgram(reservation(1), { block: OLD, previousOutputs: { blockId: OLD.id, blockGeneration: "1" } },
            { project: "capblocks-team", stack: "renamed" });
        expect(error).to.equal(undefined);
        expect(run.reads).to.deep.equal([{ type: "pulumi:pulumi:StackReference", name: "previous-deployment", id: "organization/capblocks-team/renamed" }]);
        expect(lookedUp(run)).to.deep.equal([OLD.id]);
        expect(launchedInto(run)).to.equal(OLD.id);
        expect(outputs).to.include({ blockId: OLD.id, blockGeneration: "1", blockState: "active" });
        expect(outputs).to.not.have.property("nextBlockId");
    });

    it("generation bump while the old block is active: the instance stays on it (same launch template) and nextStep says when it moves", async () => {
        const { run, outputs, error } = await runProgram(reservation(2), { block: OLD, previousOutputs: { blockId: OLD.id, blockGeneration: "1" } });
        expect(error).to.equal(undefined);
        expect(launchedInto(run)).to.equal(OLD.id);
        expect(oneOfType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock").inputs.generation).to.equal(2);
        expect(outputs).to.include({ blockId: OLD.id, blockGeneration: "1", blockState: "active", nextBlockGeneration: "2", nextBlockState: "scheduled" });
        expect(outputs?.nextBlockId).to.match(/^cr-/).and.not.equal(OLD.id);
        expect(outputs?.nextStep).to.match(new RegExp(`^The instances stay on Capacity Block ${OLD.id} \\(generation 1\\), active until ${OLD.endDate}; ` +
            `.*Generation 2's Capacity Block ${outputs?.nextBlockId} is scheduled and starts at .*: run \`pulumi up\` after .* to move them there`));
    });

    it("the run after the bump: the new block is still scheduled, so the instance stays on the old one", async () => {
        const { run, outputs } = await runProgram(reservation(2), {
            block: NEW, otherBlocks: [OLD],
            previousOutputs: { blockId: OLD.id, blockGeneration: "1", nextBlockId: NEW.id, nextBlockGeneration: "2" },
        });
        expect(lookedUp(run).sort()).to.deep.equal([OLD.id, NEW.id].sort());
        expect(launchedInto(run)).to.equal(OLD.id);
        expect(outputs).to.include({ blockId: OLD.id, nextBlockId: NEW.id, nextBlockStart: NEW.startDate });
        expect(outputs?.nextStep).to.contain(`Between ${OLD.endDate} and ${NEW.startDate} no block is active`);
    });

    it("once the new generation's block is active, the instance moves to it", async () => {
        const { run, outputs } = await runProgram(reservation(2), {
            block: { ...NEW, state: "active" }, otherBlocks: [OLD],
            previousOutputs: { blockId: OLD.id, blockGeneration: "1", nextBlockId: NEW.id, nextBlockGeneration: "2" },
        });
        expect(launchedInto(run)).to.equal(NEW.id);
        expect(outputs).to.include({ blockId: NEW.id, blockGeneration: "2" });
        expect(outputs).to.not.have.property("nextBlockId");
    });

    it("generation bump after the old block expired: nothing to stay on, so no instance until the new block is active", async () => {
        const { run, outputs } = await runProgram(reservation(2), { block: { ...OLD, state: "expired" }, previousOutputs: { blockId: OLD.id, blockGeneration: "1" } });
        expect(launchedInto(run)).to.equal(undefined);
        expect(outputs).to.include({ blockGeneration: "2", blockState: "scheduled" });
        expect(outputs?.blockId).to.not.equal(OLD.id);
        expect(outputs).to.not.have.property("nextBlockId");
    });

    it("a recorded block EC2 no longer lists is not bought again on this run: nextStep reports it as it is", async () => {
        const { run, outputs } = await runProgram(reservation(1), { previousOutputs: { blockId: OLD.id, blockGeneration: "1" } });
        expect(lookedUp(run)).to.deep.equal([OLD.id]);
        expect(launchedInto(run)).to.equal(undefined);
        expect(outputs?.nextStep).to.not.match(/bought on this run/);
    });
});
