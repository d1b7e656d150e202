import { expect } from "chai";
import type { CapturedRegistration } from "./capture";
import { captureRegistration } from "./capture";
import type { ProviderHost, ResourceClient} from "./harness";
import { rejection, UNKNOWN } from "./harness";
import type { HostSuite} from "./hostSuite";
import { useHostSuite } from "./hostSuite";
import type { StepOutcome } from "./lifecycle";
import { ResourceLifecycle } from "./lifecycle";

// The harness's own proof, with a test-only provider (fixtures/regionProbe.ts, EC2 DescribeRegions) run by
// @pulumi/pulumi 3.248's real dynamic-provider host. Findings about the host are asserted, not just described.

const PROBE = { modulePath: "tests/host/fixtures/regionProbe.ts", className: "RegionProbe" };
const REGION_FAKE = { name: "regions", module: "tests/host/fixtures/regionFake.ts", options: { regions: ["sa-east-1", "us-east-1", "eu-west-1"] } };

describe("dynamic-provider host harness (RegionProbe fixture)", () => {
    const suite = useHostSuite({ fakes: [REGION_FAKE] }, [{
        ...PROBE,
        name: "probe",
        args: { regionName: "sa-east-1", family: "a", apiToken: "tok-123" },
        secretArgs: ["apiToken"],
    }, {
        modulePath: "tests/host/fixtures/probePair.ts",
        className: "ProbePair",
        name: "pair",
        args: { regionName: "us-east-1" },
        select: { type: "pulumi-nodejs:dynamic/capblocks:RegionProbe" },
    }]);
    let host: ProviderHost;
    let probe: ResourceClient;
    let registration: CapturedRegistration;
    let callsDuring: HostSuite["callsDuring"];
    before(() => {
        ({ host, callsDuring } = suite());
        probe = suite().resources.probe;
        registration = probe.registration;
    });

    it("registers the serialized provider and strips secret wrappers the way the engine does", () => {
        expect(registration.type).to.equal("pulumi-nodejs:dynamic/capblocks:RegionProbe");
        expect(registration.inputs.__provider).to.be.a("string").and.match(/exports\.handler/);
        // The undefined placeholders for outputs are not registered at all.
        expect(registration.inputs).to.not.have.property("endpoint");
        expect(registration.inputs.apiToken).to.equal("tok-123");
        expect(registration.secretKeys).to.deep.equal(["apiToken"]);
    });

    it("captures the dynamic resource a component creates, and the host runs it", async () => {
        const child = suite().resources["pair-probe"];
        expect(child.registration.inputs).to.include({ family: "pair-family", regionName: "us-east-1" });
        expect((await child.create(child.inputs())).id).to.equal("probe-us-east-1");
    });

    // provider_plugin.go: with Handshake unimplemented, Configure's answer is the protocol. supportsPreview=false means
    // the engine never calls Create/Update during `pulumi preview`: only Check (and Diff) run there.
    it("gets no secrets and no preview calls from the engine", () => {
        expect(host.protocol).to.deep.equal({ acceptSecrets: false, acceptResources: false, supportsPreview: false });
    });

    it("returns bad input as CheckFailures and calls no AWS", async () => {
        let failures: { property: string; reason: string }[] = [];
        const calls = await callsDuring(async () => {
            ({ failures } = await probe.check(probe.inputs({ regionName: "Mars", family: "" })));
        });
        expect(failures).to.deep.equal([
            { property: "regionName", reason: '"Mars" is not a region name like sa-east-1' },
            { property: "family", reason: "family is required" },
        ]);
        expect(calls).to.deep.equal({});
    });

    // During a preview the engine sends values that are not known yet (e.g. another resource's id) as this sentinel
    // (provider_plugin.go Check: KeepUnknowns). A check that validates them blindly fails the user's preview with a
    // reason quoting a UUID. The real providers must skip unknown values in check.
    it("hands check the unknown-value sentinel during a preview", async () => {
        const { failures } = await probe.check(probe.inputs({ regionName: UNKNOWN }));
        expect(failures).to.deep.equal([{ property: "regionName", reason: `"${UNKNOWN}" is not a region name like sa-east-1` }]);
    });

    it("creates through Struct marshalling: ISO strings survive, secret inputs are re-marked, __provider is kept", async () => {
        const { inputs } = await probe.check();
        let created = { id: "", properties: {} as Record<string, unknown>, secretOutputs: [] as string[] };
        const calls = await callsDuring(async () => {
            created = await probe.create(inputs);
        });
        expect(created.id).to.equal("probe-sa-east-1");
        expect(created.properties).to.include({
            checkedAt: "1970-01-01T00:00:00.000Z",
            endpoint: "ec2.sa-east-1.amazonaws.com",
            __provider: registration.inputs.__provider,
        });
        // The provider saw the plain secret (acceptSecrets=false). The engine re-marks same-named outputs and keeps
        // signature-sealed ones secret; a derived value under another name (tokenHint) lands in state in plain text.
        expect(created.properties.apiToken).to.equal("tok-123");
        expect(created.properties.tokenHint).to.equal("tok");
        expect(created.secretOutputs).to.deep.equal(["apiToken", "tokenSealed"]);
        expect(calls).to.deep.equal({ "EC2Client.DescribeRegions": 1 });
        expect(await host.messages()).to.deep.include({ stream: "stdout", text: "probe probe-sa-east-1 created" });
    });

    // Finding: the engine passes PULUMI_NODEJS_PROJECT to the plugin but no stack, so pulumi.getStack() inside a
    // provider method answers the placeholder "stack". Anything stack-specific must be computed in the program.
    it("sees the project but not the stack inside provider methods", async () => {
        const { properties } = await probe.create((await probe.check()).inputs);
        expect(properties).to.include({ runtimeProject: "capblocks", runtimeStack: "stack" });
    });

    // Finding: google.protobuf.Value.fromJavaScript treats a Date as an object with no own keys: it reaches state as
    // {} without any error, so the date is silently lost.
    it("turns a Date output into an empty object without an error", async () => {
        const { properties } = await probe.create(probe.inputs({ outputShape: "date" }));
        expect(properties.checkedAt).to.deep.equal({});
    });

    // Finding: an undefined output makes the host's Struct marshalling throw after the provider did its work. The
    // engine gets a plain error, no ErrorResourceInitFailed: the id never reaches state, so the next `up` creates
    // again. For CapacityBlock that is a second purchase.
    it("fails a create whose outputs hold undefined, after the AWS calls, with no id for the state", async () => {
        let error: Awaited<ReturnType<typeof rejection>> | undefined;
        const calls = await callsDuring(async () => {
            error = await rejection(probe.create(probe.inputs({ outputShape: "undefined" })));
        });
        expect(error?.details).to.equal("Unexpected struct type.");
        expect(error?.initFailure).to.equal(undefined);
        expect(calls).to.deep.equal({ "EC2Client.DescribeRegions": 1 });
    });

    describe("diff maps the provider's answer to the engine's DIFF kinds", () => {
        let state: Record<string, unknown>;
        before(async () => {
            state = (await probe.create(probe.inputs())).properties;
        });

        it("no change → DIFF_NONE", async () => {
            expect(await probe.diff("probe-sa-east-1", state, probe.inputs())).to.deep.equal({
                changes: "DIFF_NONE", replaces: [], deleteBeforeReplace: false,
            });
        });

        it("an in-place change → DIFF_SOME without replaces", async () => {
            expect(await probe.diff("probe-sa-east-1", state, probe.inputs({ regionName: "us-east-1" }))).to.deep.equal({
                changes: "DIFF_SOME", replaces: [], deleteBeforeReplace: false,
            });
        });

        it("a replacing change → replaces, and deleteBeforeReplace only when asked", async () => {
            expect(await probe.diff("probe-sa-east-1", state, probe.inputs({ family: "b" }))).to.deep.equal({
                changes: "DIFF_SOME", replaces: ["family"], deleteBeforeReplace: false,
            });
            expect(await probe.diff("probe-sa-east-1", state, probe.inputs({ family: "b", exclusive: true }))).to.deep.equal({
                changes: "DIFF_SOME", replaces: ["family"], deleteBeforeReplace: true,
            });
        });

        it("updates in place through the host", async () => {
            const { properties } = await probe.update("probe-sa-east-1", state, probe.inputs({ regionName: "us-east-1" }));
            expect(properties).to.include({ endpoint: "ec2.us-east-1.amazonaws.com", regionName: "us-east-1" });
        });
    });

    describe("partial failure (ErrorResourceInitFailed)", () => {
        it("decodes id, properties and reasons from the grpc-status-details-bin trailer", async () => {
            const error = await rejection(probe.create(probe.inputs({ failAfterCreate: "bare" })));
            expect(error.details).to.match(/created but its second step failed; run up again/);
            expect(error.initFailure).to.deep.equal({
                id: "probe-sa-east-1",
                properties: { endpoint: "ec2.sa-east-1.amazonaws.com", stage: "half-done" },
                reasons: ["second step failed"],
            });
        });

        // Finding: the host stores the error's `properties` as the outputs verbatim, without adding `__provider`
        // (grpcResponseFromError). Delete and Read revive the provider from the outputs, so until a later Update
        // succeeds, `pulumi destroy` and `pulumi refresh` fail on such a resource, and the host prints the stack
        // trace to the user.
        it("leaves a state that cannot be deleted unless the provider put its inputs in the properties", async () => {
            const bare = (await rejection(probe.create(probe.inputs({ failAfterCreate: "bare" })))).initFailure;
            const stuck = await rejection(probe.delete(bare?.id ?? "", bare?.properties ?? {}));
            // require-from-string is handed the missing __provider.
            expect(stuck.details).to.equal("code must be a string, not undefined");
            expect((await host.messages()).some((m) => m.stream === "stderr" && /code must be a string/.test(m.text))).to.equal(true);

            const withInputs = (await rejection(probe.create(probe.inputs({ failAfterCreate: "withInputs" })))).initFailure;
            expect(withInputs?.properties).to.include({ stage: "half-done", __provider: registration.inputs.__provider });
            await probe.delete(withInputs?.id ?? "", withInputs?.properties ?? {});
        });
    });

    // step_generator.go: a resource left with init errors gets an Update on the next `up` even when Diff says
    // DIFF_NONE. That is the path a resumable provider (SsmTasks) relies on.
    it("resumes a partially failed create through Update on the next up, then settles", async () => {
        const life = new ResourceLifecycle(probe);
        const first = await life.up({ failAfterCreate: "withInputs" });
        expect(first.step).to.equal("create");
        expect(first.error?.initFailure?.reasons).to.deep.equal(["second step failed"]);
        expect(life.state).to.include({ id: "probe-sa-east-1" });
        expect(life.state?.outputs).to.include({ stage: "half-done" });

        const second = await life.up({ failAfterCreate: "withInputs" });
        expect(second).to.deep.include({ step: "update", error: undefined });
        expect(second.diff?.changes).to.equal("DIFF_NONE");
        expect(life.state?.initErrors).to.deep.equal([]);
        expect(life.state?.outputs).to.include({ endpoint: "ec2.sa-east-1.amazonaws.com" });

        let third: StepOutcome | undefined;
        const calls = await callsDuring(async () => {
            third = await life.up({ failAfterCreate: "withInputs" });
        });
        expect(third?.step).to.equal("same");
        expect(calls).to.deep.equal({});

        expect((await life.preview({ failAfterCreate: "withInputs", family: "b" })).step).to.equal("replace");
        expect((await life.destroy()).error).to.equal(undefined);
        expect(life.state).to.equal(undefined);
    });

    it("refuses an AWS call no fake covers, and logs it", async () => {
        let error: Awaited<ReturnType<typeof rejection>> | undefined;
        const calls = await callsDuring(async () => {
            error = await rejection(probe.create(probe.inputs({ parameterName: "/capblocks/none" })));
        });
        expect(error?.details).to.equal("no fake installed for SSMClient.GetParameter: the host harness never calls real AWS");
        expect(calls).to.deep.equal({ "EC2Client.DescribeRegions": 1, "SSMClient.GetParameter": 1 });
    });

    it("reads a resource whose region was withdrawn: the id stays, the state says gone", async () => {
        const { id, properties } = await probe.create(probe.inputs({ regionName: "eu-west-1" }));
        expect(await host.control("regions", "withdraw", "eu-west-1")).to.equal(2);
        const read = await probe.read(id, properties);
        expect(read.id).to.equal(id);
        expect(read.properties.optInStatus).to.equal("gone");
    });

    // pulumi.log in a provider method has no engine to talk to in the host: it goes to the console, and the engine
    // shows host stderr as an error-stream message attached to no resource.
    it("deletes without AWS calls, and the user sees the provider's pulumi.log line on stderr", async () => {
        const calls = await callsDuring(() => probe.delete("probe-sa-east-1", { ...probe.inputs(), endpoint: "x" }));
        expect(calls).to.deep.equal({});
        expect(await host.messages()).to.deep.include({
            stream: "stderr",
            text: "warning: [runtime] probe probe-sa-east-1 forgotten; nothing to delete in AWS",
        });
    });
});

describe("capturing a provider that does not serialize", () => {
    // House rule: no SDK module namespace captured by a provider. `pulumi up` would fail the same way while
    // registering the resource; capture reproduces it with Pulumi's own explanation of the capture chain.
    it("fails with the serializer's chain naming the captured namespace", async () => {
        const error = await captureRegistration({
            modulePath: "tests/host/fixtures/namespaceProbe.ts",
            className: "NamespaceProbe",
            name: "ns",
            args: { label: "x" },
        }).then(() => undefined, (e: Error) => e);
        expect(error?.message).to.match(/error serializing property "__provider"/);
        expect(error?.message).to.match(/variable 'ec2' which indirectly referenced/);
    });
});
