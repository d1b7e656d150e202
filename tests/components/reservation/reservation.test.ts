import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { failure } from "../../helpers/failure";
import type { BuyReservationConfig } from "../../../components/config";
import { adoptReservation, buyReservation } from "../../../components/reservation";
import { nextStepFor } from "../../../components/reservation/nextStep";
import { PURCHASE_TOKEN_TAG, purchaseToken } from "../../../dynamic-providers/capacityBlock/token";
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

describe("reservation: buy", () => {
    it("looks the block up by its purchase-token tag and launches only when it is active", async () => {
        const run = await mockAws({ block: activeBlock() });
        const info = await buyReservation(buyCfg, { region: REGION, tags: {} });
        const lookup = run.calls.find((c) => c.token === "aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation");
        expect(lookup?.inputs.filters).to.deep.equal([
            { name: `tag:${PURCHASE_TOKEN_TAG}`, values: [purchaseToken("capblocks", "test", "block", 1)] },
        ]);
        expect(info).to.include({ launchable: true, source: "bought", instanceType: "trn2.3xlarge" });
        expect(await resolved(info.state)).to.equal("active");
    });

    // F5: two copies of one stack (two people's `dev` stacks in one account) share the purchase token; the identity,
    // created before the block and kept in state, tells their blocks apart.
    it("gives the block this stack's identity: a random id made by a RandomUuid kept in state, never renamed", async () => {
        const run = await mockAws({ block: undefined });
        await buyReservation(buyCfg, { region: REGION, tags: {} });
        await settle();
        const identity = oneOfType(run, "random:index/randomUuid:RandomUuid");
        expect(identity.name).to.equal("block-identity");
        const block = oneOfType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock");
        expect(block.inputs.identity).to.be.a("string").and.match(/^mock-uuid-/);
        expect(block.inputs.purchaseToken).to.equal(purchaseToken("capblocks", "test", "block", 1));
    });

    it("treats a block the lookup does not find as not bought yet: no instance this run", async () => {
        await mockAws({ block: undefined });
        const info = await buyReservation(buyCfg, { region: REGION, tags: {} });
        expect(info.launchable).to.equal(false);
        expect(await resolved(info.nextStep)).to.match(/bought on this run .*run `pulumi up` again once it is active/);
    });

    it("does not launch into a scheduled block", async () => {
        await mockAws({ block: activeBlock({ state: "scheduled" }) });
        expect((await buyReservation(buyCfg, { region: REGION, tags: {} })).launchable).to.equal(false);
    });

    it("surfaces lookup failures other than 'no match' instead of guessing", async () => {
        const denied = "UnauthorizedOperation: You are not authorized to perform this operation";
        await pulumi.runtime.setMocks({
            call: () => {
                throw Object.assign(new Error(denied), { details: denied });
            },
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        }, "capblocks", "test");
        const err = await failure(buyReservation(buyCfg, { region: REGION, tags: {} }));
        expect(err).to.be.instanceOf(pulumi.RunError);
        expect(err.message).to.equal(
            `capblocks:reservation: could not look up this stack's Capacity Block (tag ${PURCHASE_TOKEN_TAG}=${purchaseToken("capblocks", "test", "block", 1)}) ` +
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
                "set instanceType to p5.48xlarge or adopt another block",
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

describe("reservation: next step", () => {
    it("says when a scheduled block starts and to run up again after that", () => {
        expect(nextStepFor({ state: "scheduled", startDate: "2026-11-30T11:30:00.000Z", endDate: "2026-12-01T11:30:00.000Z", availabilityZone: "sa-east-1b" })).to.match(
            /starts at 2026-11-30T11:30:00\.000Z.*Run `pulumi up` again after 2026-11-30T11:30:00\.000Z/,
        );
    });

    // EC2 user guide "Capacity Blocks for ML": EC2 starts terminating a block's instances 30 minutes before its end.
    it("warns an active block's instance goes 30 minutes before the end, and that work is kept", () => {
        expect(nextStepFor({ state: "active", startDate: "s", endDate: "2026-12-01T11:30:00.000Z", availabilityZone: "sa-east-1b" })).to.match(/until 2026-12-01T11:30:00\.000Z; EC2 terminates its instances 30 minutes before that\.$/);
    });

    it("tells how to continue after a block expired without buying by accident", () => {
        expect(nextStepFor({ state: "expired", startDate: "s", endDate: "2026-12-01T11:30:00.000Z", availabilityZone: "sa-east-1b" })).to.match(
            /ended at 2026-12-01T11:30:00\.000Z.*the work volume, EFS\) stays in sa-east-1b.*bump capblocks:reservation\.generation .*availabilityZones: \[sa-east-1b\]/,
        );
    });

    it("reports unusable states as they are", () => {
        expect(nextStepFor({ state: "payment-failed", startDate: "s", endDate: "e", availabilityZone: "sa-east-1b" })).to.match(/is payment-failed: instances cannot launch/);
    });
});
