import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../../helpers/capacityBlockMarket";
import { failure } from "../../helpers/failure";
import { stateOnlyProvider } from "../../../dynamic-providers/shared/partialFailure";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { IDENTITY_TAG, PURCHASE_TOKEN_TAG } from "../../../dynamic-providers/capacityBlock/token";
import { UNKNOWN } from "../../../dynamic-providers/shared/unknown";
import type { InstalledMarket } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

const HOUR = 3600_000;
const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
/** The tags of a block this copy of the stack (INPUTS.identity) bought with INPUTS' token. */
const MINE = { [PURCHASE_TOKEN_TAG]: "token-gen-1", [IDENTITY_TAG]: "copy-a" };

describe("CapacityBlock provider against the EC2 market fake", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    beforeEach(() => {
        installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 3 * 60_000 });
    });
    afterEach(() => installed.restore());

    describe("create", () => {
        it("searches every page, buys the cheapest offering under the ceiling with the token tag, and waits until scheduled", async () => {
            const { id, outs } = await provider.create(INPUTS);
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(4); // 7 offerings, 2 per page
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(outs).to.include({ reservationId: id, availabilityZone: "sa-east-1c", upfrontFee: "720.00", currencyCode: "USD", state: "scheduled", totalInstanceCount: 1, availableInstanceCount: 0 });
            expect(outs.startDate).to.equal("2026-11-29T11:30:00.000Z");
            expect(outs.endDate).to.equal("2026-11-30T11:30:00.000Z");
            expect(Object.values(outs).filter((v) => v === undefined)).to.have.length(0);
            expect(outs).to.not.have.property("__provider");
            expect(market().tagsOf(id)).to.include({ [PURCHASE_TOKEN_TAG]: "token-gen-1", team: "ml", "capblocks:upfront-fee": "720.00" });
            expect(market().notices).to.deep.equal([`CapacityBlock: bought ${id}: 1 x trn2.3xlarge in sa-east-1c, ` +
                "2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z, 720.00 USD. It cannot be cancelled."]);
            const named = await provider.create({ ...INPUTS, purchaseToken: "named", project: "capblocks", stack: "dev" });
            expect(market().tagsOf(named.id)).to.include({ "capblocks:project": "capblocks", "capblocks:stack": "dev" });
        });

        it("sees the block paid soon after payment clears (payment-pending → scheduled): within 1 s of a short payment, 25% of a long one", async () => {
            for (const paymentDelayMs of [3000, 3 * 60_000]) {
                installed.restore();
                installed = install({ start: START, supply: SUPPLY, paymentDelayMs });
                const { outs } = await provider.create(INPUTS);
                expect(outs.state).to.equal("scheduled");
                const waited = market().clock.now() - START;
                expect(waited).to.be.at.most(Math.max(paymentDelayMs + 1000, paymentDelayMs * 1.25));
            }
        });

        it("picks the earliest offering under the ceiling with selection earliest, within availabilityZones", async () => {
            const { outs } = await provider.create({ ...INPUTS, selection: "earliest" });
            expect(outs).to.include({ availabilityZone: "sa-east-1b", startDate: "2026-11-24T11:30:00.000Z", upfrontFee: "840.00" });
            const zoned = await provider.create({ ...INPUTS, purchaseToken: "other", availabilityZones: ["sa-east-1a"], maxUpfrontFee: "1000" });
            expect(zoned.outs.availabilityZone).to.equal("sa-east-1a");
        });

        it("honours the window: startBefore excludes later offerings", async () => {
            const { outs } = await provider.create({ ...INPUTS, startAfter: "2026-11-25T00:00:00Z", startBefore: "2026-11-26T00:00:00Z" });
            expect(outs).to.include({ availabilityZone: "sa-east-1b", startDate: "2026-11-25T11:30:00.000Z" });
        });

        it("buys nothing when no offering is under the ceiling, and says the cheapest price and the ceiling", async () => {
            const err = await failure(provider.create({ ...INPUTS, maxUpfrontFee: "500" }));
            expect(err.message).to.contain("maxUpfrontFee 500 USD").and.contain("cheapest found is 720.00 USD");
            expect(err.id).to.equal(undefined);
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
        });

        it("falls to the next offering when the chosen one was sold in between (InvalidCapacityBlockOfferingIdExpired)", async () => {
            market().offeringsVanishOnPurchase(1);
            const { outs } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(2);
            expect(market().reservationIds()).to.have.length(1);
            expect(outs).to.include({ availabilityZone: "sa-east-1b", upfrontFee: "840.00" });
        });

        it("gives up after a bounded number of vanished offerings, having bought nothing", async () => {
            market().offeringsVanishOnPurchase(10);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.match(/sold before they could be bought; nothing was bought/);
            expect(market().count("PurchaseCapacityBlock")).to.equal(3);
            expect(market().reservationIds()).to.have.length(0);
        });

        it("never lets the SDK resend a purchase: the purchase client has maxAttempts 1, reads retry", async () => {
            await provider.create(INPUTS);
            const purchases = market().calls.filter((c) => c.operation === "PurchaseCapacityBlock");
            expect(purchases.map((c) => c.clientMaxAttempts)).to.deep.equal([1]);
            const reads = market().calls.filter((c) => c.operation === "DescribeCapacityReservations");
            expect(reads.every((c) => (c.clientMaxAttempts ?? 0) > 1)).to.equal(true);
        });

        it("retries throttled reads (RequestLimitExceeded) and still buys once", async () => {
            market().throttle("DescribeCapacityBlockOfferings", 2);
            market().throttle("DescribeCapacityReservations", 3);
            const { outs } = await provider.create(INPUTS);
            expect(outs.state).to.equal("scheduled");
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("after a lost purchase answer, finds the block by its token instead of buying again", async () => {
            market().loseNextPurchaseAnswer();
            market().hideNewReservationsFor(5000); // eventual consistency: not listed at once
            const { id, outs } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
            expect(outs).to.include({ state: "scheduled", upfrontFee: "720.00" });
        });

        it("after a lost answer with nothing found, fails telling to run up again; the next up adopts, never buys twice", async () => {
            market().loseNextPurchaseAnswer();
            market().hideNewReservationsFor(10 * 60_000);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.contain("Run `pulumi up` again").and.contain("Nothing more was bought");
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            market().advance(10 * 60_000);
            const { id } = await provider.create(INPUTS);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.deep.equal([id]);
        });

        it("treats a throttled purchase as an open question: token lookup, no second purchase", async () => {
            market().throttle("PurchaseCapacityBlock", 1);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.contain("RequestLimitExceeded");
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().reservationIds()).to.have.length(0);
        });

        it("a crash after purchase, then create again with the same token, buys nothing and adopts the block", async () => {
            const first = await provider.create(INPUTS);
            const purchases = market().count("PurchaseCapacityBlock");
            const again = await provider.create(INPUTS);
            expect(again.id).to.equal(first.id);
            expect(again.outs).to.include({ upfrontFee: "720.00", offeringId: first.outs.offeringId });
            expect(market().count("PurchaseCapacityBlock")).to.equal(purchases);
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(4);
        });

        it("adopts its own longer block by its real dates, keeping the hours asked as its duration", async () => {
            const id = market().seedReservation({ instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: "sa-east-1b", start: Date.parse("2026-11-24T11:30:00Z"), hours: 48, tags: MINE });
            const { id: adopted, outs } = await provider.create(INPUTS);
            expect(adopted).to.equal(id);
            expect(outs).to.include({ durationHours: 24, purchasedDurationHours: 48, offeringId: "unknown (adopted by purchase token)", endDate: "2026-11-26T11:30:00.000Z" });
        });

        it("adopting a block bought with other inputs reports what it really is, and diff refuses the mismatch", async () => {
            market().seedReservation({ instanceType: "trn2.3xlarge", instanceCount: 2, availabilityZone: "sa-east-1b", start: Date.parse("2026-11-24T11:30:00Z"), hours: 24, tags: MINE });
            const { id, outs } = await provider.create(INPUTS);
            expect(outs).to.include({ instanceCount: 2, totalInstanceCount: 2 });
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
            await failure(provider.diff(id, outs, INPUTS)).then((e) => expect(e.message).to.contain("instanceCount 2 → 1"));
        });

        it("keeps a payment-failed block in state: the error carries id and properties, with __provider", async () => {
            market().failNextPayment();
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.contain("payment failed");
            expect(err.id).to.match(/^cr-/);
            expect(err.properties).to.include({ reservationId: err.id, state: "payment-failed" });
            expect(err.properties?.__provider).to.equal(stateOnlyProvider(`CapacityBlock ${String(err.id)}: payment failed, so EC2 released it and it cost nothing; destroy only forgets it.`));
        });

        it("keeps a block still payment-pending at the bound in state, with its id", async () => {
            installed.restore();
            installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 5 * HOUR });
            const err = await failure(provider.create(INPUTS));
            expect(err.id).to.match(/^cr-/);
            expect(err.properties?.state).to.equal("payment-pending");
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });
    });

    describe("check and preview", () => {
        it("quotes what up would buy for a new block, without buying", async () => {
            const { inputs, failures } = await provider.check({}, INPUTS);
            expect(failures ?? []).to.have.length(0);
            expect(inputs.quote).to.contain("sa-east-1c").and.contain("2026-11-29T11:30:00.000Z").and.contain("720.00 USD");
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
        });

        it("quotes that nothing fits under the ceiling", async () => {
            const { inputs } = await provider.check({}, { ...INPUTS, maxUpfrontFee: "100" });
            expect(inputs.quote).to.match(/^nothing to buy/).and.contain("cheapest found is 720.00 USD").and.contain("100 USD");
        });

        it("returns per-property failures and searches nothing when inputs are invalid", async () => {
            const { failures } = await provider.check({}, { ...INPUTS, durationHours: 30, instanceCount: 65, instancePlatform: "Windows" });
            expect(failures?.map((f) => f.property)).to.have.members(["durationHours", "instanceCount", "instancePlatform"]);
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(0);
        });

        it("says the quote is not known yet when inputs are unknown during preview", async () => {
            const { inputs } = await provider.check({}, { ...INPUTS, instanceCount: UNKNOWN });
            expect(inputs.quote).to.match(/quote not available yet: instanceCount/);
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(0);
        });

        it("turns a failed search into quote text instead of failing the preview", async () => {
            market().throttle("DescribeCapacityBlockOfferings", 100);
            const { inputs, failures } = await provider.check({}, INPUTS);
            expect(failures ?? []).to.have.length(0);
            expect(inputs.quote).to.match(/quote not available: searching offerings failed \(RequestLimitExceeded/);
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(1); // preview does not wait out retries
        });

        it("for a bought block drops the old quote (preview would show it as news), searches nothing, and ignores a window now in the past", async () => {
            const olds = { ...INPUTS, quote: "old quote", startBefore: "2026-11-30T00:00:00Z" };
            const { inputs, failures } = await provider.check(olds, { ...INPUTS, startBefore: "2026-11-01T00:00:00Z" });
            expect(failures ?? []).to.have.length(0);
            expect(inputs).to.not.have.property("quote");
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(0);
        });

        it("refuses a count change or a shorter duration of a bought block as check failures, searching nothing", async () => {
            const olds = { ...INPUTS, durationHours: 48, quote: "old quote" };
            const { failures } = await provider.check(olds, { ...INPUTS, instanceCount: 2 });
            expect(failures?.map((f) => f.property)).to.deep.equal(["instanceCount", "durationHours"]);
            expect(failures?.[0].reason).to.contain("would buy a second Capacity Block").and.contain("bump generation (1 → 2)");
            expect(failures?.[1].reason).to.contain("cannot go down from 48 to 24");
            expect(market().count("DescribeCapacityBlockOfferings")).to.equal(0);
        });

        it("quotes again when generation changes (a new block would be bought)", async () => {
            const { inputs } = await provider.check({ ...INPUTS, quote: "old" }, { ...INPUTS, generation: 2, purchaseToken: "token-gen-2" });
            expect(inputs.quote).to.equal("up would buy (cheapest, if still offered): 1 x trn2.3xlarge in sa-east-1c, " +
                "2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z, 720.00 USD; ceiling 900 USD");
            expect(market().count("PurchaseCapacityBlock")).to.equal(0);
        });

        it("fills defaults and the AWS_REGION fallback, with no undefined values", async () => {
            const previous = process.env.AWS_REGION;
            process.env.AWS_REGION = "sa-east-1";
            try {
                const defaulted = ["region", "instancePlatform", "selection", "generation"];
                const bare = Object.fromEntries(Object.entries(INPUTS).filter(([k]) => !defaulted.includes(k)));
                const { inputs } = await provider.check({}, bare);
                expect(inputs).to.include({ region: "sa-east-1", instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1 });
                expect(Object.values(inputs).filter((v) => v === undefined)).to.have.length(0);
            } finally {
                if (previous === undefined) delete process.env.AWS_REGION;
                else process.env.AWS_REGION = previous;
            }
        });
    });

    describe("read, diff, update, delete", () => {
        it("refresh follows the lifecycle scheduled → active → expired and keeps an expired block; diff then changes nothing", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().advance(Date.parse("2026-11-29T12:00:00Z") - market().clock.now());
            expect((await provider.read(id, outs)).props).to.include({ state: "active", availableInstanceCount: 1 });
            market().advance(2 * 24 * HOUR);
            const expired = await provider.read(id, outs);
            expect(expired.id).to.equal(id);
            expect(expired.props).to.include({ state: "expired", availableInstanceCount: 0, reservationId: id });
            expect(await provider.diff(id, expired.props ?? {}, INPUTS)).to.include({ changes: false });
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("refresh keeps a block AWS no longer returns, as not-found", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().forget(id);
            const read = await provider.read(id, outs);
            expect(read.id).to.equal(id);
            expect(read.props).to.include({ state: "not-found", availableInstanceCount: 0, endDate: outs.endDate });
        });

        it("diff refuses a count change without a generation bump and replaces with one", async () => {
            const { id, outs } = await provider.create(INPUTS);
            await failure(provider.diff(id, outs, { ...INPUTS, instanceCount: 2 })).then((e) => expect(e.message).to.contain("bump generation"));
            expect(await provider.diff(id, outs, { ...INPUTS, instanceCount: 2, generation: 2 })).to.deep.include({ replaces: ["instanceCount", "generation"] });
        });

        it("diff refuses a shorter duration (a block cannot be shortened) and lets ceiling, window and zones change without replacing", async () => {
            const { id, outs } = await provider.create({ ...INPUTS, durationHours: 48, maxUpfrontFee: "2000" });
            await failure(provider.diff(id, outs, { ...INPUTS, durationHours: 24 })).then((e) => expect(e.message).to.contain("cannot go down from 48 to 24"));
            const loose = { ...INPUTS, durationHours: 48, maxUpfrontFee: "99999", startAfter: "2027-01-01T00:00:00Z", availabilityZones: ["sa-east-1a"], selection: "earliest" };
            expect(await provider.diff(id, outs, loose)).to.deep.include({ changes: true, replaces: [] });
            await provider.update(id, outs, loose);
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("update changes user tags with CreateTags/DeleteTags and never the purchase-token tag", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const { outs: updated } = await provider.update(id, outs, { ...INPUTS, tags: { owner: "ana" }, maxUpfrontFee: "5000" });
            expect(market().tagsOf(id)).to.include({ owner: "ana", [PURCHASE_TOKEN_TAG]: "token-gen-1" }).and.not.have.property("team");
            expect(updated).to.include({ maxUpfrontFee: "5000", purchaseToken: "token-gen-1", reservationId: id });
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("update forgets a purchase setting the inputs no longer name, so the next diff sees no change", async () => {
            const windowed = { ...INPUTS, startAfter: "2026-11-25T00:00:00Z", availabilityZones: ["sa-east-1b"], maxUpfrontFee: "1000" };
            const { id, outs } = await provider.create(windowed);
            expect((await provider.diff(id, outs, INPUTS)).changes).to.equal(true);
            const { outs: updated } = await provider.update(id, outs, INPUTS);
            expect(updated).to.not.have.any.keys("startAfter", "availabilityZones");
            expect(await provider.diff(id, updated ?? {}, INPUTS)).to.deep.include({ changes: false });
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("update buys an extension for a longer duration, bounded by the ceiling; the end moves once paid", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const { outs: extended } = await provider.update(id, outs, { ...INPUTS, durationHours: 72, maxUpfrontFee: "1500" });
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            expect(extended).to.include({ durationHours: 72, purchasedDurationHours: 24 });
            market().advance(market().paymentDelayMs);
            expect((await provider.read(id, extended)).props?.endDate).to.equal("2026-12-02T11:30:00.000Z");
        });

        it("update refuses an extension over the ceiling and buys nothing", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const err = await failure(provider.update(id, outs, { ...INPUTS, durationHours: 72 }));
            expect(err.message).to.equal(`CapacityBlock: no 48 h extension of ${id} at or under the ceiling maxUpfrontFee 900 USD; the cheapest found is ` +
                "1440.00 USD (new end 2026-12-02T11:30:00.000Z). Raise maxUpfrontFee to extend. Nothing was bought.");
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(0);
        });

        it("after a lost extension answer consults the extension history, and a retried update buys nothing more", async () => {
            const { id, outs } = await provider.create(INPUTS);
            market().loseNextExtensionAnswer();
            const news = { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" };
            await provider.update(id, outs, news);
            expect(market().count("DescribeCapacityBlockExtensionHistory")).to.be.greaterThan(1);
            await provider.update(id, outs, news);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
        });

        it("delete makes no AWS call (a Capacity Block cannot be cancelled)", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const before = market().calls.length;
            await provider.delete(id, outs);
            expect(market().calls.length).to.equal(before);
            expect(market().notices.at(-1)).to.equal(`Capacity Block ${id} cannot be cancelled: destroying this resource only forgets it; ` +
                `the block stays paid and reserved until ${String(outs.endDate)}.`);
            expect(outs.cancellationNotice).to.contain("cannot be cancelled").and.contain(String(outs.endDate));
        });
    });

    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-extend.html: DescribeCapacityBlockExtensionOfferings takes CapacityReservationId and
    // CapacityBlockExtensionDurationHours; extensions are sold while scheduled or active, 56 days to 1 hour before the end.
    describe("check quotes an extension of a bought block", () => {
        // The block bought from INPUTS: sa-east-1c at 30 USD per instance-hour, ending 2026-11-30T11:30Z.
        const LONGER = { ...INPUTS, durationHours: 48, maxUpfrontFee: "1000" };

        it("quotes what update buys for a longer durationHours: added hours, new end, fee, ceiling; buys nothing", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const { inputs, failures } = await provider.check({ ...INPUTS, quote: "block quote" }, LONGER);
            expect(failures ?? []).to.have.length(0);
            expect(inputs.quote).to.equal(`up would extend ${id} by 24 h (if still offered): new end 2026-12-01T11:30:00.000Z, 720.00 USD; ceiling 1000 USD`);
            const searches = market().calls.filter((c) => c.operation === "DescribeCapacityBlockExtensionOfferings");
            expect(searches).to.have.length(1);
            expect(searches[0].input).to.deep.include({ CapacityReservationId: id, CapacityBlockExtensionDurationHours: 24 });
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(0);

            await provider.update(id, outs, inputs);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(1);
            market().advance(market().paymentDelayMs);
            expect((await provider.read(id, outs)).props?.endDate).to.equal("2026-12-01T11:30:00.000Z");
        });

        it("quotes that no extension fits under the ceiling, with the cheapest found", async () => {
            const { id } = await provider.create(INPUTS);
            const { inputs } = await provider.check(INPUTS, { ...INPUTS, durationHours: 72 });
            expect(inputs.quote).to.equal(`nothing to buy: no 48 h extension of ${id} at or under the ceiling maxUpfrontFee 900 USD; ` +
                "the cheapest found is 1440.00 USD (new end 2026-12-02T11:30:00.000Z). Raise maxUpfrontFee to extend.");
        });

        it("says why no extension can be bought more than 56 days before the end, searching no offering", async () => {
            const start = Date.parse("2027-01-16T11:30:00Z"); // 54 days ahead; a 336 h block ends 68 days ahead
            const id = market().seedReservation({ instanceType: "trn2.3xlarge", instanceCount: 1, availabilityZone: "sa-east-1b", start, hours: 336, tags: MINE });
            const olds = { ...INPUTS, durationHours: 336, maxUpfrontFee: "20000" };
            const { inputs, failures } = await provider.check(olds, { ...olds, durationHours: 504 });
            expect(failures ?? []).to.have.length(0);
            expect(inputs.quote).to.equal(`no extension can be bought now: ${id} ends 2027-01-30T11:30:00.000Z, and extensions are sold from 56 days ` +
                "before the end (from 2026-12-05T11:30:00.000Z); run up again then");
            expect(market().count("DescribeCapacityBlockExtensionOfferings")).to.equal(0);
        });

        it("says an extension of a payment-failed block cannot be bought", async () => {
            market().failNextPayment();
            const { id } = await failure(provider.create(INPUTS));
            const { inputs } = await provider.check(INPUTS, LONGER);
            expect(inputs.quote).to.equal(`no extension can be bought now: ${id} is payment-failed, and extensions are sold only while a block is scheduled or active`);
        });

        it("turns a failed search (throttled, offline, no credentials) into quote text, not a failed preview", async () => {
            await provider.create(INPUTS);
            market().throttle("DescribeCapacityBlockExtensionOfferings", 100);
            const { inputs, failures } = await provider.check(INPUTS, LONGER);
            expect(failures ?? []).to.have.length(0);
            expect(inputs.quote).to.match(/^extension quote not available: searching extension offerings failed \(RequestLimitExceeded: .*\); up searches again and buys nothing above 1000 USD$/);
            expect(market().count("DescribeCapacityBlockExtensionOfferings")).to.equal(1); // preview does not wait out retries
        });

        it("says the extension quote is not known yet while durationHours is unknown, searching nothing", async () => {
            const { inputs } = await provider.check(INPUTS, { ...INPUTS, durationHours: UNKNOWN });
            expect(inputs.quote).to.match(/^extension quote not available yet: durationHours known only during update/);
            expect(market().calls).to.have.length(0);
        });

        it("counts an extension bought but not yet paid: nothing more to buy", async () => {
            const { id, outs } = await provider.create(INPUTS);
            await provider.update(id, outs, LONGER); // its payment is pending: the block still ends on the old date
            const { inputs } = await provider.check(INPUTS, LONGER);
            expect(inputs.quote).to.equal(`nothing to buy: ${id} already has 48 h, counting extensions paid or pending; up buys no extension`);
            expect(market().count("DescribeCapacityBlockExtensionOfferings")).to.equal(1);
        });

        it("once the extension is bought, check with no change searches nothing and diff ignores the quote (no diff loop)", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const { inputs: checked } = await provider.check(INPUTS, LONGER);
            const { outs: extended } = await provider.update(id, outs, checked);
            const before = market().calls.length;
            const { inputs: next } = await provider.check(checked, LONGER);
            expect(market().calls.length).to.equal(before);
            expect(next).to.not.have.property("quote");
            expect(await provider.diff(id, extended, next)).to.include({ changes: false });
            expect(await provider.diff(id, extended, { ...next, quote: "another quote" })).to.include({ changes: false });
        });
    });

    describe("a block that can never be used (payment-failed)", () => {
        async function unpaid(): Promise<{ id: string; props: Record<string, unknown> }> {
            market().failNextPayment();
            const err = await failure(provider.create(INPUTS));
            return { id: err.id as string, props: err.properties ?? {} };
        }

        it("fails every update with the way out, leaving the state as it was, and buys or tags nothing", async () => {
            const { id, props } = await unpaid();
            for (const news of [INPUTS, { ...INPUTS, tags: { team: "infra" } }, { ...INPUTS, durationHours: 48, maxUpfrontFee: "5000" }]) {
                const err = await failure(provider.update(id, props, news));
                expect(err.message).to.equal(`CapacityBlock ${id}: payment failed (state payment-failed). EC2 released the block and it cost nothing; ` +
                    "it can never be used. Check the AWS account's billing and payment method, then bump generation (1 → 2) to buy a new block. " +
                    "Until generation changes, every up fails here.");
                expect(err.id).to.equal(undefined);
            }
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
            expect(market().count("PurchaseCapacityBlockExtension")).to.equal(0);
            expect(market().count("CreateTags")).to.equal(0);
        });

        it("refresh reports it without failing; diff then still proposes an update, and a generation bump replaces it", async () => {
            const { id, props } = await unpaid();
            const read = await provider.read(id, props);
            expect(read.props).to.include({ state: "payment-failed", reservationId: id });
            expect(market().notices.at(-1)).to.contain(`CapacityBlock ${id}: payment failed`).and.contain("bump generation (1 → 2)");
            expect(await provider.diff(id, read.props ?? {}, INPUTS)).to.deep.include({ changes: true, replaces: [] });
            expect(await provider.diff(id, read.props ?? {}, { ...INPUTS, generation: 2, purchaseToken: "token-gen-2" })).to.deep.include({ replaces: ["generation"] });
            expect(market().count("PurchaseCapacityBlock")).to.equal(1);
        });

        it("a cancelled or failed block diffs as a change too; a paid or expired one does not", async () => {
            const { id, outs } = await provider.create(INPUTS);
            for (const state of ["cancelled", "failed"]) expect(await provider.diff(id, { ...outs, state }, INPUTS), state).to.include({ changes: true });
            for (const state of ["scheduled", "active", "expired"]) expect(await provider.diff(id, { ...outs, state }, INPUTS), state).to.include({ changes: false });
        });

        it("an update after payment-pending reads the block, and goes on once it is paid", async () => {
            const { id, outs } = await provider.create(INPUTS);
            const { outs: updated } = await provider.update(id, { ...outs, state: "payment-pending" }, { ...INPUTS, maxUpfrontFee: "1000" });
            expect(updated).to.include({ state: "scheduled", maxUpfrontFee: "1000" });
        });

        it("destroy forgets it with no AWS call, saying it cost nothing", async () => {
            const { id, props } = await unpaid();
            const before = market().calls.length;
            await provider.delete(id, props);
            expect(market().calls.length).to.equal(before);
            expect(market().notices.at(-1)).to.equal(`CapacityBlock ${id}: payment failed, so EC2 released it and it cost nothing; destroy only forgets it.`);
        });
    });
});
