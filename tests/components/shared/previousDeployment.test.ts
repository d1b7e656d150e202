import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { previousDeployment } from "../../../components/shared/previousDeployment";

/** Mocks that answer the StackReference read with `outputs`, counting the reads and the stack names asked for. */
async function mocksWith(outputs: Record<string, unknown>): Promise<string[]> {
    const names: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                if (args.type === "pulumi:pulumi:StackReference") names.push(String(args.inputs.name));
                return { id: `${args.name}-id`, state: { ...args.inputs, outputs, secretOutputNames: [] } };
            },
            call: () => ({}),
        },
        "capblocks",
        "dev",
        false,
        "organization",
    );
    return names;
}

describe("the last deployment's outputs", () => {
    it("are read from this stack, by its fully qualified name", async () => {
        const names = await mocksWith({ workVolumeId: "vol-0aaa", instanceId: "" });
        const last = previousDeployment();
        expect(await last.output("workVolumeId")).to.equal("vol-0aaa");
        expect(names).to.deep.equal(["organization/capblocks/dev"]);
    });

    it("read an empty, missing or non-string output as undefined (a first `up` has none); the raw value is there for others", async () => {
        await mocksWith({ instanceId: "", count: 3 });
        const last = previousDeployment();
        expect(await Promise.all(["instanceId", "count", "workVolumeId"].map((name) => last.output(name)))).to.deep.equal([undefined, undefined, undefined]);
        expect(await last.value("count")).to.equal(3);
    });

    it("come from one StackReference per run, however many parts of the program ask", async () => {
        const names = await mocksWith({ workVolumeId: "vol-0aaa" });
        const [first, second] = [previousDeployment(), previousDeployment()];
        expect(first).to.equal(second);
        await first.output("workVolumeId");
        expect(names).to.have.length(1);
    });
});
