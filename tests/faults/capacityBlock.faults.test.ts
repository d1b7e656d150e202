import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../helpers/capacityBlockMarket";
import { failure } from "../helpers/failure";
import { capacityBlockProvider } from "../../dynamic-providers/capacityBlock";
import { OFFERING_ID_TAG, PURCHASE_TOKEN_TAG } from "../../dynamic-providers/capacityBlock/token";
import { CLOCK_HOOK_KEY } from "../../dynamic-providers/shared/clock";
import type { InstalledMarket } from "../fakes/ec2CapacityBlockMarket";
import { install } from "../fakes/ec2CapacityBlockMarket";

/*
 * Fault injection for CapacityBlock: every fault and what the user sees. Promise under test: nothing is bought
 * twice, the block's id is never lost, and every error says what happened to the money and what to do next.
 * EC2 facts (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PurchaseCapacityBlock.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks.html): PurchaseCapacityBlock(Extension) has no
 * idempotency token; a block cannot be cancelled; states payment-pending → scheduled | payment-failed.
 */

const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
/** Retries of a read on throttling: backoff 1, 2, 4, 8, 8 s (≤ 30 s) after the first attempt. */
const READ_ATTEMPTS = 6;

describe("faults: CapacityBlock against the EC2 market fake", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    beforeEach(() => {
        installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 3 * 60_000 });
    });
    afterEach(() => installed.restore());

    describe("RequestLimitExceeded on every EC2 call", () => {
        it("DescribeCapacityReservations throttled a few times: create still buys exactly one block", async () => {
            market().throttle("DescribeCapacityReservations", 4);
            const { id, outs } = await provider.create(INPUTS);
            expect(outs.state).to.equal("scheduled");
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
        });

        it("DescribeCapacityReservations throttled throughout: create fails before buying, saying nothing was bought", async () => {
            market().throttle("DescribeCapacityReservations", 1000);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.equal("CapacityBlock: looking up a block already bought with purchase token token-gen-1 (DescribeCapacityReservations) " +
                "failed (RequestLimitExceeded: Request limit exceeded.) after retries; nothing was bought. Run `pulumi up` again in a few minutes.");
            expect(market().count("DescribeCapacityReservations")).to.equal(READ_ATTEMPTS);
            expect(market().count("PurchaseCapacityBlock"), "no token lookup, no purchase").to.equal(0);
        });

        it("DescribeCapacityReservations throttled on refresh: read retries and reports the live state", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().throttle("DescribeCapacityReservations", 3);
            const read = await provider.read(id, outs);
            expect(read.id).to.equal(id);
            expect(read.props).to.include({ state: "scheduled", reservationId: id });
        });

        it("DescribeCapacityBlockOfferings throttled throughout: the error names the call and says nothing was bought", async () => {
            market().throttle("DescribeCapacityBlockOfferings", 1000);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.equal("CapacityBlock: searching Capacity Block offerings (DescribeCapacityBlockOfferings) " +
                "failed (RequestLimitExceeded: Request limit exceeded.) after retries; nothing was bought. Run `pulumi up` again in a few minutes.");
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(READ_ATTEMPTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
            expect(err.id, "no block, nothing kept in state").to.equal(undefined);
        });

        it("PurchaseCapacityBlock throttled: never resent; the next up refuses while the purchase is open, and buys once after it closes", async () => {
            market().throttle("PurchaseCapacityBlock", 1);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.contain("got no answer (RequestLimitExceeded: Request limit exceeded.)")
                .and.contain(`no block tagged ${PURCHASE_TOKEN_TAG}=token-gen-1 is listed yet`)
                .and.contain("It may or may not have been bought. Nothing more was bought.")
                .and.contain("Run `pulumi up` again in a few minutes")
                .and.contain("buys again only if nothing is listed by 2026-11-23T09:15:00.000Z");
            expect(market().count("PurchaseCapacityBlock"), "a throttled purchase is not retried blindly").to.equal(1);
            expect(market().count("DescribeCapacityReservations"), "the token lookup was polled").to.be.greaterThan(2);
            expect(market().reservationIds()).to.have.length(0);

            market().advance(5 * 60_000);
            const early = await failure(provider.create(INPUTS));
            expect(early.message).to.contain("by this stack, and no block from it is listed yet").and.contain("Run `pulumi up` again after 2026-11-23T09:15:00.000Z");
            expect(market().count("PurchaseCapacityBlock"), "no purchase while the first one is open").to.equal(1);

            market().advance(10 * 60_000);
            const { id } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(2);
            expect(market().reservationIds()).to.deep.equal([id]);
            expect(JSON.parse(market().parameterValues()["/capblocks/purchases/token-gen-1"]), "the closed record was replaced by the new purchase's receipt")
                .to.deep.include({ reservationId: id }).and.not.deep.include({ sentAt: "2026-11-23T09:00:00.000Z" });
        });

        it("CreateTags and DeleteTags throttled: update retries and the tags end as asked, the token tag kept", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().throttle("CreateTags", 2);
            market().throttle("DeleteTags", 2);
            await provider.update(id, outs, { ...INPUTS, tags: { owner: "ana" } });
            expect(market().count("CreateTags")).to.equal(3);
            expect(market().count("DeleteTags")).to.equal(3);
            expect(market().tagsOf(id)).to.include({ owner: "ana", [PURCHASE_TOKEN_TAG]: "token-gen-1" }).and.not.have.property("team");
        });

        it("DescribeCapacityBlockExtensionOfferings and History throttled: the extension is still bought exactly once", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().throttle("DescribeCapacityBlockExtensionOfferings", 2);
            market().throttle("DescribeCapacityBlockExtensionHistory", 2);
            const { outs: extended } = await provider.update(id, outs, { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" });
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            expect(extended).to.include({ durationHours: 48, reservationId: id });
        });

        it("PurchaseCapacityBlockExtension throttled: never resent; the retried update refuses while it is open, and buys once after", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().throttle("PurchaseCapacityBlockExtension", 1);
            const news = { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" };
            const sentAt = market().clock.now();
            const err = await failure(provider.update(id, outs, news));
            const closes = new Date(sentAt + 15 * 60_000).toISOString();
            expect(err.message).to.equal(`CapacityBlock ${id}: the 24 h extension purchase got no answer (RequestLimitExceeded: Request limit exceeded.) ` +
                "and the extension history does not show it yet. Nothing more was bought. Run `pulumi up` again in a few minutes: it checks the history " +
                `and the block's end date before buying, and buys again only if neither shows it by ${closes} (recorded in SSM parameter /capblocks/purchases/${id}).`);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            const early = await failure(provider.update(id, outs, news));
            expect(early.message).to.contain(`Run \`pulumi up\` again after ${closes}`).and.match(/Nothing more was bought\.$/);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            market().advance(15 * 60_000);
            await provider.update(id, outs, news);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(2);
            await provider.update(id, outs, news);
            expect(market().count("PurchaseCapacityBlockExtension"), "a bought extension is found in the history").to.equal(2);
        });
    });

    describe("lost answers and vanished offerings", () => {
        it("network error after EC2 processed PurchaseCapacityBlock: the block is adopted by its token, bought once", async () => {
            market().loseNextPurchaseAnswer();
            market().hideNewReservationsFor(20_000);
            const { id, outs } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
            expect(outs).to.include({ reservationId: id, upfrontFee: "720.00", state: "scheduled" });
            expect(market().notices[0]).to.match(/^CapacityBlock: bought cr-\w+: 1 x trn2\.3xlarge in sa-east-1c, .*720\.00 USD\. It cannot be cancelled\.$/);
        });

        it("every offering sold between search and purchase: three tries, nothing bought, told to search again", async () => {
            market().offeringsVanishOnPurchase(100);
            const err = await failure(provider.create(INPUTS));
            const tried = market().calls.filter((c) => c.operation === "PurchaseCapacityBlock")
                .map((c) => (c.input as { CapacityBlockOfferingId: string }).CapacityBlockOfferingId);
            expect(tried).to.have.length(3);
            expect(err.message).to.equal(`CapacityBlock: the offerings ${tried.join(", ")} were sold before they could be bought; ` +
                "nothing was bought. Run `pulumi up` again to search anew.");
            expect(market().reservationIds()).to.have.length(0);
            expect(err.id).to.equal(undefined);
        });

        it("an extension offering sold before its purchase: no other offer to fall to, nothing bought", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().extensionOfferingsVanishOnPurchase(10);
            const err = await failure(provider.update(id, outs, { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" }));
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            expect(err.message).to.equal(`CapacityBlock ${id}: the 24 h extension offerings were sold before they could be bought; nothing was bought. Run \`pulumi up\` again.`);
        });
    });

    describe("payment", () => {
        it("payment-failed: the block stays in state with its id, the message says why and what to do; create again buys nothing", async () => {
            market().failNextPayment();
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.equal(`CapacityBlock ${String(err.id)}: payment failed (state payment-failed). EC2 released the block and it cost nothing; ` +
                "it can never be used. Check the AWS account's billing and payment method, then bump generation (1 → 2) to buy a new block. " +
                "Until generation changes, every up fails here.");
            expect(err.properties).to.include({ reservationId: err.id, state: "payment-failed", upfrontFee: "720.00" });
            expect(err.properties?.__provider, "the state-only provider").to.match(/^exports\.handler = /).and.have.length.below(1000);
            const again = await failure(provider.create(INPUTS));
            expect(again.id).to.equal(err.id);
            expect(market().count("PurchaseCapacityBlock"), "the same token adopts the failed block").to.equal(1);
        });

        it("stuck in payment-pending past the 20-minute bound: kept in state, told to refresh later; refresh then sees it paid", async () => {
            installed.restore();
            installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 2 * 3600_000 });
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.equal(`CapacityBlock ${String(err.id)} was bought and is still payment-pending after 20 minutes. ` +
                "It is kept in state; run `pulumi up` or `pulumi refresh` later to see it paid.");
            expect(err.properties).to.include({ reservationId: err.id, state: "payment-pending" });
            expect(err.properties?.__provider, "the state-only provider").to.match(/^exports\.handler = /).and.have.length.below(1000);
            expect(market().clock.now() - START, "the wait is bounded (fake clock)").to.be.at.most(21 * 60_000);
            market().advance(2 * 3600_000);
            const read = await provider.read(String(err.id), err.properties);
            expect(read.props).to.include({ state: "scheduled" });
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });
    });

    describe("crash and drift", () => {
        it("process killed right after PurchaseCapacityBlock: create again with the same token adopts it, buying nothing", async () => {
            const globals = globalThis as Record<string, unknown>;
            globals[CLOCK_HOOK_KEY] = { ...market().clock, sleep: () => Promise.reject(new Error("process killed")) };
            await failure(provider.create(INPUTS));
            globals[CLOCK_HOOK_KEY] = market().clock;
            const [bought] = market().reservationIds();
            expect(bought).to.match(/^cr-/);

            const { id, outs } = await provider.create(INPUTS);
            expect(id).to.equal(bought);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(outs).to.include({ offeringId: market().tagsOf(id)[OFFERING_ID_TAG], upfrontFee: "720.00", currencyCode: "USD", state: "scheduled" });
            expect(market().notices).to.include(`CapacityBlock: adopted ${id}, found by its purchase token token-gen-1; nothing was bought.`);
        });

        it("refresh of a block AWS no longer returns: kept as not-found with its dates; the next up buys nothing", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().forget(id);
            const read = await provider.read(id, outs);
            expect(read.id).to.equal(id);
            expect(read.props).to.include({ state: "not-found", availableInstanceCount: 0, reservationId: id, endDate: outs.endDate });
            const diff = await provider.diff(id, read.props ?? {}, INPUTS);
            expect(diff).to.include({ changes: false });
            expect(diff.replaces ?? []).to.have.length(0);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });
    });
});
