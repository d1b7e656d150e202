/**
 * GpuNodeGroup: an EC2 Capacity Block (or on-demand capacity) behind an AWS PCS (managed Slurm) queue, with a
 * login node and shared storage, plus the equivalent ParallelCluster 3 config for teams that use `pcluster`.
 *
 * PCS resources come from `@pulumi/aws-native` (`AWS::PCS::*`); everything else from `@pulumi/aws`.
 * Dependencies make `pulumi destroy` delete queue → node groups → cluster, the order PCS requires. PCS names are
 * unique within their parent, so a replacement deletes the old resource first (deleteBeforeReplace).
 */
import * as aws from "@pulumi/aws";
// The pcs submodule alone: the package root loads every AWS service (~0.25 s of program start).
import * as pcs from "@pulumi/aws-native/pcs";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config";
import type { ReservationInfo } from "../reservation";
import type { InstanceFacts } from "../shared/catalog";
import { instanceFacts } from "../shared/catalog";
import { efaLayoutOf } from "../shared/efaLayout";
import { awsPartition } from "../shared/ec2Role";
import { rootDeviceNameOf } from "../shared/launchTemplate";
import { ec2InstancesConsoleUrl, loginConnectCommand, pcsConsoleUrl } from "./access";
import { PCS_DLAMI_OS, PCS_DLAMI_PARAMETER } from "./ami";
import type { NodeIdentity } from "./iam";
import { allowNodeRegistration, nodeIdentity } from "./iam";
import { computeLaunchTemplateArgs, loginLaunchTemplateArgs } from "./launchTemplates";
import { ClusterNetwork } from "./network";
import { NodeImage } from "./nodeImage";
import { needsNeuron } from "./nodeImagePlan";
import type { NodeImageSource } from "./parallelcluster";
import { parallelClusterOs, QUEUE_NAME, renderParallelClusterConfig } from "./parallelcluster";
import { clusterSecurityGroups } from "./security";
import { queueSlurmSettings } from "./slurmSettings";
import type { ClusterStorage } from "./storage";
import { clusterStorage } from "./storage";
import type { ClusterUser, SharedMount } from "./userData";
import { nodeUserData } from "./userData";
import { blockStateProblem, clusterConfigErrors, computeInstanceTypeError, knownStateProblem } from "./validation";

const LOGIN_NODE_GROUP_NAME = "login";

export interface GpuNodeGroupArgs {
    cluster: ClusterConfig;
    /** Undefined: on demand. */
    reservation?: ReservationInfo;
    /** Compute instance type (the block's, when there is one). */
    instanceType: string;
    /** The block's size, or the cluster's on-demand maximum. */
    instanceCount: number;
    region: string;
    tags: Record<string, string>;
    /**
     * True: build only what bills nothing by the hour (deferral.ts): the network without its NAT gateway, the security
     * groups, the node role and EFS. FSx for Lustre, the node image build (it needs the NAT), the launch templates and
     * the PCS resources wait for a later run.
     */
    deferHourlyParts?: boolean;
    /** The dev box's user, created on every node with the box's uid (the box submits jobs). */
    boxUser?: ClusterUser;
}

/** What the node groups stand on, built before any PCS resource (and before the block is close). */
interface Foundation {
    tags: Record<string, string>;
    facts: InstanceFacts;
    network: ClusterNetwork;
    nodeSecurityGroupId: pulumi.Output<string>;
    storageSecurityGroupId?: pulumi.Output<string>;
    identity: NodeIdentity;
    /** Undefined while a capblocks-built image waits with the hourly parts. */
    image?: NodeImageChoice;
}

/** The image both node groups boot, and where it comes from (the ParallelCluster config says so). */
interface NodeImageChoice {
    amiId: pulumi.Output<string>;
    source: NodeImageSource;
    /** ARNs of the components capblocks built the image with; empty unless it built one. */
    componentArns: pulumi.Output<string[]>;
}

interface LaunchTemplates {
    login: aws.ec2.LaunchTemplate;
    compute: aws.ec2.LaunchTemplate;
}

interface PcsResources {
    cluster: pcs.Cluster;
    login: pcs.ComputeNodeGroup;
    compute: pcs.ComputeNodeGroup;
    queue: pcs.Queue;
}

