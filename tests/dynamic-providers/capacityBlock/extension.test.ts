import { expect } from "chai";
import { planExtension } from "../../../dynamic-providers/capacityBlock/extension";
import type { ExtensionRecord } from "../../../dynamic-providers/capacityBlock/records";

// The one extension formula (F3): from the live block's span and the extensions bought and not yet paid
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-extend.html: no new extension while one is
// payment-pending; sold 56 days to 1 hour before the end, in the block duration steps).
const NOW = Date.parse("2026-11-23T09:00:00Z");
const block = (hours: number, state = "scheduled") => ({
    id: "cr-1", state, startDate: new Date("2026-11-24T11:30:00Z"), endDate: new Date(Date.parse("2026-11-24T11:30:00Z") + hours * 3600_000),
});
const record = (more: Partial<ExtensionRecord> = {}): ExtensionRecord => ({
    kind: "extension", identity: "copy-a", nonce: "n", sentAt: "2026-11-23T08:55:00.000Z", reservationId: "cr-1", offeringId: "cbeo-1", hours: 24,
    expectedEndDate: "2026-11-26T11:30:00.000Z", upfrontFee: "720.00", currencyCode: "USD", answered: false, ...more,
});

describe("capacity block extension plan", () => {
    it("buys what is missing from the span as it is, paid extensions included", () => {
        expect(planExtension({ block: block(24), wantedHours: 72, history: [], now: NOW })).to.deep.equal({ kind: "buy", hours: 48, recordDone: false });
        expect(planExtension({ block: block(48), wantedHours: 72, history: [{ hours: 24, status: "payment-succeeded" }], now: NOW }))
            .to.deep.include({ kind: "buy", hours: 24 });
    });

    it("buys nothing when the block has the hours, counting extensions bought and not yet paid", () => {
        const plan = planExtension({ block: block(24), wantedHours: 48, history: [{ offeringId: "x", hours: 24, status: "payment-pending" }], now: NOW });
        expect(plan).to.deep.equal({ kind: "none", recordDone: false, message: "cr-1 already has 48 h, counting extensions paid or pending; up buys no extension" });
        expect(planExtension({ block: block(24 + 35 / 60), wantedHours: 24, history: [], now: NOW }).kind).to.equal("none");
    });

    it("refuses while an extension is payment-pending and more is needed (EC2 sells none then), or outside the window", () => {
        const pending = planExtension({ block: block(24), wantedHours: 72, history: [{ hours: 24, status: "payment-pending" }], now: NOW });
        expect(pending).to.deep.include({ kind: "refuse" });
        expect(pending.kind === "refuse" && pending.message).to.contain("still payment-pending").and.contain("the 24 h still missing");
        const expired = planExtension({ block: block(24, "expired"), wantedHours: 48, history: [], now: NOW });
        expect(expired.kind === "refuse" && expired.message).to.equal("no extension can be bought now: cr-1 is expired, and extensions are sold only while a block is scheduled or active");
    });

    it("refuses an extension EC2 does not sell, saying the block's span", () => {
        const plan = planExtension({ block: block(24), wantedHours: 504, history: [], now: NOW });
        expect(plan.kind === "refuse" && plan.message).to.match(/^no extension can be bought: cr-1 spans 24 h; reaching 504 h needs a 480 h extension, which EC2 does not sell/);
    });

    describe("with a kept purchase record", () => {
        it("open (no answer, not listed, under 15 minutes): refuses, saying when to run up again", () => {
            const plan = planExtension({ block: block(24), wantedHours: 48, history: [], record: record(), now: NOW });
            expect(plan).to.deep.include({ kind: "refuse", afterLostAnswer: true, recordDone: false });
            expect(plan.kind === "refuse" && plan.message).to.contain("was sent at 2026-11-23T08:55:00.000Z and got no answer").and.contain("after 2026-11-23T09:10:00.000Z");
        });
        it("listed by the history or shown by the end date: done, and the plan counts from them", () => {
            const byHistory = planExtension({ block: block(24), wantedHours: 48, history: [{ offeringId: "cbeo-1", hours: 24, status: "payment-pending" }], record: record(), now: NOW });
            expect(byHistory).to.deep.include({ kind: "none", recordDone: true });
            const byEnd = planExtension({ block: block(48), wantedHours: 48, history: [], record: record(), now: NOW });
            expect(byEnd).to.deep.include({ kind: "none", recordDone: true });
        });
        it("answered but not listed yet: counted as bought and not yet paid", () => {
            expect(planExtension({ block: block(24), wantedHours: 48, history: [], record: record({ answered: true }), now: NOW }))
                .to.deep.include({ kind: "none", recordDone: false });
        });
        it("no answer and still not listed 15 minutes later: it did not happen; the record is done and the hours are bought", () => {
            expect(planExtension({ block: block(24), wantedHours: 48, history: [], record: record(), now: NOW + 10 * 60_000 }))
                .to.deep.equal({ kind: "buy", hours: 24, recordDone: true });
        });
    });
});
