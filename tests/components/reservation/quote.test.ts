/**
 * D1: the price is seen in a plain `pulumi preview`. The program logs the CapacityBlock's quote as an info message on
 * the block resource (printed under Diagnostics without --diff) and exports it, with what was paid, as stack outputs.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { activeBlock, runProgram } from "../../helpers/mocks";

const BUY = { "capblocks:reservation": { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" } };

interface Logged {
    message: string;
    resource?: string;
}

/** Runs `action` recording pulumi.log.info calls with the URN of the resource each is attached to. */
async function infoLogged<T>(action: () => Promise<T>): Promise<{ result: T; logged: Logged[] }> {
    const logged: Promise<Logged>[] = [];
    const info = pulumi.log.info;
    pulumi.log.info = (message: string, resource?: pulumi.Resource) => {
        logged.push(resource ? new Promise((resolve) => resource.urn.apply((urn) => resolve({ message, resource: urn }))) : Promise.resolve({ message }));
        return Promise.resolve();
    };
    try {
        const result = await action();
        return { result, logged: await Promise.all(logged) };
    } finally {
        pulumi.log.info = info;
    }
}

describe("the quote in a plain pulumi preview", () => {
    it("logs what up would buy on the CapacityBlock resource, and exports it as blockQuote", async () => {
        const { result, logged } = await infoLogged(() => runProgram(BUY, { preview: true }));
        const quote = result.outputs?.blockQuote ?? "";
        expect(quote).to.match(/^up would buy \(cheapest, if still offered\): 1 x trn2\.3xlarge in sa-east-1a, .*900 USD; ceiling 900 USD/);
        expect(logged).to.deep.equal([{ message: quote, resource: "urn:pulumi:test::capblocks::pulumi-nodejs:dynamic/capblocks:CapacityBlock::block" }]);
    });

    it("logs nothing once the block is bought (no stale quote); blockQuote says why nothing is bought, the fee outputs what was paid", async () => {
        const block = activeBlock();
        const { result, logged } = await infoLogged(() => runProgram(BUY, { preview: true, block, previousOutputs: { blockId: block.id, blockGeneration: "1" } }));
        expect(logged).to.deep.equal([]);
        expect(result.outputs?.blockQuote).to.equal(`nothing to buy: Capacity Block ${block.id} (generation 1) is bought; up buys again only for a ` +
            "longer capblocks:reservation.durationHours (an extension, bounded by maxUpfrontFee) or a new generation");
        expect(result.outputs).to.include({ blockUpfrontFee: "900", blockCurrency: "USD" });
    });

    it("exports the fee paid with extensions once the provider reports it", async () => {
        await pulumi.runtime.setMocks({
            call: () => ({}),
            newResource: (args) => args.type === "pulumi-nodejs:dynamic/capblocks:CapacityBlock"
                ? { id: "cr-1", state: { ...args.inputs, reservationId: "cr-1", upfrontFee: "720.00", totalUpfrontFee: "1440.00", currencyCode: "USD" } }
                : { id: `${args.name}-id`, state: { ...args.inputs, outputs: {} } },
        }, "capblocks", "test", false, "organization");
        const { buyReservation } = await import("../../../components/reservation");
        const info = await buyReservation({ kind: "buy", instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 48, maxUpfrontFee: "1500",
            selection: "cheapest", generation: 1, instancePlatform: "Linux/UNIX" }, { region: "sa-east-1", tags: {} }, { previous: {} });
        const fee = await new Promise((resolve) => info.bought?.upfrontFee.apply(resolve));
        expect(fee).to.equal("1440.00");
    });

    it("says why nothing is bought for an adopted block and on demand, with no fee outputs", async () => {
        const block = activeBlock();
        const adopted = await runProgram({ "capblocks:reservation": { id: block.id, instanceType: block.instanceType } }, { block });
        expect(adopted.outputs?.blockQuote).to.equal(`nothing to buy: Capacity Block ${block.id} is adopted (capblocks:reservation.id or parameterName); capblocks never buys or extends it`);
        expect(adopted.outputs).to.not.have.any.keys("blockUpfrontFee", "blockCurrency");
        const onDemand = await runProgram({ "capblocks:codeServer": { instanceType: "g7e.2xlarge" } }, {});
        expect(onDemand.outputs?.blockQuote).to.equal("nothing to buy: no capblocks:reservation; instances run on demand, billed by the hour until `pulumi destroy`");
    });
});
