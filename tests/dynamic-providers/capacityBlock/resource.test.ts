import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CapacityBlock } from "../../../dynamic-providers/capacityBlock";
import { purchaseToken } from "../../../dynamic-providers/capacityBlock/token";

interface Registered {
    type: string;
    inputs: Record<string, unknown>;
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

describe("CapacityBlock resource (under Pulumi mocks)", () => {
    const registered: Registered[] = [];
    before(async () => {
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                registered.push({ type: args.type, inputs: args.inputs });
                return { id: "cr-0123456789abcdef0", state: { ...args.inputs, reservationId: "cr-0123456789abcdef0" } };
            },
            call: (args) => args.inputs,
        }, "capblocks", "dev", false);
        // A real user sets aws:region in stack config, not AWS_REGION.
        pulumi.runtime.setConfig("aws:region", "sa-east-1");
    });

    it("derives the purchase token from project, stack, name and generation, and defaults region from aws:region", async () => {
        const block = new CapacityBlock("block", { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", tags: { team: "ml" }, identity: "copy-a" });
        expect(await valueOf(block.purchaseToken)).to.equal(purchaseToken("capblocks", "dev", "block", 1));
        expect(await valueOf(block.region)).to.equal("sa-east-1");
        const inputs = registered.find((r) => r.type === "pulumi-nodejs:dynamic/capblocks:CapacityBlock")?.inputs ?? {};
        expect(inputs).to.include({ generation: 1, region: "sa-east-1", identity: "copy-a", project: "capblocks", stack: "dev" });
        expect(inputs.tags).to.deep.equal({ team: "ml" });
        expect(inputs.__provider).to.be.a("string").and.contain("create");
    });

    it("gives a bumped generation a different token (a new block), and keeps an explicit region", async () => {
        const block = new CapacityBlock("block-g2", { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", generation: 2, region: "us-east-2", identity: "copy-a" });
        expect(await valueOf(block.purchaseToken)).to.equal(purchaseToken("capblocks", "dev", "block-g2", 2));
        expect(await valueOf(block.region)).to.equal("us-east-2");
    });
});
