import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../helpers/capacityBlockMarket";
import { failure } from "../helpers/failure";
import { capacityBlockProvider } from "../../dynamic-providers/capacityBlock";
import type { InstalledMarket } from "../fakes/ec2CapacityBlockMarket";
import { install } from "../fakes/ec2CapacityBlockMarket";

/*
 * Eventual consistency and crashes around the two purchase calls, which take no idempotency token
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PurchaseCapacityBlock.html). EC2 may list a new block,
 * or a new extension, minutes late (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
 * Promise under test: a lost answer, a killed process or a lagging listing never leads to a second purchase; while a
 * purchase is open (recorded, not listed, sent less than 15 minutes ago) up refuses with when to run it again.
 */

const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
const MINUTE = 60_000;
const RECORD = "/capblocks/purchases/token-gen-1";

describe("faults: CapacityBlock under eventual consistency and crashes", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    beforeEach(() => {
        installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 3 * MINUTE });
    });
    afterEach(() => installed.restore());

    describe("a block purchase", () => {
        it("lost answer while the tag filter lags 3 minutes: found by the offering's facts in the same up, bought once", async () => {
            market().loseNextPurchaseAnswer();
            market().lagTagFilterFor(3 * MINUTE);
            const { id, outs } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
            expect(outs).to.include({ state: "scheduled", upfrontFee: "720.00", availabilityZone: "sa-east-1c" });
            expect(JSON.parse(market().parameterValues()[RECORD]), "the record keeps the block's id as its receipt").to.deep.include({ reservationId: id });
        });

        it("lost answer, block listed 10 minutes late: the next up refuses saying when to retry, the one after adopts; one purchase", async () => {
            market().loseNextPurchaseAnswer();
            market().hideNewReservationsFor(10 * MINUTE);
            const first = await failure(provider.create(INPUTS));
            expect(first.message).to.contain("got no answer").and.contain("Nothing more was bought").and.contain("2026-11-23T09:15:00.000Z");
            expect(first.id, "nothing reaches state").to.equal(undefined);
            expect(JSON.parse(market().parameterValues()[RECORD])).to.deep.include({ kind: "block", identity: "copy-a", sentAt: "2026-11-23T09:00:00.000Z" });

            market().advance(MINUTE);
            const second = await failure(provider.create(INPUTS));
            expect(second.message).to.equal("CapacityBlock: a purchase of 1 x trn2.3xlarge in sa-east-1c, 2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z, " +
                "720.00 USD was sent at 2026-11-23T09:00:00.000Z by this stack, and no block from it is listed yet (looked up by tag " +
                "capblocks:purchase-token=token-gen-1, by the offering's zone, type, count and dates). Nothing more was bought. EC2 can take minutes to " +
                "list a new block (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). Run `pulumi up` again after " +
                "2026-11-23T09:15:00.000Z: it adopts the block if it shows by then; if not, the purchase did not happen, and up searches and buys again. " +
                `(The purchase is recorded in SSM parameter ${RECORD}.)`);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect((await provider.check({}, INPUTS)).inputs.quote, "preview says the same").to.equal(`nothing to buy: ${second.message.replace(/^CapacityBlock: /, "")}`);

            market().advance(10 * MINUTE);
            const { id } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
            expect(JSON.parse(market().parameterValues()[RECORD])).to.deep.include({ reservationId: id });
        });

        it("an unanswered purchase still not listed 15 minutes after it was sent did not happen: the record goes and up buys", async () => {
            market().throttle("PurchaseCapacityBlock", 1); // throttled: EC2 did not buy, but the provider cannot know
            await failure(provider.create(INPUTS));
            market().advance(15 * MINUTE - market().clock.now() + START - 1);
            expect((await failure(provider.create(INPUTS))).message).to.contain("Run `pulumi up` again after 2026-11-23T09:15:00.000Z");
            market().advance(1);
            await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(2);
            expect(market().reservationIds()).to.have.length(1);
            expect(market().notices).to.include("CapacityBlock: the purchase sent at 2026-11-23T09:00:00.000Z is still not listed after 2026-11-23T09:15:00.000Z: " +
                "it did not happen; searching again.");
        });

        it("process killed right after the purchase answered, tag filter lagging: the next up adopts the block by its facts", async () => {
            market().killAfterNextPurchase();
            market().lagTagFilterFor(3 * MINUTE);
            expect((await failure(provider.create(INPUTS))).message).to.equal("process killed");
            market().revive();
            market().advance(30_000);
            const { id, outs } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
            expect(outs).to.include({ upfrontFee: "720.00", durationHours: 24 });
        });

        it("process killed right after the purchase answered, block not listed for 5 minutes: refused until listed, never bought twice", async () => {
            market().killAfterNextPurchase();
            market().hideNewReservationsFor(5 * MINUTE);
            await failure(provider.create(INPUTS));
            market().revive();
            market().advance(30_000);
            expect((await failure(provider.create(INPUTS))).message).to.contain("by this stack, and no block from it is listed yet").and.contain("Nothing more was bought");
            market().advance(5 * MINUTE);
            const { id } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
        });

        it("an offering refused as InvalidParameterValue falls to the next one; all refused: EC2's answer, nothing bought, no record left", async () => {
            market().offeringsVanishOnPurchase(1, "InvalidParameterValue");
            const { outs } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(2);
            expect(outs).to.include({ upfrontFee: "840.00" });

            market().offeringsVanishOnPurchase(10, "InvalidParameterValue");
            const err = await failure(provider.create({ ...INPUTS, purchaseToken: "token-2" }));
            const tried = market().calls.filter((c) => c.operation === "PurchaseCapacityBlock").slice(2)
                .map((c) => (c.input as { CapacityBlockOfferingId: string }).CapacityBlockOfferingId);
            expect(err.message).to.equal(`CapacityBlock: EC2 answered that the offerings ${tried.join(", ")} are gone or invalid ` +
                "(last: InvalidParameterValue: The offering ID is not valid.); nothing was bought. Run `pulumi up` again to search anew.");
            expect(market().parameterValues(), "a purchase refused leaves no record").to.not.have.property("/capblocks/purchases/token-2");
        });

        it("without the ssm: permissions for the record, nothing is bought and the message names them", async () => {
            market().denyParameters();
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.match(/^CapacityBlock: reading SSM parameter \/capblocks\/purchases\/token-gen-1 failed \(AccessDeniedException: /)
                .and.contain("nothing was bought").and.contain("ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on parameter/capblocks/purchases/*");
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
        });

        it("SSM throttling the record's write throughout: nothing is bought, and the message says to try again later", async () => {
            market().throttle("PutParameter", 1000);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.match(/^CapacityBlock: writing the purchase record SSM parameter \/capblocks\/purchases\/token-gen-1 failed \(RequestLimitExceeded: /)
                .and.match(/nothing was bought\. .* Run `pulumi up` again in a few minutes\.$/);
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
        });
    });

    describe("an extension purchase", () => {
        const LONGER = { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" };

        it("lost answer while the extension history lags 3 minutes: refused until the history shows it, then nothing more is bought", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().loseNextExtensionAnswer();
            market().lagExtensionHistoryFor(3 * MINUTE);
            const first = await failure(provider.update(id, outs, LONGER));
            expect(first.message).to.contain("the 24 h extension purchase got no answer").and.contain("Nothing more was bought");
            market().advance(MINUTE);
            const second = await failure(provider.update(id, outs, LONGER));
            expect(second.message).to.match(/^CapacityBlock: no extension can be bought now: a 24 h extension of cr-\w+ \(720\.00 USD\) was sent at \S+ and got no answer, /)
                .and.match(/Nothing more was bought\.$/);
            const preview = await provider.check(INPUTS, LONGER);
            expect(preview.inputs.quote, "preview says the same").to.match(/^no extension can be bought now: a 24 h extension of cr-\w+ \(720\.00 USD\) was sent at /);
            market().advance(3 * MINUTE);
            const { outs: extended } = await provider.update(id, outs, LONGER);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            expect(extended).to.include({ durationHours: 48 });
            expect(market().parameterValues(), "the record goes once the history lists the extension").to.not.have.property(`/capblocks/purchases/${id}`);
        });

        it("an answered extension the history does not list yet counts as bought: nothing more, and preview agrees", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().lagExtensionHistoryFor(10 * MINUTE);
            const { outs: extended } = await provider.update(id, outs, LONGER);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            const { inputs } = await provider.check(INPUTS, LONGER);
            expect(inputs.quote).to.equal(`nothing to buy: ${id} already has 48 h, counting extensions paid or pending; up buys no extension`);
            await provider.update(id, outs, LONGER);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            market().advance(10 * MINUTE);
            await provider.update(id, extended, { ...LONGER, durationHours: 72, maxUpfrontFee: "1000" });
            expect(market().extensionsOf(id).map((e) => e.hours), "the next extension buys only what is missing").to.deep.equal([24, 24]);
        });

        it("process killed right after the extension answered, history lagging: the next up buys nothing more", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().killAfterNextPurchase();
            market().lagExtensionHistoryFor(2 * MINUTE);
            await failure(provider.update(id, outs, LONGER));
            market().revive();
            expect((await failure(provider.update(id, outs, LONGER))).message).to.contain("no extension can be bought now");
            market().advance(2 * MINUTE);
            await provider.update(id, outs, LONGER);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            market().advance(market().paymentDelayMs);
            expect(market().endOfReservation(id)).to.equal("2026-12-01T11:30:00.000Z");
        });
    });

    // F6: the SDK's paginator asks for the same page forever when AWS repeats a NextToken (@smithy/core createPaginator
    // without stopOnSameToken); every listing now ends with an error that names it.
    describe("a NextToken that repeats", () => {
        it("in the offering search: preview quotes why, up fails before buying", async () => {
            market().repeatNextToken("DescribeCapacityBlockOfferings");
            const { inputs } = await provider.check({}, INPUTS);
            expect(inputs.quote).to.match(/^quote not available: searching offerings failed \(PaginationError: DescribeCapacityBlockOfferings: AWS answered page 2 with a page token it had already given \(page:0\); the listing would never end/);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.contain("searching Capacity Block offerings (DescribeCapacityBlockOfferings) failed (PaginationError").and.contain("nothing was bought");
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
            expect(market().count("DescribeCapacityBlockOfferings"), "two pages each, no retry").to.equal(4);
        });

        it("in the reservation lookup, the extension offerings and the extension history: each read stops with an error", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().repeatNextToken("DescribeCapacityBlockExtensionOfferings");
            expect((await failure(provider.update(id, outs, { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" }))).message)
                .to.contain("(PaginationError: DescribeCapacityBlockExtensionOfferings:").and.contain("nothing was bought");
            market().repeatNextToken("DescribeCapacityBlockExtensionHistory");
            expect((await failure(provider.update(id, outs, { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" }))).message)
                .to.contain("(PaginationError: DescribeCapacityBlockExtensionHistory:");
            market().repeatNextToken("DescribeCapacityReservations");
            expect((await failure(provider.create({ ...INPUTS, purchaseToken: "token-2" }))).message)
                .to.contain("(PaginationError: DescribeCapacityReservations:").and.contain("nothing was bought");
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(0);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });
    });
});
