import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { failure } from "../../helpers/failure";
import type { BuyReservationConfig } from "../../../components/config";
import { adoptReservation, buyReservation, findBoughtBlocks } from "../../../components/reservation";
import { purchaseToken } from "../../../dynamic-providers/capacityBlock/token";
import { activeBlock, mockAws, oneOfType, REGION, resolved, settle } from "../../helpers/mocks";

const buyCfg: BuyReservationConfig = {
    kind: "buy", instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
    selection: "cheapest", generation: 1, instancePlatform: "Linux/UNIX",
};

describe("purchase token", () => {
    it("is the same for the same stack resource and generation, and new for a bumped generation", () => {
        const t = purchaseToken("capblocks", "dev", "block", 1);
        expect(t).to.equal(purchaseToken("capblocks", "dev", "block", 1)).and.to.match(/^[0-9a-f]{32}$/);
        expect(purchaseToken("capblocks", "dev", "block", 2)).to.not.equal(t);
        expect(purchaseToken("capblocks", "prod", "block", 1)).to.not.equal(t);
        // No separator ambiguity: ("a-b","c") and ("a","b-c") differ.
        expect(purchaseToken("a-b", "c", "block", 1)).to.not.equal(purchaseToken("a", "b-c", "block", 1));
    });
});

const LOOKUP = "aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation";

/** buyReservation as the program runs it: the blocks this stack bought first, from its last outputs and EC2. */
async function buy(cfg: BuyReservationConfig = buyCfg) {
    return buyReservation(cfg, { region: REGION, tags: {} }, await findBoughtBlocks(cfg, REGION));
}

describe("reservation: buy", () => {
    it("looks the block up by the id this stack's last deployment recorded, and launches only when it is active", async () => {
        const run = await mockAws({ block: activeBlock(), previousOutputs: { blockId: activeBlock().id, blockGeneration: "1" } });
        const info = await buy();
        expect(run.calls.filter((c) => c.token === LOOKUP).map((c) => c.inputs)).to.deep.equal([{ id: activeBlock().id, region: REGION }]);
        expect(info).to.include({ launchable: true, source: "bought", instanceType: "trn2.3xlarge" });
        expect(await resolved(info.state)).to.equal("active");
    });

    // F5: two copies of one stack (two people's `dev` stacks in one account) share the purchase token; the identity,
    // created before the block and kept in state, tells their blocks apart.
    it("gives the block this stack's identity: a random id made by a RandomUuid kept in state, never renamed", async () => {
        const run = await mockAws({ block: undefined });
        await buy();
        await settle();
        const identity = oneOfType(run, "random:index/randomUuid:RandomUuid");
        expect(identity.name).to.equal("block-identity");
        const block = oneOfType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock");
        expect(block.inputs.identity).to.be.a("string").and.match(/^mock-uuid-/);
        expect(block.inputs.purchaseToken).to.equal(purchaseToken("capblocks", "test", "block", 1));
    });

    it("reads the previous outputs of this very stack through a stack reference to organization/project/stack", async () => {
        const run = await mockAws({});
        await buy();
        expect(run.reads).to.deep.equal([{ type: "pulumi:pulumi:StackReference", name: "previous-deployment", id: "organization/capblocks/test" }]);
    });

    it("treats a stack with no outputs yet (first deployment) as not bought: no lookup, no instance this run", async () => {
        const run = await mockAws({ block: undefined });
        const info = await buy();
        expect(info.launchable).to.equal(false);
        expect(run.calls.filter((c) => c.token === LOOKUP)).to.deep.equal([]);
        expect(info.boughtThisRun).to.equal(true);
    });

    it("does not launch into a scheduled block", async () => {
        await mockAws({ block: activeBlock({ state: "scheduled" }) });
        expect((await buy()).launchable).to.equal(false);
    });

    it("surfaces lookup failures other than 'no match' instead of guessing", async () => {
        const denied = "UnauthorizedOperation: You are not authorized to perform this operation";
        await pulumi.runtime.setMocks({
            call: () => {
                throw Object.assign(new Error(denied), { details: denied });
            },
            newResource: (args) => args.type === "pulumi:pulumi:StackReference"
                ? { id: "ref", state: { outputs: { blockId: "cr-0123456789abcdef0" } } }
                : { id: `${args.name}-id`, state: args.inputs },
        }, "capblocks", "test", false, "organization");
        const err = await failure(buy());
        expect(err).to.be.instanceOf(pulumi.RunError);
        expect(err.message).to.equal(
            "capblocks:reservation: could not look up Capacity Block cr-0123456789abcdef0 (recorded by this stack's last deployment) " +
                `in sa-east-1: ${denied}`,
        );
    });
});

describe("reservation: adopt", () => {
    it("adopts a block by id with its facts from EC2", async () => {
        await mockAws({ block: activeBlock() });
        const info = await adoptReservation({ kind: "adopt", id: "cr-0123456789abcdef0", instanceType: "trn2.3xlarge" }, REGION);
        expect(info).to.include({ launchable: true, source: "adopted", instanceCount: 1 });
        expect(await resolved({ az: info.availabilityZone, end: info.endDate })).to.deep.equal({ az: "sa-east-1b", end: "2026-11-24T11:30:00.000Z" });
    });

    it("reads the id from the /capacity-block/<region>/reservation-id SSM parameter", async () => {
        const run = await mockAws({ block: activeBlock(), parameters: { "/capacity-block/sa-east-1/reservation-id": "cr-0123456789abcdef0\n" } });
        const info = await adoptReservation({ kind: "adopt", parameterName: "/capacity-block/sa-east-1/reservation-id", instanceType: "trn2.3xlarge" }, REGION);
        expect(await resolved(info.id)).to.equal("cr-0123456789abcdef0");
        expect(run.calls.map((c) => c.token)).to.deep.equal([
            "aws:ssm/getParameter:getParameter",
            "aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation",
        ]);
    });

    it("fails clearly when the adopted block is of another instance type", async () => {
        await mockAws({ block: activeBlock({ instanceType: "p5.48xlarge" }) });
        const err = await failure(adoptReservation({ kind: "adopt", id: "cr-0123456789abcdef0", instanceType: "trn2.3xlarge" }, REGION));
        expect(err.message).to.equal(
            "capblocks:reservation.id: cr-0123456789abcdef0 is a Capacity Block of p5.48xlarge, not capblocks:reservation.instanceType trn2.3xlarge; " +
                "set instanceType to p5.48xlarge (or remove it: the block says its type) or adopt another block",
        );
    });

    it("fails clearly when the id is not a Capacity Block", async () => {
        await mockAws({ block: activeBlock() });
        const err = await failure(adoptReservation({ kind: "adopt", id: "cr-0fffffffffffffff0", instanceType: "trn2.3xlarge" }, REGION));
        expect(err.message).to.match(/^capblocks:reservation\.id: cr-0fffffffffffffff0 is not a Capacity Block in sa-east-1/);
    });

    it("fails clearly when the parameter does not hold a reservation id", async () => {
        await mockAws({ parameters: { "/capacity-block/sa-east-1/reservation-id": "none" } });
        const err = await failure(adoptReservation({ kind: "adopt", parameterName: "/capacity-block/sa-east-1/reservation-id", instanceType: "trn2.3xlarge" }, REGION));
        expect(err.message).to.match(/^capblocks:reservation\.parameterName: SSM parameter \/capacity-block\/sa-east-1\/reservation-id holds "none", not a capacity reservation id/);
    });
});
