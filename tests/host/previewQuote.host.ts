import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import type { BuyReservationConfig } from "../../components/config";
import { buyReservation } from "../../components/reservation";
import type { Props } from "./harness";
import { useHostSuite } from "./hostSuite";
import { ResourceLifecycle } from "./lifecycle";
import { TRN2_MARKET } from "./markets";

// D1 through @pulumi/pulumi's real dynamic-provider host: how the quote reaches what a plain `pulumi preview` prints.
// The host answers Configure without supportsPreview, so during a preview the engine does not call Create or Update:
// provider_plugin.go answers them with the checked inputs (Create: `if !protocol.supportsPreview ... return
// CreateResponse{Properties: req.Properties}`, Update likewise with req.NewInputs), and those are the outputs the
// program sees. Check puts the quote there; the program logs it on the block (docs/aws-notes.md#the-preview-quote).

const CONFIG: BuyReservationConfig = {
    kind: "buy", instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
    selection: "cheapest", generation: 1, instancePlatform: "Linux/UNIX",
};
const BLOCK = {
    modulePath: "dynamic-providers/capacityBlock/index.ts",
    className: "CapacityBlock",
    name: "block",
    args: { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", region: "sa-east-1", identity: "host-copy" },
};
const QUOTE = "up would buy (cheapest, if still offered): 1 x trn2.3xlarge in sa-east-1b, 2026-11-24T11:30:00.000Z → 2026-11-25T11:30:00.000Z, " +
    "720.00 USD; ceiling 900 USD";

/**
 * The program's buy step under mocks that answer the CapacityBlock as the engine answers a preview: with the
 * host's checked inputs. Returns the info messages the program logged, with the URN of the resource of each.
 */
async function programMessagesWith(previewOutputs: Props): Promise<{ message: string; urn: string }[]> {
    await pulumi.runtime.setMocks({
        call: () => ({}),
        newResource: (args) => args.type === "pulumi-nodejs:dynamic/capblocks:CapacityBlock"
            ? { id: "", state: previewOutputs }
            : { id: args.name, state: { outputs: {} } },
    }, "capblocks", "dev", true, "organization");
    const messages: Promise<{ message: string; urn: string }>[] = [];
    const info = pulumi.log.info;
    pulumi.log.info = (message: string, resource?: pulumi.Resource) => {
        messages.push(new Promise((resolve) => resource?.urn.apply((urn) => resolve({ message, urn }))));
        return Promise.resolve();
    };
    try {
        const reservation = await buyReservation(CONFIG, { region: "sa-east-1", tags: {} }, { previous: {} });
        await new Promise((resolve) => reservation.quote?.apply(resolve));
        return await Promise.all(messages);
    } finally {
        pulumi.log.info = info;
    }
}

describe("the preview quote through the dynamic-provider host", () => {
    const suite = useHostSuite({ fakes: [TRN2_MARKET] }, [BLOCK]);
    let life: ResourceLifecycle;
    before(() => {
        life = new ResourceLifecycle(suite().resources.block);
    });

    it("the host takes no provider previews: a preview's create is answered with the checked inputs", () => {
        expect(suite().host.protocol.supportsPreview).to.equal(false);
    });

    it("check puts what up would buy in the checked inputs, and the program logs exactly that on the block", async () => {
        const preview = await life.preview();
        expect(preview.step).to.equal("create");
        expect(preview.planned?.quote).to.equal(QUOTE);
        expect(await programMessagesWith(preview.planned ?? {})).to.deep.equal([
            { message: QUOTE, urn: "urn:pulumi:dev::capblocks::pulumi-nodejs:dynamic/capblocks:CapacityBlock::block" },
        ]);
    });

    it("after up the quote is gone from the state, and an unchanged preview logs nothing", async () => {
        const up = await life.up();
        expect(up).to.include({ step: "create", error: undefined });
        expect(life.state?.outputs).to.not.have.property("quote");
        const again = await life.preview();
        expect(again.step).to.equal("same");
        expect(again.planned).to.not.have.property("quote");
    });

    it("a longer duration previews as an update whose checked inputs carry the extension quote", async () => {
        const preview = await life.preview({ durationHours: 48, maxUpfrontFee: "1500" });
        expect(preview.step).to.equal("update");
        expect(preview.planned?.quote).to.match(/^up would extend cr-\w+ by 24 h/);
    });
});
