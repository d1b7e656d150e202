import { expect } from "chai";
import { clusterConfig } from "../../helpers/clusterConfig";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { ClusterConfig } from "../../../components/config";
import type { ReservationInfo } from "../../../components/reservation";
import type { GpuNodeGroupArgs } from "../../../components/cluster/gpuNodeGroup";
import { GpuNodeGroup } from "../../../components/cluster/gpuNodeGroup";
import { clusterNameError, computeMinCountError } from "../../../components/cluster/validation";
import type { RecordedResource } from "../../helpers/pcsMocks";
import { PcsMocks, underMocks, valueOf } from "../../helpers/pcsMocks";

const T = {
    nodeGroup: "aws-native:pcs:ComputeNodeGroup",
    queue: "aws-native:pcs:Queue",
    cluster: "aws-native:pcs:Cluster",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    subnet: "aws:ec2/subnet:Subnet",
};

const block = (over: Partial<{ state: string; az: string }> = {}): ReservationInfo => ({
    id: pulumi.output("cr-0123456789abcdef0"),
    availabilityZone: pulumi.output(over.az ?? "us-east-2c"),
    instanceType: "p5.48xlarge",
    instanceCount: 2,
    startDate: pulumi.output("2026-11-24T11:30:00.000Z"),
    endDate: pulumi.output("2026-11-25T11:30:00.000Z"),
    state: pulumi.output(over.state ?? "scheduled"),
    source: "bought",
    launchable: over.state === "active",
});

const args = (over: Partial<GpuNodeGroupArgs> = {}): GpuNodeGroupArgs => ({
    cluster: clusterConfig({ computeMinCount: 1 }),
    reservation: block(),
    instanceType: "p5.48xlarge",
    instanceCount: 2,
    region: "us-east-2",
    tags: { team: "ml" },
    ...over,
});

const onDemand: Partial<GpuNodeGroupArgs> = {
    reservation: undefined,
    instanceType: "g6e.2xlarge",
    instanceCount: 4,
    cluster: clusterConfig(),
};
const publicLogin = (sharedStorage: ClusterConfig["sharedStorage"]): Partial<GpuNodeGroupArgs> => ({
    cluster: clusterConfig({ sharedStorage, loginPublic: true }),
});

