import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { GpuNodeGroupArgs } from "../../../components/cluster/gpuNodeGroup";
import { GpuNodeGroup } from "../../../components/cluster/gpuNodeGroup";
import { recipeName } from "../../../components/cluster/nodeImage";
import { NEURON_COMPONENT } from "../../../components/cluster/imageComponents";
import { componentDocument } from "../../../components/shared/imageDocument";
import type { ClusterConfig, NodeImageConfig } from "../../../components/config";
import type { ReservationInfo } from "../../../components/reservation";
import { clusterConfig } from "../../helpers/clusterConfig";
import { PcsMocks, underMocks, valueOf } from "../../helpers/pcsMocks";

const T = {
    component: "aws:imagebuilder/component:Component",
    recipe: "aws:imagebuilder/imageRecipe:ImageRecipe",
    infrastructure: "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration",
    distribution: "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
    image: "aws:imagebuilder/image:Image",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    nodeGroup: "aws-native:pcs:ComputeNodeGroup",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    subnet: "aws:ec2/subnet:Subnet",
    sg: "aws:ec2/securityGroup:SecurityGroup",
};

const image = (over: Partial<NodeImageConfig> = {}): NodeImageConfig => ({
    build: true, packages: [], components: [], buildInstanceType: "m7i.large", generation: 1, ...over,
});

const block = (instanceType: string): ReservationInfo => ({
    id: pulumi.output("cr-0123456789abcdef0"),
    availabilityZone: pulumi.output("us-east-2b"),
    instanceType,
    instanceCount: 2,
    startDate: pulumi.output("2026-11-24T11:30:00.000Z"),
    endDate: pulumi.output("2026-11-25T11:30:00.000Z"),
    state: pulumi.output("scheduled"),
    source: "bought",
    launchable: false,
});

const args = (instanceType: string, cluster: Partial<ClusterConfig>): GpuNodeGroupArgs => ({
    cluster: clusterConfig({ name: "trn-train", ...cluster }),
    reservation: block(instanceType),
    instanceType,
    instanceCount: 2,
    region: "us-east-2",
    tags: { team: "ml" },
});

const built = new Map<string, Promise<{ mocks: PcsMocks; group: GpuNodeGroup }>>();
function build(scenario: string, groupArgs: GpuNodeGroupArgs) {
    if (!built.has(scenario)) {
        const mocks = new PcsMocks({ pcsAmiId: "ami-0pcsready" });
        built.set(scenario, underMocks(mocks, () => new GpuNodeGroup("gpu", groupArgs)).then((group) => ({ mocks, group })));
    }
    return built.get(scenario)!;
}
const trn = () => build("trn2", args("trn2.48xlarge", { image: image() }));

