import { expect } from "chai";
import { acceleratorsPerInstance, instanceFacts, unknownTypeWarning, NEURON_AMI_PARAMETER, NVIDIA_AMI_PARAMETER } from "../../../components/shared/catalog";

describe("catalog", () => {
    it("knows Trainium is neuron and block-eligible, with the Neuron DLAMI", () => {
        const f = instanceFacts("trn2.3xlarge");
        expect(f).to.include({ accelerator: "neuron", blockEligible: true, known: true });
        expect(f.amiParameter).to.equal(NEURON_AMI_PARAMETER);
    });

    // EC2 user guide "Elastic Fabric Adapter": one EFA interface per network card; "Network cards" gives the counts.
    it("gives the network-card counts EFA layouts are built from", () => {
        expect(instanceFacts("p5.48xlarge").networkCards).to.equal(32);
        expect(instanceFacts("p5en.48xlarge").networkCards).to.equal(16);
        expect(instanceFacts("trn2.48xlarge").networkCards).to.equal(16);
        expect(instanceFacts("p6-b200.48xlarge").networkCards).to.equal(8);
    });

    // The CDK projects capblocks replaces: 500 GiB for the trn2.3xlarge code-server box; 200..1000 GiB for G7e dev boxes.
    it("gives the dev box the root sizes those projects recommend, and cluster nodes their own", () => {
        expect(instanceFacts("trn2.3xlarge")).to.include({ devBoxRootVolumeGb: 500, rootVolumeGb: 300 });
        const g7e = ["2xlarge", "4xlarge", "8xlarge", "12xlarge", "24xlarge", "48xlarge"].map((size) => instanceFacts(`g7e.${size}`).devBoxRootVolumeGb);
        expect(g7e).to.deep.equal([200, 200, 300, 300, 500, 1000]);
        expect(instanceFacts("p5.48xlarge")).to.include({ devBoxRootVolumeGb: 500, rootVolumeGb: 500 });
        expect(instanceFacts("trn3.96xlarge").devBoxRootVolumeGb).to.equal(200);
    });

    it("boots NVIDIA types from the Ubuntu 24.04 base OSS NVIDIA DLAMI, like the Neuron box and the PCS nodes", () => {
        expect(NVIDIA_AMI_PARAMETER).to.equal("/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id");
        expect(instanceFacts("p5.48xlarge").amiParameter).to.equal(NVIDIA_AMI_PARAMETER);
    });

    // amazon-vpc-cni-k8s vpc_ip_resource_limit.go (generated from DescribeInstanceTypes): 17 network cards; EFA
    // devices seen on the instances: 16, so card 0 is the ENA-only primary (docs/aws-notes.md#efa-network-cards).
    it("knows p6-b300.48xlarge: a block type with 17 network cards and EFA on cards 1-16", () => {
        expect(instanceFacts("p6-b300.48xlarge")).to.include({
            known: true,
            blockEligible: true,
            accelerator: "nvidia",
            efaSupported: true,
            networkCards: 17,
            primaryCardEfa: false,
        });
        expect(instanceFacts("p5.48xlarge").primaryCardEfa).to.equal(true);
    });

    it("marks G-family types as not sold as Capacity Blocks", () => {
        expect(instanceFacts("g7e.8xlarge")).to.include({ blockEligible: false, accelerator: "nvidia", known: true });
        expect(instanceFacts("g7e.8xlarge").amiParameter).to.equal(NVIDIA_AMI_PARAMETER);
    });

    it("gives an unknown type defaults and a warning that names the settings overriding them", () => {
        const f = instanceFacts("trn3.96xlarge");
        expect(f).to.include({ known: false, accelerator: "neuron", efaSupported: false });
        const warning = unknownTypeWarning(f, ["capblocks:cluster.efaInterfaces", "capblocks:cluster.amiId"]);
        expect(warning).to.match(/^instance type trn3\.96xlarge is not in capblocks' catalog: assuming neuron accelerator, no EFA \(multi-node traffic over plain TCP\)/);
        expect(warning).to.include("set capblocks:cluster.efaInterfaces, capblocks:cluster.amiId;");
        expect(warning).to.include("aws ec2 describe-instance-types --instance-types trn3.96xlarge");
        expect(unknownTypeWarning(instanceFacts("p5.48xlarge"), [])).to.equal(undefined);
    });
});

// EC2 "Accelerated computing instance specifications": GPUs per instance; Neuron guides: Trainium chips per instance.
describe("catalog: accelerators per instance", () => {
    it("counts GPUs and Trainium chips, not NeuronCores, for the block types", () => {
        expect(acceleratorsPerInstance("p5.48xlarge")).to.equal(8);
        expect(acceleratorsPerInstance("p5.4xlarge")).to.equal(1);
        expect(acceleratorsPerInstance("p5en.48xlarge")).to.equal(8);
        expect(acceleratorsPerInstance("trn2.3xlarge")).to.equal(1);
        expect(acceleratorsPerInstance("trn2.48xlarge")).to.equal(16);
        expect(acceleratorsPerInstance("trn1.32xlarge")).to.equal(16);
    });

    it("knows every block-eligible catalog type, and says nothing of a type it does not know", () => {
        for (const type of ["p4d.24xlarge", "p4de.24xlarge", "p5e.48xlarge", "p6-b200.48xlarge", "p6-b300.48xlarge"]) {
            expect(acceleratorsPerInstance(type), type).to.be.a("number");
        }
        expect(acceleratorsPerInstance("trn3.96xlarge")).to.equal(undefined);
    });
});
