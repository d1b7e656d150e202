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
import { instanceFacts, unknownTypeWarning } from "../shared/catalog";
import { awsPartition } from "../shared/ec2Role";
import { rootDeviceNameOf } from "../shared/launchTemplate";
import { loginConnectCommand } from "./access";
import { PCS_DLAMI_OS, PCS_DLAMI_PARAMETER, pcsAmiWarning } from "./ami";
import type { NodeIdentity } from "./iam";
import { nodeIdentity } from "./iam";
import { computeLaunchTemplateArgs, loginLaunchTemplateArgs } from "./launchTemplates";
import { ClusterNetwork } from "./network";
import { QUEUE_NAME, renderParallelClusterConfig } from "./parallelcluster";
import { clusterSecurityGroups } from "./security";
import type { ClusterStorage } from "./storage";
import { clusterStorage } from "./storage";
import { nodeUserData } from "./userData";
import { blockStateProblem, clusterConfigErrors, computeInstanceTypeError } from "./validation";

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
}

/** What the node groups stand on, built before any PCS resource. */
interface Foundation {
    tags: Record<string, string>;
    facts: InstanceFacts;
    network: ClusterNetwork;
    nodeSecurityGroupId: pulumi.Output<string>;
    storage: ClusterStorage;
    identity: NodeIdentity;
    amiId: pulumi.Output<string>;
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

    constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        // Bad settings, and a block PCS cannot take yet, fail before anything, even this component, is registered.
        assertValidArgs(args);
        const known = args.reservation?.known;
        const state = known ? blockStateProblem(known.id, known.state) : undefined;
        if (state) void pulumi.log.warn(state.message);
        super("capblocks:index:GpuNodeGroup", name, {}, opts);
        const partition = awsPartition(this);
        const base = this.foundation(name, args, partition);
        const templates = this.launchTemplates(name, args, base);
        const parts = this.pcsResources(name, args, base, templates);

        this.network = base.network;
        this.clusterId = parts.cluster.awsId;
        this.clusterName = pulumi.output(args.cluster.name);
        this.queueName = parts.queue.name.apply((n) => n ?? QUEUE_NAME);
        this.loginNodeGroupId = parts.login.awsId;
        this.loginCommand = parts.login.awsId.apply((id) => loginConnectCommand(args.region, id));
        this.sharedStorageId = base.storage.id;
        this.sharedStorageNote = base.storage.note;
        this.parallelClusterConfig = parallelClusterYaml(args, base, partition);
        this.registerOutputs({
            clusterId: this.clusterId,
            clusterName: this.clusterName,
            queueName: this.queueName,
            loginNodeGroupId: this.loginNodeGroupId,
            loginCommand: this.loginCommand,
            sharedStorageId: this.sharedStorageId,
            sharedStorageNote: this.sharedStorageNote,
            parallelClusterConfig: this.parallelClusterConfig,
        });
    }

    /** Network, security groups, shared storage, the node role and the AMI; warnings about the type and AMI. */
    private foundation(name: string, args: GpuNodeGroupArgs, partition: pulumi.Output<string>): Foundation {
        const { cluster } = args;
        const facts = instanceFacts(args.instanceType);
        for (const warning of [unknownTypeWarning(facts), pcsAmiWarning(facts.accelerator, cluster.amiId)]) {
            if (warning) void pulumi.log.warn(warning, this);
        }
        const tags = { ...args.tags, "capblocks:cluster": cluster.name };
        const network = new ClusterNetwork(`${name}-net`, {
            region: args.region,
            blockAz: args.reservation?.availabilityZone,
            computeSubnetId: cluster.computeSubnetId,
            loginSubnetId: cluster.loginSubnetId,
            loginPublic: cluster.loginPublic,
            tags,
        }, { parent: this });
        const groups = clusterSecurityGroups(name, { vpcId: network.vpcId, storage: cluster.sharedStorage, tags }, this);
        const storage = clusterStorage(name, {
            kind: cluster.sharedStorage,
            subnetIds: network.storageSubnetIds,
            nodes: { subnetId: network.computeSubnetId, availabilityZone: network.computeAvailabilityZone },
            homeAvailabilityZone: network.homeAvailabilityZone,
            securityGroupId: groups.storageSecurityGroupId,
            deleteOnDestroy: cluster.deleteSharedStorage,
            existingFileSystemId: cluster.sharedFileSystemId,
            region: args.region,
            tags,
        }, this);
        const identity = nodeIdentity(name, cluster.name, tags, partition, this);
        const amiId = cluster.amiId
            ? pulumi.output(cluster.amiId)
            : aws.ssm.getParameterOutput({ name: PCS_DLAMI_PARAMETER }, { parent: this }).value;
        return { tags, facts, network, nodeSecurityGroupId: groups.nodeSecurityGroupId, storage, identity, amiId };
    }

    /** Login and compute templates: the storage mount as user data, and (compute) EFA and the block's market settings. */
    private launchTemplates(name: string, args: GpuNodeGroupArgs, base: Foundation): LaunchTemplates {
        const { cluster, reservation } = args;
        const userData = base.storage.mount.apply((mount) => {
            const text = nodeUserData(mount);
            return text === undefined ? undefined : Buffer.from(text).toString("base64");
        });
        const common = {
            securityGroupIds: [base.nodeSecurityGroupId],
            userData,
            rootDeviceName: rootDeviceNameOf(base.amiId, args.region, this),
            tags: base.tags,
        };
        const login = new aws.ec2.LaunchTemplate(`${name}-login`, loginLaunchTemplateArgs({
            ...common,
            nameTag: `${cluster.name}-login`,
            rootVolumeGb: instanceFacts(cluster.loginInstanceType).rootVolumeGb,
        }), { parent: this });
        // A block the program knows was checked before anything was registered. One bought or updated on this run is
        // known only here, inside an apply, where an error would surface as a serialization failure of every resource
        // that uses the id: a warning says why PCS refuses the node group instead (payment-pending after an update).
        const checkedBlockId = reservation && !reservation.known
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
            reservationId: checkedBlockId,
            subnetId: base.network.computeSubnetId,
            rootVolumeGb: base.facts.rootVolumeGb,
        }), { parent: this });
        return { login, compute };
    }

    /** The PCS cluster, the login and compute node groups, and the queue. */
    private pcsResources(name: string, args: GpuNodeGroupArgs, base: Foundation, templates: LaunchTemplates): PcsResources {
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

        // Nodes register with PCS and mount storage on first boot: permissions, routes and mount targets first.
        const nodePrereqs = { ...replaceDeleteFirst, dependsOn: [...base.identity.ready, ...network.readiness, ...base.storage.ready] };
        const nodeGroup = (template: aws.ec2.LaunchTemplate) => ({
            clusterId: pcsCluster.awsId,
            amiId: base.amiId,
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
            tags,
        }, { ...replaceDeleteFirst, dependsOn: [compute] });
        return { cluster: pcsCluster, login, compute, queue };
    }
}