describe("the node image (EC2 Image Builder)", () => {
    it("builds a Trainium cluster's image from the PCS-ready DLAMI with the Neuron component, and both node groups boot it", async () => {
        const { mocks } = await trn();
        const components = mocks.ofType(T.component);
        expect(components.map((c) => c.name)).to.deep.equal(["gpu-image-neuron"]);
        expect(components[0].inputs).to.include({ platform: "Linux", version: "1.0.0", data: componentDocument(NEURON_COMPONENT) });
        expect(components[0].inputs.supportedOsVersions).to.deep.equal(["Ubuntu 24"]);
        // The parent is resolved when the image is built (Image Builder accepts ssm:<parameter>).
        const recipe = mocks.one(T.recipe, "gpu-image-recipe");
        expect(recipe.inputs.parentImage).to.equal("ssm:/aws/service/pcs/ami/dlami-base-ubuntu2404/x86_64/latest/ami-id");
        expect(recipe.inputs.components).to.deep.equal([{ componentArn: "arn:aws:imagebuilder:us-east-2:123456789012:component/gpu-image-neuron" }]);
        for (const group of mocks.ofType(T.nodeGroup)) expect(group.inputs.amiId, group.name).to.equal("ami-0built");
        const image = mocks.one(T.image, "gpu-image-build");
        expect(image.inputs.imageTestsConfiguration).to.deep.equal({ imageTestsEnabled: true, timeoutMinutes: 90 });
    });

    it("builds on a cheap x86_64 instance in the cluster's home subnet and node group, IMDSv2, terminated on failure", async () => {
        const { mocks } = await trn();
        const infrastructure = mocks.one(T.infrastructure, "gpu-image-infrastructure");
        expect(infrastructure.inputs.instanceTypes).to.deep.equal(["m7i.large"]);
        expect(infrastructure.inputs.subnetId).to.equal(mocks.one(T.subnet, "gpu-net-private-0").id);
        expect(infrastructure.inputs.securityGroupIds).to.deep.equal([mocks.one(T.sg, "gpu-nodes").id]);
        expect(infrastructure.inputs).to.include({ terminateInstanceOnFailure: true });
        expect(infrastructure.inputs.instanceMetadataOptions).to.deep.equal({ httpTokens: "required", httpPutResponseHopLimit: 2 });
        expect(infrastructure.inputs.instanceProfileName).to.equal("gpu-image-builder");
    });

    // Image Builder user guide, prerequisites: the build instance's profile needs both managed policies.
    it("gives the build instance EC2InstanceProfileForImageBuilder and AmazonSSMManagedInstanceCore", async () => {
        const { mocks } = await trn();
        const policies = mocks.ofType(T.attachment).filter((a) => a.name.startsWith("gpu-image-")).map((a) => a.inputs.policyArn).sort();
        expect(policies).to.deep.equal([
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            "arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder",
        ]);
    });

    it("names the AMI after the cluster and the build date, tagged as the stack's", async () => {
        const { mocks } = await trn();
        const [distribution] = mocks.one(T.distribution, "gpu-image-distribution").inputs.distributions;
        expect(distribution.region).to.equal("us-east-2");
        expect(distribution.amiDistributionConfiguration.name).to.equal("trn-train-node-{{ imagebuilder:buildDate }}");
        expect(distribution.amiDistributionConfiguration.amiTags).to.include({ team: "ml", "capblocks:image": "trn-train" });
    });

    it("tells ParallelCluster users how to build the same image, and never sets the PCS image as Image.CustomAmi", async () => {
        const { group } = await trn();
        const text = await valueOf(group.parallelClusterConfig);
        expect(text).to.match(/^# The PCS nodes boot an image capblocks built with EC2 Image Builder: the PCS-ready DLAMI plus the\n/);
        expect(text).to.include("pcluster build-image");
        expect(text).to.include("#   arn:aws:imagebuilder:us-east-2:123456789012:component/gpu-image-neuron");
        const config = parse(text) as { Image: Record<string, unknown>; Scheduling: { SlurmQueues: { ComputeResources: { Efa?: unknown }[] }[] } };
        expect(config.Image).to.deep.equal({ Os: "ubuntu2404" });
        expect(config.Scheduling.SlurmQueues[0].ComputeResources[0].Efa).to.deep.equal({ Enabled: true });
    });

    it("boots your own image instead, and builds nothing, when cluster.amiId is set", async () => {
        const { mocks, group } = await build("own", args("trn2.48xlarge", { amiId: "ami-0mine", image: image({ build: false }) }));
        expect(mocks.ofType(T.image)).to.deep.equal([]);
        for (const nodes of mocks.ofType(T.nodeGroup)) expect(nodes.inputs.amiId).to.equal("ami-0mine");
        expect(await valueOf(group.parallelClusterConfig)).to.match(/^# The PCS nodes boot your own image \(capblocks:cluster\.amiId\)/);
    });

    it("boots the PCS-ready DLAMI with no build for an NVIDIA type by default", async () => {
        const { mocks, group } = await build("p5", args("p5.48xlarge", { image: image({ build: false }) }));
        expect(mocks.resources.filter((r) => r.type.startsWith("aws:imagebuilder/"))).to.deep.equal([]);
        for (const nodes of mocks.ofType(T.nodeGroup)) expect(nodes.inputs.amiId).to.equal("ami-0pcsready");
        expect(await valueOf(group.parallelClusterConfig)).to.not.include("#");
    });

    it("installs the asked-for packages on an NVIDIA image, with no Neuron component", async () => {
        const { mocks } = await build("p5-extras", args("p5.48xlarge", { image: image({ packages: ["htop"] }) }));
        expect(mocks.ofType(T.component).map((c) => c.name)).to.deep.equal(["gpu-image-packages"]);
        expect(mocks.ofType(T.component)[0].inputs.data).to.include("apt_get install 'htop'");
    });

    // Components and recipes are immutable: a change must get a new name, so the new one exists before the old goes.
    it("renames the recipe when what the image is built from changes, and only then", () => {
        const documents = [componentDocument(NEURON_COMPONENT)];
        const name = recipeName("trn-train", image(), documents, true);
        expect(name).to.match(/^trn-train-node-[0-9a-f]{10}$/);
        expect(recipeName("trn-train", image(), documents, true)).to.equal(name);
        expect(recipeName("trn-train", image({ generation: 2 }), documents, true)).to.not.equal(name);
        expect(recipeName("trn-train", image({ components: ["arn:aws:imagebuilder:us-east-2:aws:component/x/1.0.0"] }), documents, true)).to.not.equal(name);
        expect(recipeName("trn-train", image(), [...documents, "more"], true)).to.not.equal(name);
        // The build instance type is the infrastructure's, updated in place: no new image for it.
        expect(recipeName("trn-train", image({ buildInstanceType: "c7i.large" }), documents, true)).to.equal(name);
    });
});

describe("EFA on a type the catalog does not know (capblocks:cluster.efaInterfaces)", () => {
    it("gives the compute template the asked-for EFA interfaces and enables EFA in the ParallelCluster config", async () => {
        const { mocks, group } = await build("p7", args("p7.48xlarge", { efaInterfaces: { count: 4, firstCard: 1 } }));
        const nics = mocks.one(T.lt, "gpu-compute").inputs.networkInterfaces as { networkCardIndex: number; interfaceType: string }[];
        expect(nics.map((n) => [n.networkCardIndex, n.interfaceType])).to.deep.equal([[0, "interface"], [1, "efa"], [2, "efa"], [3, "efa"], [4, "efa"]]);
        const config = parse(await valueOf(group.parallelClusterConfig)) as { Scheduling: { SlurmQueues: { ComputeResources: { Efa?: unknown }[] }[] } };
        expect(config.Scheduling.SlurmQueues[0].ComputeResources[0].Efa).to.deep.equal({ Enabled: true });
    });
});
