import { expect } from "chai";
import { blockInUse, knownBlockIds } from "../../../components/reservation/blockChoice";
import { previousBlocksFrom } from "../../../components/reservation/previousDeployment";

const A = "cr-0aaaaaaaaaaaaaaa1";
const B = "cr-0bbbbbbbbbbbbbbb2";

describe("which recorded block is which", () => {
    it("reads the block ids and generations the last deployment wrote, ignoring anything that is not a block id", () => {
        expect(previousBlocksFrom({})).to.deep.equal({});
        expect(previousBlocksFrom({ blockId: A, blockGeneration: "2", nextBlockId: B, nextBlockGeneration: "3", blockUpfrontFee: "720.00", blockCurrency: "USD" }))
            .to.deep.equal({ inUse: { id: A, generation: 2 }, next: { id: B, generation: 3 }, upfrontFee: "720.00", currencyCode: "USD" });
        expect(previousBlocksFrom({ blockId: "none: on demand", nextBlockId: 7, blockGeneration: "x" })).to.deep.equal({});
        expect(previousBlocksFrom({ blockId: A, blockGeneration: "zero" })).to.deep.equal({ inUse: { id: A } });
    });

    it("sorts recorded blocks by the configured generation: this generation's, and an older one", () => {
        expect(knownBlockIds({}, 1)).to.deep.equal({});
        expect(knownBlockIds({ inUse: { id: A, generation: 1 } }, 1)).to.deep.equal({ current: A });
        expect(knownBlockIds({ inUse: { id: A, generation: 1 } }, 2)).to.deep.equal({ older: { id: A, generation: 1 } });
        expect(knownBlockIds({ inUse: { id: A, generation: 1 }, next: { id: B, generation: 2 } }, 2)).to.deep.equal({ current: B, older: { id: A, generation: 1 } });
    });

    it("takes a block recorded without a generation (outputs from before generations were recorded) as the configured one", () => {
        expect(knownBlockIds({ inUse: { id: A } }, 3)).to.deep.equal({ current: A });
    });

    it("keeps the instances on the older block until this generation's is active", () => {
        expect(blockInUse(undefined, "active")).to.equal("older");
        expect(blockInUse("scheduled", "active")).to.equal("older");
        expect(blockInUse("payment-pending", "active")).to.equal("older");
        expect(blockInUse("active", "active")).to.equal("current");
        expect(blockInUse("scheduled", "expired")).to.equal("current");
        expect(blockInUse(undefined, undefined)).to.equal("current");
    });
});