/** The PCS ids, the login command and FSx for Lustre's id and note are "" while the hourly parts wait (deferHourlyParts). */
export class GpuNodeGroup extends pulumi.ComponentResource {
    public readonly clusterId: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly queueName: pulumi.Output<string>;
    public readonly loginNodeGroupId: pulumi.Output<string>;
    /** Shell command that opens an SSM session on the login node. */
    public readonly loginCommand: pulumi.Output<string>;
    /** EFS or FSx file system id; "" without shared storage. */
    public readonly sharedStorageId: pulumi.Output<string>;
    /** What `pulumi destroy` does to the shared storage's data, and how to get it back. */
    public readonly sharedStorageNote: pulumi.Output<string>;
    /** ParallelCluster 3 cluster config (YAML). */
    public readonly parallelClusterConfig: pulumi.Output<string>;
    public readonly network: ClusterNetwork;
    public readonly vpcId: pulumi.Output<string>;
    /** The cluster in the PCS console, and its nodes in the EC2 console. */
    public readonly consoleUrl: pulumi.Output<string>;
    public readonly instancesConsoleUrl: pulumi.Output<string>;
    /** The role every node runs as (for bucket policies and ECR repository policies). */
    public readonly nodeRoleArn: pulumi.Output<string>;
    /** The node image capblocks built; "" when the nodes boot another image, or the build still waits. */
    public readonly nodeImageId: pulumi.Output<string>;
    /** The group on the scheduler and every node; a member reaches Slurm and the shared storage. */
    public readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** How the nodes mount the shared storage; kind "none" without it (or while FSx for Lustre waits). */
    public readonly sharedMount: pulumi.Output<SharedMount>;
    /** The PCS cluster's ARN; undefined while the hourly parts wait. */
    public readonly clusterArn?: pulumi.Output<string>;

    constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        // Bad settings, and a block PCS cannot take yet, fail before anything, even this component, is registered.
        assertValidArgs(args);
        const state = knownStateProblem(args.reservation);
        if (state) void pulumi.log.warn(state.message);
        super("capblocks:index:GpuNodeGroup", name, {}, opts);
        const partition = awsPartition(this);
        const base = this.foundation(name, args, partition);
        this.network = base.network;
        this.clusterName = pulumi.output(args.cluster.name);
        this.parallelClusterConfig = parallelClusterYaml(args, base, partition);
        // FSx for Lustre bills by its capacity from the moment it exists, so it waits with the hourly parts; EFS
        // bills by what it stores and is built at once.
        const waits = args.deferHourlyParts === true;
        const storage = waits && args.cluster.sharedStorage === "fsx-lustre" ? undefined : this.sharedStorage(name, args, base);
        const image = base.image;
        const parts = !waits && storage && image
            ? this.pcsResources(name, args, base, { storage, image, templates: this.launchTemplates(name, args, base, storage, image) })
            : undefined;
        const none = pulumi.output("");
        this.sharedStorageId = storage?.id ?? none;
        this.sharedStorageNote = storage?.note ?? none;
        this.clusterId = parts?.cluster.awsId ?? none;
        this.queueName = parts ? parts.queue.name.apply((n) => n ?? QUEUE_NAME) : none;
        this.loginNodeGroupId = parts?.login.awsId ?? none;
        this.loginCommand = parts ? parts.login.awsId.apply((id) => loginConnectCommand(args.region, id)) : none;
        this.vpcId = base.network.vpcId;
        this.consoleUrl = parts ? parts.cluster.awsId.apply((id) => pcsConsoleUrl(args.region, id)) : none;
        this.instancesConsoleUrl = pulumi.output(ec2InstancesConsoleUrl(args.region, args.cluster.name));
        this.nodeRoleArn = base.identity.roleArn;
        this.nodeImageId = base.image?.source === "built" ? base.image.amiId : pulumi.output("");
        this.nodeSecurityGroupId = base.nodeSecurityGroupId;
        this.sharedMount = storage?.mount ?? pulumi.output<SharedMount>({ kind: "none" });
        this.clusterArn = parts?.cluster.arn;
        this.registerOutputs({
            clusterId: this.clusterId,
            clusterName: this.clusterName,
            queueName: this.queueName,
            loginNodeGroupId: this.loginNodeGroupId,
            loginCommand: this.loginCommand,
            sharedStorageId: this.sharedStorageId,
            sharedStorageNote: this.sharedStorageNote,
            parallelClusterConfig: this.parallelClusterConfig,
            vpcId: this.vpcId,
            consoleUrl: this.consoleUrl,
            instancesConsoleUrl: this.instancesConsoleUrl,
            nodeRoleArn: this.nodeRoleArn,
            nodeImageId: this.nodeImageId,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            sharedMount: this.sharedMount,
            ...(this.clusterArn ? { clusterArn: this.clusterArn } : {}),
        });
    }

    /** Network, security groups, the node role and the node image. */
    private foundation(name: string, args: GpuNodeGroupArgs, partition: pulumi.Output<string>): Foundation {
        const { cluster } = args;
        const facts = instanceFacts(args.instanceType);
        const tags = { ...args.tags, "capblocks:cluster": cluster.name };
        const network = new ClusterNetwork(`${name}-net`, {
            region: args.region,
            blockAz: args.reservation?.availabilityZone,
            computeSubnetId: cluster.computeSubnetId,
            loginSubnetId: cluster.loginSubnetId,
            loginPublic: cluster.loginPublic,
            // The NAT gateway bills by the hour; without it the private subnets have no route out, which only nodes need.
            withoutNat: args.deferHourlyParts,
            tags,
        }, { parent: this });
        const groups = clusterSecurityGroups(name, {
            vpcId: network.vpcId,
            vpcCidr: network.vpcCidr,
            storage: cluster.sharedStorage,
            allowAllEgress: cluster.allowAllEgress,
            tags,
        }, this);
        const identity = nodeIdentity(name, cluster.name, { dataBuckets: cluster.dataBuckets, containers: cluster.containers }, tags, partition, this);
        // The image build reaches the package repositories through the NAT gateway, so it waits with it.
        const image = args.deferHourlyParts && !cluster.amiId && cluster.image.build
            ? undefined
            : this.nodeImage(name, args, { network, securityGroupId: groups.nodeSecurityGroupId, partition, tags });
        return {
            tags, facts, network, nodeSecurityGroupId: groups.nodeSecurityGroupId, storageSecurityGroupId: groups.storageSecurityGroupId, identity, image,
        };
    }

    /** The shared file system (EFS, FSx for Lustre or none) and its mount targets. */
    private sharedStorage(name: string, args: GpuNodeGroupArgs, { network, storageSecurityGroupId, tags }: Foundation): ClusterStorage {
        const { cluster } = args;
        return clusterStorage(name, {
            kind: cluster.sharedStorage,
            subnetIds: network.storageSubnetIds,
            nodes: { subnetId: network.computeSubnetId, availabilityZone: network.computeAvailabilityZone },
            homeAvailabilityZone: network.homeAvailabilityZone,
            securityGroupId: storageSecurityGroupId,
            deleteOnDestroy: cluster.deleteSharedStorage,
            existingFileSystemId: cluster.sharedFileSystemId,
            s3Links: { importPath: cluster.lustreImportPath, exportPath: cluster.lustreExportPath },
            region: args.region,
            tags,
        }, this);
    }

    /**
     * The nodes' image: the user's (cluster.amiId), one capblocks builds now with EC2 Image Builder (cluster.image,
     * the default for Trainium/Inferentia), or the PCS-ready DLAMI.
     */
    private nodeImage(
        name: string,
        args: GpuNodeGroupArgs,
        where: { network: ClusterNetwork; securityGroupId: pulumi.Output<string>; partition: pulumi.Output<string>; tags: Record<string, string> },
    ): NodeImageChoice {
        const { cluster } = args;
        if (cluster.amiId) return { amiId: pulumi.output(cluster.amiId), source: "own", componentArns: pulumi.output([]) };
        if (!cluster.image.build) {
            const amiId = aws.ssm.getParameterOutput({ name: PCS_DLAMI_PARAMETER }, { parent: this }).value;
            return { amiId, source: "pcs-dlami", componentArns: pulumi.output([]) };
        }
        const built = new NodeImage(`${name}-image`, {
            clusterName: cluster.name,
            image: cluster.image,
            neuron: needsNeuron(args.instanceType),
            region: args.region,
            subnetId: where.network.homeSubnetId,
            securityGroupId: where.securityGroupId,
            networkReady: where.network.readiness,
            partition: where.partition,
            tags: where.tags,
        }, { parent: this });
        return { amiId: built.amiId, source: "built", componentArns: built.componentArns };
    }

    /** Login and compute templates: the boot script as user data, and (compute) EFA and the block's market settings. */
    private launchTemplates(name: string, args: GpuNodeGroupArgs, base: Foundation, storage: ClusterStorage, image: NodeImageChoice): LaunchTemplates {
        const { cluster, reservation } = args;
        const userData = nodeUserDataBase64(cluster, storage.mount, args.boxUser);
        const common = {
            securityGroupIds: [base.nodeSecurityGroupId],
            userData,
            rootDeviceName: rootDeviceNameOf(image.amiId, args.region, this),
            tags: base.tags,
            containers: cluster.containers,
        };
        const login = new aws.ec2.LaunchTemplate(`${name}-login`, loginLaunchTemplateArgs({
            ...common,
            nameTag: `${cluster.name}-login`,
            rootVolumeGb: instanceFacts(cluster.loginInstanceType).rootVolumeGb,
            ...(cluster.loginPublic ? { publicSubnetId: base.network.loginSubnetId } : {}),
        }), { parent: this });
        // A block the program knows was checked before anything was registered. One bought or updated on this run is
        // known only here, inside an apply, where an error would surface as a serialization failure of every resource
        // that uses the id: a warning says why PCS refuses the node group instead (payment-pending after an update).
        const checkedBlockId = reservation && reservation.knownState === undefined
            ? pulumi.all([reservation.id, reservation.state]).apply(([id, state]) => {
                  const problem = blockStateProblem(id, state);
                  if (problem) void pulumi.log.warn(problem.message, this);
                  return id;
              })
            : reservation?.id;
        const compute = new aws.ec2.LaunchTemplate(`${name}-compute`, computeLaunchTemplateArgs({
            ...common,
            nameTag: `${cluster.name}-compute`,
            facts: base.facts,
            efaOverride: cluster.efaInterfaces,
            reservationId: checkedBlockId,
            subnetId: base.network.computeSubnetId,
            rootVolumeGb: base.facts.rootVolumeGb,
        }), { parent: this });
        return { login, compute };
    }

    /** The PCS cluster, the login and compute node groups, and the queue. */
    private pcsResources(
        name: string,
        args: GpuNodeGroupArgs,
        base: Foundation,
        { storage, image, templates }: { storage: ClusterStorage; image: NodeImageChoice; templates: LaunchTemplates },
    ): PcsResources {
        const { cluster, reservation } = args;
        const { network, tags } = base;
        const replaceDeleteFirst = { parent: this, deleteBeforeReplace: true };
        const pcsCluster = new pcs.Cluster(`${name}-cluster`, {
            name: cluster.name,
            scheduler: { type: "SLURM", version: cluster.slurmVersion },
            size: cluster.size,
            // The home subnet, not the compute one: networking is create-only, and the controller need not follow the block's AZ.
            networking: { subnetIds: [network.homeSubnetId], securityGroupIds: [base.nodeSecurityGroupId] },
            tags,
        }, replaceDeleteFirst);

        const register = allowNodeRegistration(name, base.identity.role, pcsCluster.arn, this);
        // Nodes register with PCS and mount storage on first boot: permissions, routes and mount targets first.
        const nodePrereqs = { ...replaceDeleteFirst, dependsOn: [register, ...base.identity.ready, ...network.readiness, ...storage.ready] };
        const nodeGroup = (template: aws.ec2.LaunchTemplate) => ({
            clusterId: pcsCluster.awsId,
            amiId: image.amiId,
            customLaunchTemplate: { templateId: template.id, version: template.latestVersion.apply(String) },
            iamInstanceProfileArn: base.identity.instanceProfileArn,
            tags,
        });
        const login = new pcs.ComputeNodeGroup(`${name}-login`, {
            ...nodeGroup(templates.login),
            name: LOGIN_NODE_GROUP_NAME,
            instanceConfigs: [{ instanceType: cluster.loginInstanceType }],
            purchaseOption: "ONDEMAND",
            scalingConfiguration: { minInstanceCount: 1, maxInstanceCount: 1 },
            subnetIds: [network.loginSubnetId],
        }, nodePrereqs);
        // The compute node group is named after the queue it serves.
        const compute = new pcs.ComputeNodeGroup(`${name}-compute`, {
            ...nodeGroup(templates.compute),
            name: QUEUE_NAME,
            instanceConfigs: [{ instanceType: args.instanceType }],
            purchaseOption: reservation ? "CAPACITY_BLOCK" : "ONDEMAND",
            scalingConfiguration: { minInstanceCount: cluster.computeMinCount, maxInstanceCount: args.instanceCount },
            subnetIds: [network.computeSubnetId],
        }, nodePrereqs);
        const queue = new pcs.Queue(`${name}-queue`, {
            name: QUEUE_NAME,
            clusterId: pcsCluster.awsId,
            computeNodeGroupConfigurations: [{ computeNodeGroupId: compute.awsId }],
            ...queueSlurmConfiguration(cluster),
            tags,
        }, { ...replaceDeleteFirst, dependsOn: [compute] });
        return { cluster: pcsCluster, login, compute, queue };
    }
}

