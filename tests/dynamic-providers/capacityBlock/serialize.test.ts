import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { PURCHASE_TOKEN_TAG } from "../../../dynamic-providers/capacityBlock/token";
import type { InstalledMarket } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

// The dynamic provider host revives a provider exactly like this: `requireFromString(props.__provider).handler()`
// (@pulumi/pulumi 3.248 cmd/dynamic-provider/index.js); pulumi.dynamic.Resource serializes `() => provider`.
// require-from-string is the host's own dependency, installed with @pulumi/pulumi.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const INPUTS = {
    instanceType: "p5.48xlarge", instanceCount: 2, durationHours: 24, maxUpfrontFee: "20000", region: "us-east-2",
    purchaseToken: "revived-token", instancePlatform: "Linux/UNIX", selection: "cheapest", generation: 1, identity: "copy-a",
};

describe("CapacityBlock provider serialized into state", () => {
    let installed: InstalledMarket;
    let revived: Required<pulumi.dynamic.ResourceProvider>;

    before(async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => capacityBlockProvider, { allowSecrets: true });
        // The SDK is required inside a method, never captured as a module-level variable; neither is @pulumi/pulumi.
        expect(serialized.text).to.contain("require(\"@aws-sdk/client-ec2\")").and.contain("require(\"@aws-sdk/client-ssm\")")
            .and.not.match(/var __(client_ec2_1|client_ssm_1|pulumi)\b/);
        // State keeps this text for every CapacityBlock and the engine sends it with every call: about 131,000 characters
        // today, of which about 40,000 are the purchase records, copy identities and the extension plan, and about 11,000
        // the choice among several instance types (code, each function wrapped by the serializer; no SDK or namespace).
        // A jump means something large was captured; only a partial failure's state-only provider must stay small
        // (dynamic-providers/shared/partialFailure.ts).
        expect(serialized.text.length, "serialized provider size").to.be.below(140_000);
        revived = requireFromString(serialized.text).handler() as Required<pulumi.dynamic.ResourceProvider>;
    });
    beforeEach(() => {
        installed = install({
            start: Date.parse("2026-11-23T09:00:00Z"),
            supply: [{ instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 8, pricePerInstanceHour: 31.464, startDays: [3] }],
        });
    });
    afterEach(() => installed.restore());

    it("revives and runs check, create, read and delete against mocked EC2", async () => {
        const { inputs } = await revived.check({}, INPUTS);
        expect(inputs.quote).to.contain("us-east-2a").and.contain("1510.27 USD");
        const { id, outs } = await revived.create(inputs);
        expect(outs).to.include({ reservationId: id, state: "scheduled", upfrontFee: "1510.27", totalInstanceCount: 2 });
        expect(installed.market.tagsOf(id)).to.include({ [PURCHASE_TOKEN_TAG]: "revived-token" });
        expect((await revived.read(id, outs)).props).to.include({ state: "scheduled" });
        const calls = installed.market.calls.length;
        await revived.delete(id, outs);
        expect(installed.market.calls.length).to.equal(calls);
    });
});

describe("CapacityBlock preview without AWS credentials", () => {
    const saved: Record<string, string | undefined> = {};
    const cleared = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: "capblocks-test-no-such-profile",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials", AWS_CONFIG_FILE: "/nonexistent/config", AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined, AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined };
    before(() => {
        for (const [k, v] of Object.entries(cleared)) {
            saved[k] = process.env[k];
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    });
    after(() => {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    });

    it("yields a clear quote text instead of crashing (the real SDK, no mock)", async () => {
        const { inputs, failures } = await capacityBlockProvider.check!({}, INPUTS);
        expect(failures ?? []).to.have.length(0);
        expect(inputs.quote).to.match(/^quote not available: searching offerings failed \(CredentialsProviderError/);
        expect(inputs.quote).to.contain("buys nothing above 20000 USD");
    });
});