/** The equivalent ParallelCluster 3 config, on the same subnets and block. */
function parallelClusterYaml(args: GpuNodeGroupArgs, base: Foundation, partition: pulumi.Output<string>): pulumi.Output<string> {
    const { cluster, reservation } = args;
    const { network } = base;
    return pulumi
        .all([network.loginSubnetId, network.computeSubnetId, network.vpcCidr, reservation?.id ?? "", partition])
        .apply(([loginSubnetId, computeSubnetId, vpcCidr, reservationId, partitionName]) =>
            renderParallelClusterConfig({
                region: args.region,
                partition: partitionName,
                os: PCS_DLAMI_OS,
                headNodeInstanceType: cluster.loginInstanceType,
                headNodeSubnetId: loginSubnetId,
                sshAllowedCidr: vpcCidr,
                computeSubnetId,
                instanceType: args.instanceType,
                instanceCount: args.instanceCount,
                reservationId: reservation ? reservationId : undefined,
                efaSupported: base.facts.efaSupported,
                sharedStorage: cluster.sharedStorage,
                deleteSharedStorage: cluster.deleteSharedStorage,
                ...(cluster.sharedFileSystemId ? { sharedFileSystemId: cluster.sharedFileSystemId } : {}),
            }),
        );
}

/** Every rule PCS would reject, checked at once: one RunError listing each problem, like a bad stack config. */
function assertValidArgs(args: GpuNodeGroupArgs): void {
    const blockInstanceType = args.reservation?.instanceType;
    const problems = clusterConfigErrors(args.cluster, { maxCount: args.instanceCount });
    const typeError = computeInstanceTypeError(args.instanceType, blockInstanceType);
    if (typeError) problems.push(typeError);
    const known = args.reservation?.known;
    const state = known ? blockStateProblem(known.id, known.state) : undefined;
    if (state?.blocking) problems.push(state.message);
    if (problems.length > 0) throw new pulumi.RunError(`invalid cluster settings:\n  ${problems.join("\n  ")}`);
}
