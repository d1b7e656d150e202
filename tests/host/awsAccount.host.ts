import { expect } from "chai";
import type { HostSuite } from "./hostSuite";
import { useHostSuite } from "./hostSuite";
import { ResourceLifecycle } from "./lifecycle";
import { TRN2_MARKET } from "./markets";

// The stack's AWS account settings (the `aws` input both dynamic resources get from `aws:*` config) through
// @pulumi/pulumi's real dynamic-provider host: keys set in config stay secret in the state, and new credentials are
// stored by an update that neither replaces nor buys nor runs anything.

const MARKER_DIR = "/capblocks-host-test/account-markers";
const INSTANCE = "i-0123456789abcdef9";
const SSM_FAKE = { name: "ssm", module: "tests/fakes/ssmFake.ts", export: "installSsmFake", options: { instances: [INSTANCE], markerDir: MARKER_DIR } };
const KEYS = { profile: "ml", accessKey: "AKIAEXAMPLEKEY000001", secretKey: "example-secret-key", token: "example-session-token" };
const SECRET_PATHS = ["aws.accessKey", "aws.secretKey", "aws.token"];
const BLOCK = {
    modulePath: "dynamic-providers/capacityBlock/index.ts",
    className: "CapacityBlock",
    name: "block",
    args: { instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", region: "sa-east-1", identity: "host-copy", aws: KEYS },
    secretArgs: SECRET_PATHS,
};
const SETUP = {
    modulePath: "dynamic-providers/ssmTasks/index.ts",
    className: "SsmTasks",
    name: "setup",
    args: { instanceIds: [INSTANCE], tasks: [{ id: "hello", name: "Hello", commands: ["echo hello"] }], region: "sa-east-1", markerDir: MARKER_DIR, aws: KEYS },
    secretArgs: SECRET_PATHS,
};
const OTHER_ACCOUNT = { aws: { profile: "other", assumeRoles: [{ roleArn: "arn:aws:iam::123456789012:role/capblocks" }] } };

/** Both resources, each in its own host: the market's clock (on the providers' clock hook) is not the SSM fake's. */
const CASES = [
    { kind: "CapacityBlock", fake: TRN2_MARKET, resource: BLOCK },
    { kind: "SsmTasks", fake: SSM_FAKE, resource: SETUP },
];

describe("the stack's AWS account settings in the dynamic-provider host", () => {
    for (const { kind, fake, resource } of CASES) {
        describe(kind, () => {
            const suite = useHostSuite({ fakes: [fake] }, [resource]);
            let callsDuring: HostSuite["callsDuring"];
            let life: ResourceLifecycle;
            before(() => {
                ({ callsDuring } = suite());
                life = new ResourceLifecycle(suite().resources[resource.name]);
            });

            it("keeps keys set in config secret in the state: the engine marks each key's path in the outputs", async () => {
                expect(life.resource.registration.secretKeys).to.deep.equal(SECRET_PATHS);
                const outcome = await life.up();
                expect(outcome).to.include({ step: "create", error: undefined });
                const created = life.state?.outputs.aws as Record<string, unknown>;
                // The provider stores the settings it signed with (refresh needs them); the engine encrypts the keys.
                expect(created).to.deep.equal(KEYS);
                expect(life.state?.secretOutputs?.filter((p) => p.startsWith("aws"))).to.deep.equal(SECRET_PATHS);
            });

            it("stores new credentials with an update that replaces, buys and runs nothing", async () => {
                let outcome: Awaited<ReturnType<ResourceLifecycle["up"]>> | undefined;
                const calls = await callsDuring(async () => {
                    outcome = await life.up(OTHER_ACCOUNT);
                });
                expect(outcome?.diff).to.deep.include({ changes: "DIFF_SOME", replaces: [] });
                expect(outcome).to.include({ step: "update", error: undefined });
                expect(life.state?.outputs.aws).to.deep.equal(OTHER_ACCOUNT.aws);
                expect(Object.keys(calls).filter((op) => /Purchase|SendCommand/.test(op))).to.deep.equal([]);
            });
        });
    }
});
