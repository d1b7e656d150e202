import { expect } from "chai";
import { declaredOutputs } from "./declaredOutputs";
import { purchaseToken } from "../../dynamic-providers/capacityBlock/token";
import type { Props, ProviderHost} from "./harness";
import { UNKNOWN } from "./harness";
import type { HostSuite} from "./hostSuite";
import { useHostSuite } from "./hostSuite";
import type { StepOutcome } from "./lifecycle";
import { ResourceLifecycle } from "./lifecycle";

// CapacityBlock run the way `pulumi up` runs it: the `__provider` text Pulumi serialized while constructing the real
// class under mocks, revived by @pulumi/pulumi's dynamic-provider host and driven over gRPC, with EC2 faked inside the
// host (tests/fakes/ec2CapacityBlockMarket.ts). Purchases are counted from the calls the host's EC2 client made.

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const PURCHASE = "EC2Client.PurchaseCapacityBlock";
// 24 h fees: sa-east-1a 960.00 (over the 900 ceiling), 1b 840.00, 1c 720.00 (fewer start days).
const MARKET = {
    name: "market",
    module: "tests/host/fixtures/capacityBlockMarketHost.ts",
    options: {
        start: Date.parse("2026-11-23T09:00:00Z"),
        paymentDelayMs: 3 * 60_000,
        supply: [
            { instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1a", maxCount: 4, pricePerInstanceHour: 40, startDays: [1, 2, 3, 4, 5] },
            { instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1b", maxCount: 4, pricePerInstanceHour: 35, startDays: [1, 2, 3, 4, 5] },
            { instanceType: "trn2.3xlarge", availabilityZone: "sa-east-1c", maxCount: 4, pricePerInstanceHour: 30, startDays: [6, 7, 8] },
        ],
    },
};
const ARGS = { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", region: "sa-east-1", tags: { team: "ml" }, identity: "host-copy" };
const MODULE = "dynamic-providers/capacityBlock/index.ts";
const block = (name: string) => ({ modulePath: MODULE, className: "CapacityBlock", name, args: ARGS });

function purchasesTagged(host: ProviderHost, token: unknown): number {
    return host.calls().filter((c) => `${c.client}.${c.operation}` === PURCHASE &&
        JSON.stringify(c.input).includes(`{"Key":"capblocks:purchase-token","Value":"${String(token)}"}`)).length;
}

async function messageTexts(host: ProviderHost): Promise<string[]> {
    return (await host.messages()).map((m) => m.text);
}

describe("CapacityBlock in the dynamic-provider host", () => {
    const suite = useHostSuite({ fakes: [MARKET] }, [block("block"), block("lost"), block("unpaid"), block("adopted"), block("slow")]);
    let host: ProviderHost;
    let callsDuring: HostSuite["callsDuring"];
    before(() => ({ host, callsDuring } = suite()));

    describe("one block from preview to destroy", () => {
        let life: ResourceLifecycle;
        let id = "";
        // Once bought, a higher ceiling is what the program says.
        const RAISED = { maxUpfrontFee: "1000" };
        const EXTENDED = { ...RAISED, durationHours: 48 };
        // The block bought below ends 2026-11-30T11:30Z; a paid 24 h extension moves the end by a day.
        const EXTENDED_END = "2026-12-01T11:30:00.000Z";
        // A 48 h block costs 1440.00 USD or more in this market.
        const NEXT_GENERATION = { ...EXTENDED, maxUpfrontFee: "1500", generation: 2 };
        before(() => {
            life = new ResourceLifecycle(suite().resources.block);
        });

        it("check returns per-property failures for bad input and calls no AWS", async () => {
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up({ durationHours: 30, maxUpfrontFee: "a lot", instancePlatform: "Windows" });
            });
            expect(outcome?.step).to.equal("check-failed");
            expect(outcome?.check?.failures.map((f) => f.property)).to.have.members(["durationHours", "maxUpfrontFee", "instancePlatform"]);
            expect(outcome?.check?.failures.find((f) => f.property === "durationHours")?.reason).to.contain("nearest: 24 or 48");
            expect(calls).to.deep.equal({});
            expect(life.state).to.equal(undefined);
        });

        it("check reports a missing required input as its own failure through the host's marshalling", async () => {
            const news = life.resource.inputs();
            delete news.instanceType;
            const { failures } = await life.resource.check(news);
            expect(failures).to.deep.equal([{ property: "instanceType", reason: "instanceType (or instanceTypes) is required" }]);
        });

        it("preview shows the quote: what up would buy and its price, having bought nothing", async () => {
            let planned: Props | undefined;
            const calls = await callsDuring(async () => {
                const outcome = await life.preview();
                expect(outcome.step).to.equal("create");
                planned = outcome.planned;
            });
            expect(planned?.quote).to.equal("up would buy (cheapest, if still offered): 1 x trn2.3xlarge in sa-east-1c, " +
                "2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z, 720.00 USD; ceiling 900 USD");
            // The slot's purchase record and blocks first (none), then 13 offerings, 2 per page: every page; nothing bought.
            expect(calls).to.deep.equal({ "SSMClient.GetParameter": 1, "EC2Client.DescribeCapacityReservations": 1, "EC2Client.DescribeCapacityBlockOfferings": 7 });
        });

        // The engine sends a value not known during preview (e.g. a zone from another resource) as a sentinel string.
        it("preview with an input unknown until update passes check without a search", async () => {
            let outcome: StepOutcome & { planned?: Props } = { step: "same" };
            const calls = await callsDuring(async () => {
                outcome = await life.preview({ availabilityZones: UNKNOWN });
            });
            expect(outcome.check?.failures).to.deep.equal([]);
            expect(outcome.planned?.quote).to.match(/^quote not available yet: availabilityZones known only during update/);
            expect(calls).to.deep.equal({});
        });

        it("up buys exactly once, and every declared output reaches state as a plain value with ISO dates", async () => {
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up();
            });
            expect(outcome).to.include({ step: "create", error: undefined });
            expect(calls[PURCHASE]).to.equal(1);
            const outputs = life.state?.outputs ?? {};
            id = life.state?.id ?? "";
            expect(id).to.match(/^cr-/);
            const declared = declaredOutputs(MODULE, "CapacityBlock");
            expect(declared, "CapacityBlock's declared outputs").to.include.members(["reservationId", "state", "endDate", "cancellationNotice"]);
            // quote is for preview only: the engine answers a preview with the checked inputs, which carry it.
            for (const key of declared.filter((k) => k !== "quote")) {
                expect(outputs, key).to.have.property(key);
                const value = outputs[key];
                expect(value === null || (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0), key).to.equal(false);
            }
            expect(outputs).to.include({
                reservationId: id, state: "scheduled", availabilityZone: "sa-east-1c", upfrontFee: "720.00", currencyCode: "USD",
                startDate: "2026-11-29T11:30:00.000Z", endDate: "2026-11-30T11:30:00.000Z", durationHours: 24, purchasedDurationHours: 24,
            });
            expect(outputs.tags).to.deep.equal({ team: "ml" });
            expect(outputs.__provider).to.equal(suite().resources.block.registration.inputs.__provider);
            expect(await messageTexts(host)).to.include(`CapacityBlock: bought ${id}: 1 x trn2.3xlarge in sa-east-1c, ` +
                "2026-11-29T11:30:00.000Z → 2026-11-30T11:30:00.000Z, 720.00 USD. It cannot be cancelled.");
        });

        it("a second up with no change is a no-op: no purchase, no AWS call", async () => {
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up();
            });
            expect(outcome?.step).to.equal("same");
            expect(calls).to.deep.equal({});
        });

        it("a higher ceiling after purchase diffs as an in-place change, replaces nothing and buys nothing", async () => {
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up(RAISED);
            });
            expect(outcome?.diff).to.deep.equal({ changes: "DIFF_SOME", replaces: [], deleteBeforeReplace: false });
            expect(outcome).to.include({ step: "update", error: undefined });
            expect(calls).to.deep.equal({ "EC2Client.DescribeCapacityReservations": 1 });
            expect(life.state).to.include({ id });
            expect(life.state?.outputs).to.include({ maxUpfrontFee: "1000", state: "scheduled" });
        });

        // DescribeCapacityBlockExtensionOfferings(CapacityReservationId, CapacityBlockExtensionDurationHours): see
        // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-extend.html.
        it("preview after raising durationHours shows the extension's hours, new end and price, having bought nothing", async () => {
            let outcome: StepOutcome & { planned?: Props } = { step: "same" };
            const calls = await callsDuring(async () => {
                outcome = await life.preview(EXTENDED);
            });
            expect(outcome.step).to.equal("update");
            expect(outcome.planned?.quote).to.equal(`up would extend ${id} by 24 h (if still offered): new end ${EXTENDED_END}, 720.00 USD; ceiling 1000 USD`);
            // The block is found by its purchase token (Check gets no state), then its extension record, the extensions
            // still paying, and the offers.
            expect(calls).to.deep.equal({
                "EC2Client.DescribeCapacityReservations": 1,
                "SSMClient.GetParameter": 1,
                "EC2Client.DescribeCapacityBlockExtensionHistory": 1,
                "EC2Client.DescribeCapacityBlockExtensionOfferings": 1,
            });
        });

        it("a longer duration buys exactly one extension of the same block, and the next up buys nothing more", async () => {
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up(EXTENDED);
            });
            expect(outcome).to.include({ step: "update", error: undefined });
            expect(outcome?.check?.inputs.quote).to.match(/^up would extend cr-\S+ by 24 h .* 720\.00 USD; ceiling 1000 USD$/);
            expect(calls["EC2Client.PurchaseCapacityBlockExtension"]).to.equal(1);
            expect(calls).to.not.have.property(PURCHASE);
            expect(life.state).to.include({ id });
            expect(life.state?.outputs).to.include({ durationHours: 48, purchasedDurationHours: 24 });

            const again = await callsDuring(async () => {
                expect((await life.up(EXTENDED)).step).to.equal("same");
            });
            expect(again).to.deep.equal({});
        });

        // A refusal thrown in Diff reaches the user as the error plus the host's JavaScript stack trace on stderr
        // (diffRPC console.error); check failures are shown as the property's problem.
        it("a count change without a generation bump is refused by check with the way out: nothing bought, no stack trace", async () => {
            const stderrBefore = (await host.messages()).filter((m) => m.stream === "stderr").length;
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up({ ...EXTENDED, instanceCount: 2 });
            });
            expect(outcome?.step).to.equal("check-failed");
            expect(outcome?.check?.failures.map((f) => f.property)).to.deep.equal(["instanceCount"]);
            expect(outcome?.check?.failures[0].reason).to.contain("would buy a second Capacity Block").and.contain("bump generation (1 → 2)");
            expect(calls).to.deep.equal({});
            expect((await host.messages()).filter((m) => m.stream === "stderr")).to.have.length(stderrBefore);
            expect(life.state).to.include({ id });
        });

        it("refresh after the block ended keeps its id and shows expired, with the extended end; the next up buys nothing", async () => {
            await host.control("market", "advance", 9 * DAY);
            const refreshed = await life.refresh();
            expect(refreshed.error).to.equal(undefined);
            expect(life.state).to.include({ id });
            expect(life.state?.outputs).to.include({ state: "expired", availableInstanceCount: 0, reservationId: id, endDate: EXTENDED_END });
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up(EXTENDED);
            });
            expect(outcome?.step).to.equal("same");
            expect(calls).to.deep.equal({});
        });

        // The class derives the token from project, stack, name and generation; the capture ran as stack "dev".
        it("a generation bump replaces: one new block bought, the old one forgotten with its notice", async () => {
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.up({ ...NEXT_GENERATION, purchaseToken: purchaseToken("capblocks", "dev", "block", 2) });
            });
            // A new token means a purchase is coming: check quotes again, as the preview would show.
            expect(outcome?.check?.inputs.quote).to.match(/^up would buy \(cheapest, if still offered\): 1 x trn2\.3xlarge .* 1440\.00 USD; ceiling 1500 USD$/);
            expect(outcome).to.include({ step: "replace", error: undefined });
            expect(outcome?.diff?.replaces).to.deep.equal(["generation"]);
            expect(calls[PURCHASE]).to.equal(1);
            expect(calls).to.not.have.property("EC2Client.PurchaseCapacityBlockExtension");
            const newId = life.state?.id;
            expect(newId).to.match(/^cr-/).and.not.equal(id);
            expect(life.state?.outputs).to.include({ state: "scheduled", generation: 2 });
            expect(await messageTexts(host)).to.include(`Capacity Block ${id} cannot be cancelled: destroying this resource only forgets it; ` +
                `the block stays paid and reserved until ${EXTENDED_END}.`);
        });

        it("destroy calls no AWS and tells the user the block cannot be cancelled", async () => {
            const current = life.state;
            let outcome: StepOutcome | undefined;
            const calls = await callsDuring(async () => {
                outcome = await life.destroy();
            });
            expect(outcome?.error).to.equal(undefined);
            expect(calls).to.deep.equal({});
            expect(await messageTexts(host)).to.include(`Capacity Block ${current?.id} cannot be cancelled: destroying this resource only forgets it; ` +
                `the block stays paid and reserved until ${String(current?.outputs.endDate)}.`);
        });
    });

    // F1: a purchase whose answer was lost is recorded in SSM before it is sent; until EC2 lists the block (or 15
    // minutes pass) every up refuses to buy, and says when to run it again.
    describe("a lost purchase answer", () => it("fails that up; the next refuses to buy while the block is not listed; the one after adopts: one purchase in all", async () => {
        const life = new ResourceLifecycle(suite().resources.lost);
        const token = life.resource.registration.inputs.purchaseToken;
        await host.control("market", "loseNextPurchaseAnswer");
        await host.control("market", "hideNewReservationsFor", 10 * 60_000);
        let first: StepOutcome | undefined;
        const firstCalls = await callsDuring(async () => {
            first = await life.up();
        });
        expect(firstCalls[PURCHASE]).to.equal(1);
        expect(first?.error?.details).to.contain("got no answer").and.contain("Nothing more was bought");
        expect(first?.error?.initFailure).to.equal(undefined);
        expect(life.state).to.equal(undefined);
        const record = `/capblocks/purchases/${String(token)}`;
        expect(JSON.parse(String(await host.control("market", "parameter", record)))).to.deep.include({ kind: "block", identity: "host-copy" })
            .and.not.have.property("reservationId");

        // Blocks bought later are listed at once again; this one shows up once its 10 minutes are over.
        await host.control("market", "hideNewReservationsFor", 0);
        await host.control("market", "advance", 60_000);
        let early: StepOutcome | undefined;
        const earlyCalls = await callsDuring(async () => {
            early = await life.up();
        });
        expect(earlyCalls).to.not.have.property(PURCHASE);
        expect(early?.error?.details).to.match(/^CapacityBlock: a purchase of 1 x trn2\.3xlarge in sa-east-1c, .* was sent at \S+ by this stack, and no block from it is listed yet/)
            .and.contain("Nothing more was bought").and.match(/Run `pulumi up` again after \S+: it adopts the block if it shows by then/);
        expect(life.state).to.equal(undefined);

        await host.control("market", "advance", 10 * 60_000);
        let second: StepOutcome | undefined;
        const secondCalls = await callsDuring(async () => {
            second = await life.up();
        });
        expect(second).to.include({ step: "create", error: undefined });
        expect(secondCalls).to.not.have.property(PURCHASE);
        expect(purchasesTagged(host, token)).to.equal(1);
        const id = life.state?.id ?? "";
        expect(await host.control("market", "reservationIds")).to.include(id);
        // What it cost comes from the tags written at purchase.
        expect(life.state?.outputs).to.include({ reservationId: id, state: "scheduled", upfrontFee: "720.00" });
        expect(await messageTexts(host)).to.include(`CapacityBlock: adopted ${id}, found by its purchase token ${String(token)}; nothing was bought.`);
        expect(JSON.parse(String(await host.control("market", "parameter", record))), "the record keeps the block's id").to.deep.include({ reservationId: id });
    }));

    // F3: after destroy (forget) and an up that adopts the extended block, raising durationHours buys exactly the
    // missing hours, once, and preview quoted that very number.
    describe("an extended block forgotten and adopted again", () => it("extends by exactly the hours preview quoted, once", async () => {
        const life = new ResourceLifecycle(suite().resources.adopted);
        expect((await life.up()).error).to.equal(undefined);
        const id = life.state?.id ?? "";
        const end = Date.parse(String(life.state?.outputs.endDate));
        const plusDays = (days: number) => new Date(end + days * 24 * 3600_000).toISOString();
        expect((await life.up({ durationHours: 48, maxUpfrontFee: "1000" })).error).to.equal(undefined);
        await host.control("market", "advance", 3 * 60_000);
        expect((await life.destroy()).error).to.equal(undefined);
        const adopted = await life.up({ durationHours: 48, maxUpfrontFee: "1000" });
        expect(adopted).to.include({ step: "create", error: undefined });
        expect(life.state).to.include({ id });
        expect(life.state?.outputs).to.include({ durationHours: 48, endDate: plusDays(1) });

        const preview = await life.preview({ durationHours: 72, maxUpfrontFee: "1000" });
        expect(preview.planned?.quote).to.match(new RegExp(`^up would extend ${id} by 24 h \\(if still offered\\): new end ${plusDays(2).replace(/\./g, "\\.")}, \\d+\\.00 USD`));
        const calls = await callsDuring(async () => {
            expect(await life.up({ durationHours: 72, maxUpfrontFee: "1000" })).to.include({ step: "update", error: undefined });
        });
        expect(calls["EC2Client.PurchaseCapacityBlockExtension"]).to.equal(1);
        expect(await host.control("market", "extensionHours", id)).to.deep.equal([24, 24]);
        expect((await life.up({ durationHours: 72, maxUpfrontFee: "1000" })).step).to.equal("same");
    }));

    // F8: refresh after a kept-in-state create runs the small state-only provider, which keeps the state as it was; a
    // payment that fails afterwards must still fail the next up with the way out.
    describe("a slow payment, refreshed, then failed", () => it("fails the next up with the payment-failed message", async () => {
        const life = new ResourceLifecycle(suite().resources.slow);
        await host.control("market", "paymentDelayForNext", 30 * 60_000);
        await host.control("market", "failNextPayment");
        const created = await life.up();
        expect(created.error?.initFailure?.properties).to.include({ state: "payment-pending" });
        const id = created.error?.initFailure?.id ?? "";
        expect((await life.refresh()).error).to.equal(undefined);
        expect(life.state?.outputs).to.include({ state: "payment-pending" });
        life.state = { ...(life.state as NonNullable<typeof life.state>), initErrors: [] };
        await host.control("market", "advance", 15 * 60_000);
        const next = await life.up();
        expect(next.diff?.changes).to.equal("DIFF_SOME");
        expect(next).to.include({ step: "update" });
        expect(next.error?.details).to.equal(`CapacityBlock ${id}: payment failed (state payment-failed). EC2 released the block and it cost nothing; ` +
            "it can never be used. Check the AWS account's billing and payment method, then bump generation (1 → 2) to buy a new block. " +
            "Until generation changes, every up fails here.");
    }));

    describe("a failed payment", () => it("keeps failing every up with the way out until generation changes; refresh reports, destroy works", async () => {
        const life = new ResourceLifecycle(suite().resources.unpaid);
        const registered = life.resource.registration.inputs;
        await host.control("market", "failNextPayment");
        let created: StepOutcome | undefined;
        const calls = await callsDuring(async () => {
            created = await life.up();
        });
        expect(calls[PURCHASE]).to.equal(1);
        const failure = created?.error?.initFailure;
        const id = failure?.id ?? "";
        expect(id).to.match(/^cr-/);
        const message = `CapacityBlock ${id}: payment failed (state payment-failed). EC2 released the block and it cost nothing; it can never be used. ` +
            "Check the AWS account's billing and payment method, then bump generation (1 → 2) to buy a new block. Until generation changes, every up fails here.";
        expect(failure?.reasons).to.deep.equal([message]);
        expect(failure?.properties).to.include({ reservationId: id, state: "payment-failed" });
        // The failure carries the small state-only provider (dynamic-providers/shared/partialFailure.ts), not the full one.
        expect(String(failure?.properties.__provider)).to.match(/^exports\.handler = /).and.have.length.below(1000);
        expect(life.state).to.include({ id });

        // The init error makes the engine update on the next up: the update fails again, with the same message, and the
        // engine keeps the state (and its init error) as it was.
        let next: StepOutcome | undefined;
        const nextCalls = await callsDuring(async () => {
            next = await life.up();
        });
        expect(next?.step).to.equal("update");
        expect(next?.error?.details).to.equal(message);
        expect(next?.error?.initFailure).to.equal(undefined);
        expect(life.state).to.include({ id });
        expect(nextCalls).to.deep.equal({ "EC2Client.DescribeCapacityReservations": 1 });

        // Refresh does not fail (the state-only provider keeps the state as it is); the next up (even with no init
        // error left) still fails, buying nothing.
        expect((await life.refresh()).error).to.equal(undefined);
        expect(life.state?.outputs).to.include({ state: "payment-failed" });
        life.state = { ...(life.state as NonNullable<typeof life.state>), initErrors: [] };
        let afterRefresh: StepOutcome | undefined;
        const afterRefreshCalls = await callsDuring(async () => {
            afterRefresh = await life.up();
        });
        expect(afterRefresh?.diff?.changes).to.equal("DIFF_SOME");
        expect(afterRefresh?.error?.details).to.equal(message);
        expect(afterRefreshCalls).to.not.have.property(PURCHASE);
        expect(purchasesTagged(host, registered.purchaseToken)).to.equal(1);

        // A new generation buys one new block and forgets the failed one, saying it cost nothing.
        const token2 = purchaseToken("capblocks", "dev", "unpaid", 2);
        let replaced: StepOutcome | undefined;
        const replaceCalls = await callsDuring(async () => {
            replaced = await life.up({ generation: 2, purchaseToken: token2 });
        });
        expect(replaced).to.include({ step: "replace", error: undefined });
        expect(replaceCalls[PURCHASE]).to.equal(1);
        expect(purchasesTagged(host, token2)).to.equal(1);
        expect(life.state?.id).to.match(/^cr-/).and.not.equal(id);
        expect(life.state?.outputs).to.include({ state: "scheduled", generation: 2 });
        expect(await messageTexts(host)).to.include(`CapacityBlock ${id}: payment failed, so EC2 released it and it cost nothing; destroy only forgets it.`);

        const destroyCalls = await callsDuring(async () => {
            expect((await life.destroy()).error).to.equal(undefined);
        });
        expect(destroyCalls).to.deep.equal({});
    }));
});