// Each scenario is built once (a build registers ~40 mocked resources) and shared by the tests that read it.
const built = new Map<string, Promise<{ mocks: PcsMocks; group: GpuNodeGroup }>>();
function build(scenario = "block", over: Partial<GpuNodeGroupArgs> = {}) {
    if (!built.has(scenario)) {
        const mocks = new PcsMocks();
        built.set(scenario, underMocks(mocks, () => new GpuNodeGroup("gpu", args(over))).then((group) => ({ mocks, group })));
    }
    return built.get(scenario)!;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const queueInputs = (b: { mocks: PcsMocks }): any => b.mocks.one(T.queue, "gpu-queue").inputs;
const decode = (lt: RecordedResource): string => Buffer.from(lt.inputs.userData, "base64").toString("utf8");

describe("GpuNodeGroup (PCS)", () => {
    // PCS guide "Configure an AWS PCS compute node group to use a Capacity Block".
    it("runs the compute group on the block: CAPACITY_BLOCK, block market type and reservation id, the block's type", async () => {
        const { mocks } = await build();
        const compute = mocks.one(T.nodeGroup, "gpu-compute");
        expect(compute.inputs.purchaseOption).to.equal("CAPACITY_BLOCK");
        expect(compute.inputs.scalingConfiguration).to.deep.equal({ minInstanceCount: 1, maxInstanceCount: 2 });
        expect(compute.inputs.instanceConfigs).to.deep.equal([{ instanceType: "p5.48xlarge" }]);
        const lt = mocks.one(T.lt, "gpu-compute");
        expect(lt.inputs.instanceMarketOptions).to.deep.equal({ marketType: "capacity-block" });
        expect(lt.inputs.capacityReservationSpecification.capacityReservationTarget.capacityReservationId).to.equal(
            "cr-0123456789abcdef0",
        );
        expect(lt.inputs.instanceType).to.equal("p5.48xlarge");
        expect(compute.inputs.customLaunchTemplate).to.deep.equal({ templateId: lt.id, version: "1" });
    });

    it("runs on demand without a block: ONDEMAND and no block settings on the template", async () => {
        const { mocks } = await build("onDemand", onDemand);
        const compute = mocks.one(T.nodeGroup, "gpu-compute");
        expect(compute.inputs.purchaseOption).to.equal("ONDEMAND");
        expect(compute.inputs.scalingConfiguration.maxInstanceCount).to.equal(4);
        const lt = mocks.one(T.lt, "gpu-compute");
        expect(lt.inputs).to.not.have.property("instanceMarketOptions");
        expect(lt.inputs).to.not.have.property("capacityReservationSpecification");
        // No block AZ to honour: the region's first available AZ, then the next one.
        expect(mocks.one(T.subnet, "gpu-net-private-0").inputs.availabilityZone).to.equal("us-east-2a");
        expect(mocks.one(T.subnet, "gpu-net-private-1").inputs.availabilityZone).to.equal("us-east-2b");
    });

    // EFA guide + PCS guide: one EFA per card; groups on each interface, none at template level.
    it("gives p5.48xlarge compute nodes 32 EFA interfaces carrying the node security group, and IMDSv2", async () => {
        const { mocks } = await build();
        const lt = mocks.one(T.lt, "gpu-compute");
        const nodeSg = mocks.one(T.sg, "gpu-nodes").id;
        expect(lt.inputs.networkInterfaces).to.have.length(32);
        for (const nic of lt.inputs.networkInterfaces) {
            expect(nic.interfaceType).to.equal("efa");
            expect(nic.securityGroups).to.deep.equal([nodeSg]);
        }
        expect(lt.inputs).to.not.have.property("vpcSecurityGroupIds");
        expect(lt.inputs.metadataOptions.httpTokens).to.equal("required");
        expect(mocks.one(T.lt, "gpu-login").inputs.metadataOptions.httpTokens).to.equal("required");
    });

    it("puts security groups on the template itself for a type without EFA", async () => {
        const { mocks } = await build("onDemand", onDemand);
        const lt = mocks.one(T.lt, "gpu-compute");
        expect(lt.inputs).to.not.have.property("networkInterfaces");
        expect(lt.inputs.vpcSecurityGroupIds).to.deep.equal([mocks.one(T.sg, "gpu-nodes").id]);
    });

    // PCS guide "IAM instance profiles": role name starts with AWSPCS or path /aws-pcs/.
    it("gives nodes an AWSPCS role under /aws-pcs/ with PCS registration and SSM core", async () => {
        const { mocks } = await build();
        const role = mocks.one("aws:iam/role:Role", "gpu-node");
        expect(role.inputs.namePrefix).to.match(/^AWSPCS-/);
        expect(role.inputs.path).to.equal("/aws-pcs/");
        const policy = mocks.one("aws:iam/rolePolicy:RolePolicy", "gpu-pcs-register");
        expect(JSON.parse(policy.inputs.policy).Statement[0].Action).to.deep.equal(["pcs:RegisterComputeNodeGroupInstance"]);
        // Service Authorization Reference: RegisterComputeNodeGroupInstance takes the resource type cluster.
        expect(JSON.parse(policy.inputs.policy).Statement[0].Resource).to.deep.equal(["arn:aws:pcs:us-east-2:123456789012:cluster/pcs_gpucluster"]);
        expect(mocks.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).to.deep.equal(["gpu-pcs-register"]);
        expect(mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((p) => p.name)).to.deep.equal(["gpu-ssm-core"]);
        expect(mocks.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "gpu-ssm-core").inputs.policyArn).to.equal(
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        );
        const profile = mocks.one("aws:iam/instanceProfile:InstanceProfile", "gpu-node");
        expect(profile.inputs.namePrefix).to.match(/^AWSPCS-/);
        for (const group of mocks.ofType(T.nodeGroup)) {
            expect(group.inputs.iamInstanceProfileArn).to.match(/instance-profile\/aws-pcs\//);
        }
    });

    it("reads only the data buckets named, and ECR only for containers", async () => {
        const { mocks } = await build("access", { cluster: clusterConfig({ computeMinCount: 1, dataBuckets: ["training-data", "models"], containers: true }) });
        const read = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "gpu-data-read").inputs.policy);
        expect(read.Statement.map((st: { Action: string[]; Resource: string[] }) => [st.Action, st.Resource])).to.deep.equal([
            [["s3:ListBucket", "s3:GetBucketLocation"], ["arn:aws:s3:::training-data", "arn:aws:s3:::models"]],
            [["s3:GetObject", "s3:GetObjectVersion"], ["arn:aws:s3:::training-data/*", "arn:aws:s3:::models/*"]],
        ]);
        expect(mocks.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "gpu-ecr-read").inputs.policyArn).to.equal(
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        );
        // Docker's bridge network is a second hop to IMDS; Enroot needs only one (checkov CKV_AWS_341 otherwise).
        for (const lt of mocks.ofType(T.lt)) expect(lt.inputs.metadataOptions.httpPutResponseHopLimit).to.equal(2);
        expect(decode(mocks.one(T.lt, "gpu-compute"))).to.contain("spank_pyxis.so");
    });

    it("gives each job whole nodes through the queue's Slurm settings, unless exclusiveNodes is off", async () => {
        expect(queueInputs(await build()).slurmConfiguration).to.deep.equal({ slurmCustomSettings: [{ parameterName: "OverSubscribe", parameterValue: "EXCLUSIVE" }] });
        const shared = await build("shared-nodes", { cluster: clusterConfig({ computeMinCount: 1, exclusiveNodes: false }) });
        expect(queueInputs(shared)).to.not.have.property("slurmConfiguration");
    });

    it("answers IMDS one hop away without containers", async () => {
        const { mocks } = await build();
        for (const lt of mocks.ofType(T.lt)) expect(lt.inputs.metadataOptions.httpPutResponseHopLimit).to.equal(1);
    });

    it("builds a VPC whose compute subnet is in the block's AZ, with a second AZ for the other subnets", async () => {
        const { mocks, group } = await build();
        const computeSubnet = mocks.one(T.subnet, "gpu-net-private-0");
        expect(computeSubnet.inputs.availabilityZone).to.equal("us-east-2c");
        expect(mocks.one(T.subnet, "gpu-net-private-1").inputs.availabilityZone).to.equal("us-east-2a");
        expect(mocks.one(T.nodeGroup, "gpu-compute").inputs.subnetIds).to.deep.equal([computeSubnet.id]);
        expect(mocks.one(T.cluster, "gpu-cluster").inputs.networking.subnetIds).to.deep.equal([computeSubnet.id]);
        expect(await valueOf(group.network.computeSubnetId)).to.equal(computeSubnet.id);
        expect(mocks.ofType("aws:ec2/natGateway:NatGateway")).to.have.length(1);
    });

    it("sets up the PCS cluster with the configured Slurm version and size", async () => {
        const { mocks } = await build();
        const cluster = mocks.one(T.cluster, "gpu-cluster");
        expect(cluster.inputs.scheduler).to.deep.equal({ type: "SLURM", version: "25.05" });
        expect(cluster.inputs.size).to.equal("SMALL");
        expect(cluster.inputs.name).to.equal("capblocks-dev");
        expect(cluster.inputs.networking.securityGroupIds).to.deep.equal([mocks.one(T.sg, "gpu-nodes").id]);
    });

    for (const sharedStorage of ["efs", "fsx-lustre", "none"] as const) {
        it(`opens no security group to the internet (storage ${sharedStorage}, public login)`, async () => {
            const { mocks } = await build(`public-${sharedStorage}`, publicLogin(sharedStorage));
            const ingress = mocks.ofType(T.sg).flatMap((sg) => sg.inputs.ingress ?? []);
            expect(ingress.length).to.be.greaterThan(0);
            for (const rule of ingress) {
                expect(rule.cidrBlocks ?? []).to.not.include("0.0.0.0/0");
                expect(rule.ipv6CidrBlocks ?? []).to.not.include("::/0");
            }
            const looseRules = mocks.resources.filter((r) => /SecurityGroup(Ingress)?Rule$/.test(r.type));
            expect(looseRules).to.deep.equal([]);
        });
    }

    it("admits storage traffic only from the node group: NFS for EFS, 988 and 1018-1023 for Lustre", async () => {
        const efs = (await build()).mocks;
        const nodeSg = efs.one(T.sg, "gpu-nodes").id;
        expect(efs.one(T.sg, "gpu-storage").inputs.ingress.map((r: { fromPort: number; toPort: number; securityGroups: string[] }) =>
            [r.fromPort, r.toPort, r.securityGroups])).to.deep.equal([[2049, 2049, [nodeSg]]]);
        const fsx = (await build("public-fsx-lustre", publicLogin("fsx-lustre"))).mocks;
        const ports = fsx.one(T.sg, "gpu-storage").inputs.ingress.map((r: { fromPort: number; toPort: number }) => [r.fromPort, r.toPort]);
        expect(ports).to.deep.equal([[988, 988], [1018, 1023]]);
    });

    it("keeps the login group out of every queue: one on-demand instance in a private subnet", async () => {
        const { mocks } = await build();
        const login = mocks.one(T.nodeGroup, "gpu-login");
        const compute = mocks.one(T.nodeGroup, "gpu-compute");
        expect(login.inputs.purchaseOption).to.equal("ONDEMAND");
        expect(login.inputs.scalingConfiguration).to.deep.equal({ minInstanceCount: 1, maxInstanceCount: 1 });
        expect(login.inputs.subnetIds).to.deep.equal([mocks.one(T.subnet, "gpu-net-private-0").id]);
        const queues = mocks.ofType(T.queue);
        expect(queues).to.have.length(1);
        expect(queues[0].inputs.computeNodeGroupConfigurations).to.deep.equal([{ computeNodeGroupId: "pcs_gpucompute" }]);
        expect(queues[0].inputs.clusterId).to.equal("pcs_gpucluster");
        expect(compute.inputs.clusterId).to.equal("pcs_gpucluster");
    });

    it("puts the login node in a public subnet only when loginPublic is set, with a public IP on its own interface", async () => {
        const { mocks } = await build("public-efs", publicLogin("efs"));
        const publicSubnet = mocks.one(T.subnet, "gpu-net-public-0");
        expect(mocks.one(T.nodeGroup, "gpu-login").inputs.subnetIds).to.deep.equal([publicSubnet.id]);
        const lt = mocks.one(T.lt, "gpu-login");
        expect(lt.inputs.networkInterfaces).to.deep.equal([{
            deviceIndex: 0, associatePublicIpAddress: "true", securityGroups: [mocks.one(T.sg, "gpu-nodes").id], subnetId: publicSubnet.id, deleteOnTermination: "true",
        }]);
        expect(lt.inputs).to.not.have.property("vpcSecurityGroupIds");
        // Subnets give no public IPs (checkov CKV_AWS_130): only the NAT's Elastic IP and this interface.
        for (const subnet of mocks.ofType(T.subnet)) expect(subnet.inputs.mapPublicIpOnLaunch ?? false).to.equal(false);
        const privateLogin = (await build()).mocks.one(T.lt, "gpu-login");
        expect(privateLogin.inputs).to.not.have.property("networkInterfaces");
        expect(privateLogin.inputs.vpcSecurityGroupIds).to.have.length(1);
    });

    // PCS guide "Working with Amazon EC2 user data": MIME multipart.
    it("gives every node MIME multipart user data that mounts encrypted EFS at /shared", async () => {
        const { mocks } = await build();
        expect(mocks.one("aws:efs/fileSystem:FileSystem", "gpu-shared").inputs.encrypted).to.equal(true);
        expect(mocks.ofType("aws:efs/mountTarget:MountTarget")).to.have.length(2);
        for (const lt of mocks.ofType(T.lt)) {
            const text = decode(lt);
            expect(text).to.match(/^Content-Type: multipart\/mixed; boundary=/);
            expect(text).to.contain("10.0.16.5:/ /shared nfs4");
        }
    });

    it("mounts FSx for Lustre at /fsx when chosen", async () => {
        const { mocks } = await build("public-fsx-lustre", publicLogin("fsx-lustre"));
        const fsx = mocks.one("aws:fsx/lustreFileSystem:LustreFileSystem", "gpu-fsx");
        expect(fsx.inputs.storageCapacity).to.be.at.least(1200);
        expect(decode(mocks.one(T.lt, "gpu-compute"))).to.contain("fs-0abc.fsx.us-east-2.amazonaws.com@tcp:/abcd1234 /fsx lustre");
        expect(mocks.ofType("aws:efs/fileSystem:FileSystem")).to.deep.equal([]);
    });

    it("links FSx for Lustre to S3 with data repository associations when asked", async () => {
        const { mocks } = await build("lustre-s3", {
            cluster: clusterConfig({ sharedStorage: "fsx-lustre", lustreImportPath: "s3://data/imagenet", lustreExportPath: "s3://results/run1/" }),
        });
        const dras = mocks.ofType("aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation");
        expect(dras.map((d) => [d.name, d.inputs.fileSystemId, d.inputs.fileSystemPath, d.inputs.dataRepositoryPath, d.inputs.s3])).to.deep.equal([
            ["gpu-fsx-data", "gpu-fsx-id", "/data", "s3://data/imagenet/", { autoImportPolicy: { events: ["NEW", "CHANGED", "DELETED"] } }],
            ["gpu-fsx-results", "gpu-fsx-id", "/results", "s3://results/run1/", { autoExportPolicy: { events: ["NEW", "CHANGED", "DELETED"] } }],
        ]);
        expect(dras[0].inputs.batchImportMetaDataOnCreate).to.equal(true);
        expect((await build()).mocks.ofType("aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation")).to.deep.equal([]);
    });

    it("creates no file system or storage group with storage none, and user data that only puts Slurm on PATH", async () => {
        const { mocks, group } = await build("public-none", publicLogin("none"));
        expect(mocks.resources.filter((r) => r.type.startsWith("aws:efs/") || r.type.startsWith("aws:fsx/"))).to.deep.equal([]);
        expect(mocks.ofType(T.sg).map((sg) => sg.name)).to.deep.equal(["gpu-nodes"]);
        for (const lt of mocks.ofType(T.lt)) {
            const text = decode(lt);
            expect(text).to.contain("PATH=/opt/aws/pcs/scheduler/slurm-25.05/bin:$PATH");
            expect(text).to.not.contain("mount");
        }
        expect(await valueOf(group.sharedStorageId)).to.equal("");
    });

    it("boots the PCS-ready DLAMI from its SSM parameter unless amiId is set", async () => {
        const { mocks } = await build();
        expect(mocks.invokes).to.include("aws:ssm/getParameter:getParameter");
        expect(mocks.one(T.nodeGroup, "gpu-compute").inputs.amiId).to.equal("ami-0pcsready");
        const custom = (await build("customAmi", { cluster: clusterConfig({ amiId: "ami-0custom" }) })).mocks;
        expect(custom.invokes).to.not.include("aws:ssm/getParameter:getParameter");
        expect(custom.one(T.nodeGroup, "gpu-login").inputs.amiId).to.equal("ami-0custom");
    });

    it("exports the ids, the VPC, console links, the node role, an SSM connect command by PCS tag, and the ParallelCluster config", async () => {
        const { group, mocks } = await build();
        expect(await valueOf(group.clusterId)).to.equal("pcs_gpucluster");
        expect(await valueOf(group.queueName)).to.equal("compute");
        expect(await valueOf(group.sharedStorageId)).to.equal("gpu-shared-id");
        expect(await valueOf(group.vpcId)).to.equal(mocks.one("aws:ec2/vpc:Vpc", "gpu-net-vpc").id);
        expect(await valueOf(group.consoleUrl)).to.equal("https://us-east-2.console.aws.amazon.com/pcs/home?region=us-east-2#/clusters/pcs_gpucluster");
        expect(await valueOf(group.instancesConsoleUrl)).to.match(/#Instances:tag:capblocks:cluster=capblocks-dev$/);
        expect(await valueOf(group.nodeRoleArn)).to.equal("arn:aws:iam::123456789012:role/aws-pcs/gpu-node");
        const command = await valueOf(group.loginCommand);
        expect(command).to.contain("Name=tag:aws:pcs:compute-node-group-id,Values=pcs_gpulogin");
        expect(command).to.match(/^sh -c 'id=\$\(aws ec2 describe-instances --region us-east-2 /);
        expect(command).to.contain("exec aws ssm start-session --region us-east-2 --target");
        const pc = parse(await valueOf(group.parallelClusterConfig));
        const queue = pc.Scheduling.SlurmQueues[0];
        expect(queue.CapacityType).to.equal("CAPACITY_BLOCK");
        expect(queue.Networking.SubnetIds).to.deep.equal([mocks.one(T.subnet, "gpu-net-private-0").id]);
        expect(queue.ComputeResources[0]).to.include({ MinCount: 2, MaxCount: 2 });
        expect(pc.HeadNode.Ssh.AllowedIps).to.equal("10.0.0.0/16");
    });

    it("refuses settings PCS would reject before creating anything, listing every problem", async () => {
        const mocks = new PcsMocks();
        let error: Error | undefined;
        await underMocks(mocks, () => {
            try {
                new GpuNodeGroup("gpu", args({ cluster: clusterConfig({ computeMinCount: 3, name: "x" }) }));
            } catch (e) {
                error = e as Error;
            }
        });
        expect(error).to.be.instanceOf(pulumi.RunError);
        expect(error?.message).to.equal(`invalid cluster settings:
  ${clusterNameError("x")}
  ${computeMinCountError(3, 2)}`);
        expect(mocks.resources).to.deep.equal([]);
    });
});
