/**
 * The cluster on its block, under the offline mocks as `pulumi up` would run index.ts: how the block's instances
 * are shared with code-server (a block that leaves the cluster no node stops the run, adopted blocks too), the one
 * warning for a type the catalog does not know, and a Trainium cluster booting the image capblocks builds.
 */
import { expect } from "chai";
import { ConfigError } from "../../components/config";
import type { BlockFacts, RecordedResource } from "../../scripts/offlineMocks";
import { activeBlock, ofType, runProgram } from "../helpers/mocks";
import type { PlannedChange } from "../helpers/replacements";
import { changeOf, emptyingReplacements, plannedChanges, replacementsIn } from "../helpers/replacements";

const ADOPTED = "cr-0adadadadadadada1";
const adoptStack = (cluster: Record<string, unknown>, codeServer: Record<string, unknown> = {}) => ({
    "capblocks:reservation": { id: ADOPTED, instanceType: "p5.48xlarge" },
    "capblocks:codeServer": codeServer,
    "capblocks:cluster": { enabled: true, ...cluster },
});
const adopted = (instanceCount: number, instanceType = "p5.48xlarge") =>
    ({ block: activeBlock({ id: ADOPTED, instanceType, instanceCount }) });

describe("the cluster's share of its block", () => {
    it("stops an adopted one-instance block shared with code-server before anything is created", async () => {
        const { error, run } = await runProgram(adoptStack({}), adopted(1));
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).problems).to.deep.equal([
            `capblocks:cluster.enabled: the adopted block ${ADOPTED} has 1 instance(s) and code-server takes one, leaving none for the ` +
                "cluster; adopt a block with more instances, or disable code-server (capblocks:codeServer.enabled: false)",
        ]);
        expect(run.resources.map((r) => r.type)).to.not.include("aws:ec2/instance:Instance");
        expect(run.resources.filter((r) => r.type.startsWith("aws-native:pcs:"))).to.deep.equal([]);
    });

    it("says how an adopted block is shared, in an output and a message", async () => {
        const { error, outputs, messages, run } = await runProgram(adoptStack({}), adopted(3));
        expect(error, error?.stack).to.equal(undefined);
        expect(outputs?.clusterCapacity).to.equal("code-server uses 1 of 3 instances; the cluster gets 2");
        expect(messages).to.include("capblocks:cluster: code-server uses 1 of 3 instances; the cluster gets 2");
        const compute = ofType(run, "aws-native:pcs:ComputeNodeGroup").find((g) => g.name === "cluster-compute");
        expect(compute?.inputs.scalingConfiguration).to.deep.equal({ minInstanceCount: 0, maxInstanceCount: 2 });
    });

    it("gives the cluster the whole block when code-server is off", async () => {
        const { outputs } = await runProgram(adoptStack({ shareBlockWithCodeServer: false }, { enabled: false }), adopted(1));
        expect(outputs?.clusterCapacity).to.equal("the cluster gets all 1 instance of the block");
    });
});

describe("a type the catalog does not know", () => {
    it("warns once, naming the settings of this stack that override the guesses", async () => {
        const stack = {
            "capblocks:reservation": { id: ADOPTED, instanceType: "p7.48xlarge" },
            "capblocks:cluster": { enabled: true, efaInterfaces: 8 },
        };
        const { error, warnings, run } = await runProgram(stack, adopted(3, "p7.48xlarge"));
        expect(error, error?.stack).to.equal(undefined);
        const catalog = warnings.filter((w) => w.includes("not in capblocks' catalog"));
        expect(catalog).to.have.length(1);
        expect(catalog[0]).to.include(
            "set capblocks:cluster.efaInterfaces, capblocks:cluster.amiId, capblocks:codeServer.amiId, capblocks:codeServer.volumeSizeGb;",
        );
        const compute = ofType(run, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name === "cluster-compute");
        expect(compute?.inputs.networkInterfaces).to.have.length(8);
    });
});

describe("a Trainium cluster", () => {
    it("boots both node groups from the image it builds with the Neuron driver", async () => {
        const stack = {
            "capblocks:reservation": { id: ADOPTED, instanceType: "trn2.48xlarge" },
            "capblocks:codeServer": { enabled: false },
            "capblocks:cluster": { enabled: true },
        };
        const { error, run } = await runProgram(stack, adopted(2, "trn2.48xlarge"));
        expect(error, error?.stack).to.equal(undefined);
        const [image] = ofType(run, "aws:imagebuilder/image:Image");
        expect(image.name).to.equal("cluster-image-build");
        const groups = ofType(run, "aws-native:pcs:ComputeNodeGroup");
        expect(groups).to.have.length(2);
        for (const group of groups) expect(group.inputs.amiId).to.match(/^ami-[0-9a-f]{17}$/).and.not.equal("ami-0example000000001");
    });
});

describe("the Trainium cluster's image across later runs (replacement rules, docs/replacements.md)", () => {
    const PARAMETER = "/capacity-block/sa-east-1/reservation-id";
    const trnIn = (availabilityZone: string, id: string) => activeBlock({ id, availabilityZone, instanceType: "trn2.48xlarge", instanceCount: 2 });
    const stack = (image: Record<string, unknown> = {}) => ({
        "capblocks:reservation": { parameterName: PARAMETER, instanceType: "trn2.48xlarge" },
        "capblocks:codeServer": { enabled: false },
        "capblocks:cluster": { enabled: true, image },
    });
    const imageChanges = (changes: PlannedChange[]) =>
        changes.filter((c) => c.type.startsWith("aws:imagebuilder/") && c.op !== "same").map((c) => `${c.name} ${c.op}`).sort();

    async function twoRuns(first: { image?: Record<string, unknown>; block: BlockFacts }, second: { image?: Record<string, unknown>; block: BlockFacts }) {
        const a = await runProgram(stack(first.image), { parameters: { [PARAMETER]: first.block.id }, block: first.block });
        const home = a.run.resources.find((r) => r.name === "cluster-net-private-0") as RecordedResource;
        const b = await runProgram(stack(second.image), {
            parameters: { [PARAMETER]: second.block.id },
            block: second.block,
            subnetsByName: { "cluster-net-private-0": { id: home.id as string, availabilityZone: home.inputs.availabilityZone as string } },
        });
        expect([a.error, b.error]).to.deep.equal([undefined, undefined]);
        return plannedChanges(a.run, b.run);
    }

    it("is not built again when the next block is in another AZ (the build runs in the home subnet)", async () => {
        const changes = await twoRuns({ block: trnIn("sa-east-1a", "cr-0aaaaaaaaaaaaaaa2") }, { block: trnIn("sa-east-1c", "cr-0ccccccccccccccc2") });
        expect(imageChanges(changes)).to.deep.equal([]);
    });

    it("is built again, new components and recipe first, when packages are added", async () => {
        const block = trnIn("sa-east-1a", "cr-0aaaaaaaaaaaaaaa2");
        const changes = await twoRuns({ block }, { block, image: { packages: ["htop"] } });
        expect(imageChanges(changes)).to.deep.equal(["cluster-image-build replace", "cluster-image-packages create", "cluster-image-recipe replace"]);
        for (const c of replacementsIn(changes)) expect(c.deleteBeforeReplace, c.name).to.equal(false);
        expect(changeOf(changes, "cluster-image-recipe").because).to.include("name");
        expect(emptyingReplacements(changes)).to.deep.equal([]);
    });
});
