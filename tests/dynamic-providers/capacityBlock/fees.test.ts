import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../../helpers/capacityBlockMarket";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { totalUpfrontFee } from "../../../dynamic-providers/capacityBlock/outputs";
import type { InstalledMarket } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;

describe("CapacityBlock: what the block cost with its extensions (totalUpfrontFee)", () => {
    it("adds the fees exactly, as decimals, counting extensions paid or still being paid", () => {
        expect(totalUpfrontFee("720.00", "USD", [])).to.equal("720.00");
        expect(totalUpfrontFee("0.10", "USD", [{ upfrontFee: "0.2", status: "payment-succeeded" }])).to.equal("0.30");
        expect(totalUpfrontFee("720", "USD", [{ upfrontFee: "700.5", status: "payment-pending" }, { upfrontFee: "9", status: "payment-failed" }])).to.equal("1420.5");
        expect(totalUpfrontFee("9007199254740993", "USD", [{ upfrontFee: "1", status: "payment-succeeded" }])).to.equal("9007199254740994");
    });

    it("says unknown rather than a wrong sum: an unknown fee, or fees in another currency", () => {
        expect(totalUpfrontFee("unknown", "USD", [])).to.equal("unknown");
        expect(totalUpfrontFee("720.00", "USD", [{ status: "payment-succeeded" }])).to.equal("unknown");
        expect(totalUpfrontFee("720.00", "USD", [{ upfrontFee: "600.00", currencyCode: "EUR", status: "payment-succeeded" }])).to.equal("unknown");
    });

    describe("against the EC2 market fake", () => {
        let installed: InstalledMarket;
        beforeEach(() => {
            installed = install({ start: START, supply: SUPPLY, paymentDelayMs: 3 * 60_000 });
        });
        afterEach(() => installed.restore());

        it("is the purchase fee after create, and grows by each extension update buys", async () => {
            const { id, outs } = await provider.create(INPUTS);
            expect(outs).to.include({ upfrontFee: "720.00", totalUpfrontFee: "720.00" });
            const { outs: extended } = await provider.update(id, outs, { ...INPUTS, durationHours: 48, maxUpfrontFee: "1500" });
            // 24 h more of 1 x trn2.3xlarge at 30 USD an hour: 720.00.
            expect(extended).to.include({ upfrontFee: "720.00", totalUpfrontFee: "1440.00" });
            expect((await provider.read(id, extended)).props).to.include({ totalUpfrontFee: "1440.00" });
        });

        it("counts the extensions of a block adopted by its purchase token", async () => {
            const { id, outs } = await provider.create(INPUTS);
            await provider.update(id, outs, { ...INPUTS, durationHours: 48, maxUpfrontFee: "1500" });
            // The resource is forgotten (destroy) and created again: it adopts the extended block, buying nothing.
            const { outs: adopted } = await provider.create({ ...INPUTS, durationHours: 48, maxUpfrontFee: "1500" });
            expect(installed.market.count("PurchaseCapacityBlock")).to.equal(1);
            expect(adopted).to.include({ reservationId: id, upfrontFee: "720.00", totalUpfrontFee: "1440.00" });
        });
    });
});