/** The queue's Slurm settings, when there are any (none: the input stays unset, as PCS's default). */
function queueSlurmConfiguration(cluster: ClusterConfig): Pick<pcs.QueueArgs, "slurmConfiguration"> {
    const settings = queueSlurmSettings(cluster);
    return settings.length > 0 ? { slurmConfiguration: { slurmCustomSettings: settings } } : {};
}

/** Every node's boot script (Slurm on PATH, shared storage and /home, containers), base64 for the launch templates. */
function nodeUserDataBase64(cluster: ClusterConfig, mount: pulumi.Output<SharedMount>, user?: ClusterUser): pulumi.Output<string> {
    const { slurmVersion, sharedHome, containers } = cluster;
    return mount.apply((m) => Buffer.from(nodeUserData({ mount: m, slurmVersion, sharedHome, containers, ...(user ? { user } : {}) })).toString("base64"));
}

/** The equivalent ParallelCluster 3 config, on the same subnets and block. */
function parallelClusterYaml(args: GpuNodeGroupArgs, base: Foundation, partition: pulumi.Output<string>): pulumi.Output<string> {
    const { cluster, reservation } = args;
    const { network } = base;
    return pulumi
        .all([network.loginSubnetId, network.computeSubnetId, network.vpcCidr, reservation?.id ?? "", partition, base.image?.componentArns ?? []])
        .apply(([loginSubnetId, computeSubnetId, vpcCidr, reservationId, partitionName, componentArns]) =>
            renderParallelClusterConfig({
                region: args.region,
                partition: partitionName,
                os: parallelClusterOs(PCS_DLAMI_OS, cluster.sharedStorage),
                headNodeInstanceType: cluster.loginInstanceType,
                headNodeSubnetId: loginSubnetId,
                sshAllowedCidr: vpcCidr,
                computeSubnetId,
                instanceType: args.instanceType,
                instanceCount: args.instanceCount,
                reservationId: reservation ? reservationId : undefined,
                efaSupported: efaLayoutOf(base.facts, cluster.efaInterfaces).count > 0,
                // A capblocks-built image that still waits is rendered as the one it will be.
                nodeImage: { source: base.image?.source ?? "built", componentArns },
                sharedStorage: cluster.sharedStorage,
                deleteSharedStorage: cluster.deleteSharedStorage,
                ...(cluster.sharedFileSystemId ? { sharedFileSystemId: cluster.sharedFileSystemId } : {}),
                containers: cluster.containers,
                dataBuckets: cluster.dataBuckets,
                ...(cluster.lustreImportPath ? { lustreImportPath: cluster.lustreImportPath } : {}),
                ...(cluster.lustreExportPath ? { lustreExportPath: cluster.lustreExportPath } : {}),
                exclusiveNodes: cluster.exclusiveNodes,
            }),
        );
}

/** Every rule PCS would reject, checked at once: one RunError listing each problem, like a bad stack config. */
function assertValidArgs(args: GpuNodeGroupArgs): void {
    const blockInstanceType = args.reservation?.instanceType;
    const problems = clusterConfigErrors(args.cluster, { maxCount: args.instanceCount, instanceType: args.instanceType });
    if (args.instanceCount < 1) {
        problems.push(`capblocks:cluster.enabled: the cluster gets ${args.instanceCount} compute instances; it needs at least one (a bigger block, or code-server off)`);
    }
    const typeError = computeInstanceTypeError(args.instanceType, blockInstanceType);
    if (typeError) problems.push(typeError);
    const state = knownStateProblem(args.reservation);
    if (state?.blocking) problems.push(state.message);
    if (problems.length > 0) throw new pulumi.RunError(`invalid cluster settings:\n  ${problems.join("\n  ")}`);
}
