/**
 * capblocks:reservation.publishParameter under the offline mocks: the block in use and the subnet it is used from are written
 * where the seed scripts kept them, by resources that know whose the parameters are (the provider's own tests show
 * the refusals and the deletes: tests/dynamic-providers/publishedParameter/provider.test.ts).
 */
import { expect } from "chai";
import type { MockRun, RecordedResource } from "../../scripts/offlineMocks";
import { activeBlock, ofType, runProgram } from "../helpers/mocks";

const PARAMETER = "pulumi-nodejs:dynamic/capblocks:PublishedParameter";
const buy = { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" };
const BLOCK = activeBlock();

function parameters(run: MockRun): Record<string, RecordedResource["inputs"]> {
    return Object.fromEntries(ofType(run, PARAMETER).map((r) => [r.name, r.inputs]));
}

describe("publishParameter: the seed scripts' parameters", () => {
    it("writes the bought block's id and the box's subnet to /capacity-block/<region>/…, taking over nothing that exists", async () => {
        const { run, outputs, error } = await runProgram({ "capblocks:reservation": { ...buy, publishParameter: true } },
            { block: BLOCK, previousOutputs: { blockId: BLOCK.id, blockGeneration: "1" }, subnetsByAz: { "sa-east-1b": ["subnet-0b0b0b0b0b0b0b0b0"] } });
        expect(error).to.equal(undefined);
        const published = parameters(run);
        expect(Object.keys(published).sort()).to.deep.equal(["block-parameter", "block-subnet-parameter"]);
        expect(published["block-parameter"]).to.include({ name: "/capacity-block/sa-east-1/reservation-id", value: BLOCK.id, overwrite: false, region: "sa-east-1" });
        expect(published["block-subnet-parameter"]).to.include({ name: "/capacity-block/sa-east-1/subnet-id", value: "subnet-0b0b0b0b0b0b0b0b0", overwrite: false });
        expect(String(published["block-parameter"].description)).to.equal("Written by capblocks stack capblocks/test (capblocks:reservation.publishParameter); " +
            "pulumi destroy deletes it while it holds this value");
        expect(outputs).to.include({ blockParameter: "/capacity-block/sa-east-1/reservation-id", subnetParameter: "/capacity-block/sa-east-1/subnet-id" });
        expect(run.resources.find((r) => r.type === PARAMETER)?.parent).to.equal(null);
    });

    it("takes existing parameters over only with publishParameter: overwrite", async () => {
        const { run } = await runProgram({ "capblocks:reservation": { ...buy, publishParameter: "overwrite" } }, {});
        expect(Object.values(parameters(run)).map((p) => p.overwrite)).to.deep.equal([true, true]);
    });

    it("publishes the block bought on this run, and no subnet without a box or a cluster", async () => {
        const { run, outputs } = await runProgram({ "capblocks:reservation": { ...buy, publishParameter: true }, "capblocks:codeServer": { enabled: false } }, {});
        const published = parameters(run);
        expect(Object.keys(published)).to.deep.equal(["block-parameter"]);
        expect(published["block-parameter"].value).to.match(/^cr-/).and.equal(outputs?.blockId);
        expect(outputs).to.not.have.property("subnetParameter");
    });

    it("without a box, publishes the cluster's compute subnet", async () => {
        const { run, outputs, error } = await runProgram({
            "capblocks:reservation": { ...buy, instanceType: "p5.48xlarge", instanceCount: 2, publishParameter: true },
            "capblocks:codeServer": { enabled: false }, "capblocks:cluster": { enabled: true },
        }, { block: { ...BLOCK, instanceType: "p5.48xlarge", instanceCount: 2 }, previousOutputs: { blockId: BLOCK.id, blockGeneration: "1" } });
        expect(error).to.equal(undefined);
        const nodes = ofType(run, "aws-native:pcs:ComputeNodeGroup").find((g) => g.name === "cluster-compute")?.inputs as { subnetIds: string[] };
        expect(nodes.subnetIds).to.have.length(1);
        expect(nodes.subnetIds[0]).to.be.a("string").and.not.equal("");
        expect(parameters(run)["block-subnet-parameter"]).to.include({ name: "/capacity-block/sa-east-1/subnet-id", value: nodes.subnetIds[0] });
        expect(outputs).to.include({ subnetParameter: "/capacity-block/sa-east-1/subnet-id" });
    });

    it("publishes an adopted block too, and nothing when publishParameter is off", async () => {
        const adopted = await runProgram({ "capblocks:reservation": { id: BLOCK.id, publishParameter: true } }, { block: BLOCK });
        expect(parameters(adopted.run)["block-parameter"]).to.include({ value: BLOCK.id });
        const off = await runProgram({ "capblocks:reservation": { ...buy, publishParameter: false } }, {});
        expect(ofType(off.run, PARAMETER)).to.have.length(0);
        expect(off.outputs).to.not.have.property("blockParameter");
    });

    it("publishes a block bought among several types on its first run, before anything is built on it", async () => {
        const { run } = await runProgram({ "capblocks:reservation": { instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], durationHours: 24, maxUpfrontFee: "1000", publishParameter: true } }, {});
        expect(Object.keys(parameters(run))).to.deep.equal(["block-parameter"]);
    });
});
