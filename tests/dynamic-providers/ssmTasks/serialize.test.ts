import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ssmTasksProvider } from "../../../dynamic-providers/ssmTasks";
import type { SsmFake } from "../../fakes/ssmFake";
import { installSsmFake } from "../../fakes/ssmFake";
import { MARKER_DIR } from "../../helpers/ssmTasksHarness";

const I1 = "i-0123456789abcdef0";

describe("ssmTasksProvider survives serialization into Pulumi state", function () {
    this.timeout(20000);
    let fake: SsmFake;
    afterEach(async () => {
        await fake?.settled();
        fake?.restore();
    });

    it("serializeFunction → revive → create runs the tasks against the mocked SSM client", async () => {
        // As pulumi/dynamic serializes it, and as cmd/dynamic-provider revives it: requireFromString(text).handler().
        const serialized = await pulumi.runtime.serializeFunction(() => ssmTasksProvider, { allowSecrets: true });
        // State keeps this text for every SsmTasks and the engine sends it with every call: about 92,000 characters
        // today (the kill-safe wrapper, reboots, the quoting check and the agent re-check added 13,000; rerun,
        // per-instance states, live progress and the preview's run line 15,000). A jump means something large was captured (an SDK module is
        // loaded inside the methods, never captured).
        expect(serialized.text.length, "serialized provider size").to.be.below(95_000);
        expect(serialized.text).to.contain("require(\"@aws-sdk/client-ssm\")").and.not.match(/var __(client_ssm_1|pulumi)\b/);
        expect(serialized.text).to.contain("require(\"@aws-sdk/client-cloudwatch-logs\")").and.not.match(/var __client_cloudwatch_logs_1\b/);
        const exported: { handler?: () => pulumi.dynamic.ResourceProvider } = {};
        new Function("exports", "require", serialized.text)(exported, require);
        const revived = (exported.handler as () => pulumi.dynamic.ResourceProvider)();
        fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        const checked = await revived.check!({}, {
            instanceIds: [I1],
            tasks: [{ id: "hello", name: "Hello", commands: ["echo hello > \"$HOME/hello\""] }],
            region: "us-east-1",
            markerDir: MARKER_DIR,
        });
        expect(checked.failures).to.deep.equal([]);
        const created = await revived.create(checked.inputs);
        expect(created.outs.taskStates.hello.status).to.equal("success");
        expect(fake.count("SendCommand")).to.equal(1);
    });
});
