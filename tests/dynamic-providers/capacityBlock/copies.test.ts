import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../../helpers/capacityBlockMarket";
import { failure } from "../../helpers/failure";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { IDENTITY_TAG, PURCHASE_TOKEN_TAG } from "../../../dynamic-providers/capacityBlock/token";
import { UNKNOWN } from "../../../dynamic-providers/shared/unknown";
import type { InstalledMarket } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

/*
 * Copies of one stack: the purchase token is project/stack/resource/generation, so two people's `dev` stacks of this
 * project in one account (two laptops, two local backends) share it, and so does this stack before and after
 * `pulumi destroy`. The identity (a random id kept in the stack's state, tagged capblocks:identity) tells them apart:
 * a copy adopts only its own block, and another copy's block is never adopted and never ignored.
 */

const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
const MINUTE = 60_000;
const ALICE = { ...INPUTS, identity: "alice-laptop" };
const BOB = { ...INPUTS, identity: "bob-laptop" };

describe("CapacityBlock: copies of one stack in one account", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    beforeEach(() => {
        installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 3 * MINUTE });
    });
    afterEach(() => installed.restore());

    it("a second copy never adopts the first copy's block: refused by name, with both ways out, nothing bought", async () => {
        const { id } = await provider.create(ALICE);
        expect(market().tagsOf(id)).to.include({ [PURCHASE_TOKEN_TAG]: "token-gen-1", [IDENTITY_TAG]: "alice-laptop" });
        const err = await failure(provider.create(BOB));
        expect(err.message).to.equal(`CapacityBlock: ${id} (scheduled: 1 x trn2.3xlarge in sa-east-1c, 2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z) ` +
            "was bought for this project, stack, resource and generation (tag capblocks:purchase-token=token-gen-1) by another copy of this stack " +
            "(identity alice-laptop), not by this copy (identity bob-laptop). It is not adopted, and nothing was bought. If it is yours (this stack " +
            "before `pulumi destroy`, which forgets the identity, or your copy on another machine), adopt it: set capblocks:reservation.id to " +
            `${id} in place of the buy settings. If it is someone else's, use another stack name (\`pulumi stack init\`) or bump ` +
            "capblocks:reservation.generation (1 → 2) to buy your own.");
        expect(err.id).to.equal(undefined);
        expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        const preview = await provider.check({}, BOB);
        expect(preview.inputs.quote, "preview says what up does").to.equal(`nothing to buy: ${err.message.replace(/^CapacityBlock: /, "")}`);
        const newStack = await provider.check({}, { ...BOB, identity: UNKNOWN });
        expect(newStack.inputs.quote, "the preview of a stack whose identity is not made yet").to.contain("not by this copy (identity not made yet)");
        expect((await provider.check({}, ALICE)).inputs.quote).to.equal(`nothing to buy: up adopts ${id} (scheduled), the block this stack already ` +
            "bought with purchase token token-gen-1");
    });

    it("two first ups at once: the second copy meets the first's purchase record and buys nothing, then meets its block", async () => {
        market().killAfterNextPurchase();
        market().hideNewReservationsFor(5 * MINUTE);
        await failure(provider.create(ALICE));
        market().revive();
        const whileOpen = await failure(provider.create(BOB));
        expect(whileOpen.message).to.match(/^CapacityBlock: a purchase of 1 x trn2\.3xlarge in sa-east-1c, .* was sent at 2026-11-23T09:00:00\.000Z for this project, stack, resource and generation by another copy of this stack \(identity alice-laptop; this copy is bob-laptop\)/)
            .and.contain("Nothing was bought. Run `pulumi up` again after 2026-11-23T09:15:00.000Z");
        market().advance(5 * MINUTE);
        expect((await failure(provider.create(BOB))).message).to.contain("by another copy of this stack (identity alice-laptop)");
        const { id } = await provider.create(ALICE);
        expect(market().reservationIds()).to.deep.equal([id]);
        expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        expect(JSON.parse(market().parameterValues()["/capblocks/purchases/token-gen-1"])).to.deep.include({ identity: "alice-laptop", reservationId: id });
    });

    it("a second copy's up right after the first copy's purchase, while the tag filter lags: the receipt finds the block; nothing bought", async () => {
        installed.restore();
        installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 10_000 });
        market().lagTagFilterFor(5 * MINUTE);
        const { id } = await provider.create(ALICE);
        market().advance(10_000);
        expect((await failure(provider.create(BOB))).message).to.contain(`${id} (scheduled`).and.contain("(identity alice-laptop)");
        expect(market().count("PurchaseCapacityBlock")).to.equal(1);
    });

    it("adopting its own block leaves another copy's open purchase record alone", async () => {
        const { id, outs } = await provider.create(ALICE);
        await provider.delete(id, outs);
        const bobsRecord = JSON.stringify({ kind: "block", identity: "bob-laptop", nonce: "n", sentAt: new Date(market().clock.now()).toISOString(),
            offering: { offeringId: "cbo-x", availabilityZone: "sa-east-1b", instanceType: "trn2.3xlarge", instanceCount: 1,
                startDate: "2026-11-24T11:30:00.000Z", endDate: "2026-11-25T11:30:00.000Z", upfrontFee: "840.00", currencyCode: "USD" } });
        market().seedParameter("/capblocks/purchases/token-gen-1", bobsRecord);
        expect((await provider.create(ALICE)).id).to.equal(id);
        expect(market().parameterValues()).to.deep.equal({ "/capblocks/purchases/token-gen-1": bobsRecord });
    });

    it("each copy recovers its own lost-answer purchase, under its own stack name", async () => {
        market().loseNextPurchaseAnswer();
        market().hideNewReservationsFor(3 * MINUTE);
        await failure(provider.create(ALICE));
        market().advance(3 * MINUTE);
        const mine = await provider.create(ALICE);
        const other = await provider.create({ ...BOB, purchaseToken: "token-of-bobs-stack" });
        expect(mine.id).to.not.equal(other.id);
        expect(market().count("PurchaseCapacityBlock")).to.equal(2);
    });

    it("destroy then up: the new identity refuses the block bought before destroy, naming it and how to adopt it", async () => {
        const { id, outs } = await provider.create(ALICE);
        await provider.delete(id, outs);
        const err = await failure(provider.create({ ...ALICE, identity: "alice-after-destroy" }));
        expect(err.message).to.contain(`set capblocks:reservation.id to ${id}`).and.contain("nothing was bought");
        expect(market().count("PurchaseCapacityBlock")).to.equal(1);
    });

    it("a block bought before identities stays with its stack (update tags it), and is refused to a new copy", async () => {
        const id = market().seedReservation({ instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: "sa-east-1b", start: Date.parse("2026-11-24T11:30:00Z"),
            hours: 24, tags: { [PURCHASE_TOKEN_TAG]: "token-gen-1" } });
        const stored = { ...INPUTS, identity: undefined, reservationId: id, state: "scheduled", endDate: "2026-11-25T11:30:00.000Z", startDate: "2026-11-24T11:30:00.000Z" };
        const check = await provider.check({ ...INPUTS, identity: undefined }, ALICE);
        expect(check.failures ?? []).to.deep.equal([]);
        expect(check.inputs).to.not.have.property("quote");
        expect(await provider.diff(id, stored, check.inputs)).to.deep.include({ changes: true, replaces: [] });
        const { outs } = await provider.update(id, stored, check.inputs);
        expect(outs).to.include({ identity: "alice-laptop", reservationId: id, purchaseToken: "token-gen-1" });
        expect(market().tagsOf(id)).to.include({ [IDENTITY_TAG]: "alice-laptop" });
        expect((await failure(provider.create(BOB))).message).to.contain(`${id} (scheduled`).and.contain("(identity alice-laptop)");
        expect(market().count("PurchaseCapacityBlock")).to.equal(0);
    });

    it("another copy's ended block is refused with the next generation as the way out; so is this copy's own", async () => {
        const { id } = await provider.create(ALICE);
        market().advance(8 * 24 * 60 * MINUTE);
        expect((await failure(provider.create(BOB))).message).to.contain(`${id} (expired:`)
            .and.contain("It is not adopted, and nothing was bought; it has ended: to buy a new block, bump capblocks:reservation.generation (1 → 2).");
        const own = await failure(provider.create(ALICE));
        expect(own.message).to.equal(`CapacityBlock: ${id} (expired: 1 x trn2.3xlarge in sa-east-1c, 2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z) ` +
            "is the block this stack bought for generation 1; it has ended: to buy a new block, bump capblocks:reservation.generation (1 → 2). Nothing was bought.");
        expect(own.id, "an ended block is not kept in state").to.equal(undefined);
        expect(market().count("PurchaseCapacityBlock")).to.equal(1);
    });

    // F9: a renamed stack or project gives a new token with the same generation: no purchase is coming.
    it("a new token without a new generation is no purchase: check quotes nothing and judges no past window, diff replaces nothing", async () => {
        const { id, outs } = await provider.create({ ...ALICE, startBefore: "2026-11-30T00:00:00Z" });
        market().advance(10 * 24 * 60 * MINUTE);
        const renamed = { ...ALICE, startBefore: "2026-11-30T00:00:00Z", purchaseToken: "token-after-rename" };
        const checked = await provider.check({ ...ALICE, startBefore: "2026-11-30T00:00:00Z", quote: "old quote" }, renamed);
        expect(checked.failures ?? []).to.deep.equal([]);
        expect(checked.inputs.quote, "a quote is only for a purchase still to come").to.equal(undefined);
        expect(market().count("DescribeCapacityBlockOfferings")).to.equal(4);
        expect(await provider.diff(id, outs, checked.inputs)).to.deep.include({ changes: false, replaces: [] });
    });
});
