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
import { instanceFacts, unknownTypeWarning } from "../shared/catalog";
import { ClusterConfig } from "../config";
import { ReservationInfo } from "../reservation";
import { loginConnectCommand } from "./access";
import { clusterSecurityGroups } from "./security";
import { nodeIdentity } from "./iam";
import { ClusterNetwork } from "./network";
import { clusterStorage } from "./storage";
import { nodeUserData } from "./userData";
import { blockStateProblem, clusterConfigErrors, computeInstanceTypeError } from "./validation";
import { renderParallelClusterConfig } from "./parallelcluster";
import { PCS_DLAMI_OS, PCS_DLAMI_PARAMETER, pcsAmiWarning } from "./ami";
import { computeLaunchTemplateArgs, loginLaunchTemplateArgs } from "./launchTemplates";

export const LOGIN_NODE_GROUP_NAME = "login";
export const COMPUTE_NODE_GROUP_NAME = "compute";
export const QUEUE_NAME = "compute";

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

export class GpuNodeGroup extends pulumi.ComponentResource {
    declare public readonly clusterId: pulumi.Output<string>;
    declare public readonly clusterName: pulumi.Output<string>;
    declare public readonly queueName: pulumi.Output<string>;
    declare public readonly loginNodeGroupId: pulumi.Output<string>;
    declare public readonly computeNodeGroupId: pulumi.Output<string>;
    /** Shell command that opens an SSM session on the login node. */
    declare public readonly loginCommand: pulumi.Output<string>;
    /** EFS or FSx file system id; "" without shared storage. */
    declare public readonly sharedStorageId: pulumi.Output<string>;
    /** What `pulumi destroy` does to the shared storage's data, and how to get it back. */
    declare public readonly sharedStorageNote: pulumi.Output<string>;
    /** ParallelCluster 3 cluster config (YAML). */
    declare public readonly parallelClusterConfig: pulumi.Output<string>;
    public readonly network: ClusterNetwork;

    constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        // Bad settings fail before anything, even this component, is registered.
        assertValidArgs(args);
        super("capblocks:index:GpuNodeGroup", name, {}, opts);
        const { cluster, reservation } = args;

        const facts = instanceFacts(args.instanceType);
        for (const warning of [unknownTypeWarning(facts), pcsAmiWarning(facts.accelerator, cluster.amiId)]) {
            if (warning) void pulumi.log.warn(warning, this);
        }
        const tags = { ...args.tags, "capblocks:cluster": cluster.name };

        const network = new ClusterNetwork(`${name}-net`, {
            blockAz: reservation?.availabilityZone,
            vpcId: cluster.vpcId,
            computeSubnetId: cluster.computeSubnetId,
            loginSubnetId: cluster.loginSubnetId,
            loginPublic: cluster.loginPublic,
            tags,
        }, { parent: this });
        this.network = network;

        const groups = clusterSecurityGroups(name, { vpcId: network.vpcId, storage: cluster.sharedStorage, tags }, this);
        const storage = clusterStorage(name, {
            kind: cluster.sharedStorage,
            subnetIds: network.storageSubnetIds,
            securityGroupId: groups.storageSecurityGroupId,
            deleteOnDestroy: cluster.deleteSharedStorage,
            existingFileSystemId: cluster.sharedFileSystemId,
            region: args.region,
            tags,
        }, this);
        const identity = nodeIdentity(name, cluster.name, tags, this);
        const amiId = cluster.amiId
            ? pulumi.output(cluster.amiId)
            : aws.ssm.getParameterOutput({ name: PCS_DLAMI_PARAMETER }, { parent: this }).value;
        const userData = storage.mount.apply((mount) => {
            const text = nodeUserData(mount);
            return text === undefined ? undefined : Buffer.from(text).toString("base64");
        });

        const loginTemplate = new aws.ec2.LaunchTemplate(`${name}-login`, loginLaunchTemplateArgs({
            nameTag: `${cluster.name}-login`,
            securityGroupIds: [groups.nodeSecurityGroupId],
            userData,
            rootVolumeGb: instanceFacts(cluster.loginInstanceType).rootVolumeGb,
            tags,
        }), { parent: this });
        // The block id reaches PCS only through the compute template, so checking the block's state here stops
        // the node group before PCS would reject it.
        const checkedBlockId = reservation
            ? pulumi.all([reservation.id, reservation.state]).apply(([id, state]) => {
                  const problem = blockStateProblem(id, state);
                  if (problem?.blocking) throw new Error(problem.message);
                  if (problem) void pulumi.log.warn(problem.message, this);
                  return id;
              })
            : undefined;
        const computeTemplate = new aws.ec2.LaunchTemplate(`${name}-compute`, computeLaunchTemplateArgs({
            nameTag: `${cluster.name}-compute`,
            facts,
            reservationId: checkedBlockId,
            securityGroupIds: [groups.nodeSecurityGroupId],
            subnetId: network.computeSubnetId,
            userData,
            rootVolumeGb: facts.rootVolumeGb,
            tags,
        }), { parent: this });

        const pcsCluster = new pcs.Cluster(`${name}-cluster`, {
            name: cluster.name,
            scheduler: { type: "SLURM", version: cluster.slurmVersion },
            size: cluster.size,
            networking: { subnetIds: [network.computeSubnetId], securityGroupIds: [groups.nodeSecurityGroupId] },
            tags,
        }, { parent: this, deleteBeforeReplace: true });

        // Nodes register with PCS and mount storage on first boot: permissions, routes and mount targets first.
        const nodePrereqs = [...identity.ready, ...network.readiness, ...storage.ready];
        const template = (lt: aws.ec2.LaunchTemplate) => ({ templateId: lt.id, version: lt.latestVersion.apply(String) });

        const login = new pcs.ComputeNodeGroup(`${name}-login`, {
            name: LOGIN_NODE_GROUP_NAME,
            clusterId: pcsCluster.awsId,
            amiId,
            customLaunchTemplate: template(loginTemplate),
            iamInstanceProfileArn: identity.instanceProfileArn,
            instanceConfigs: [{ instanceType: cluster.loginInstanceType }],
            purchaseOption: "ONDEMAND",
            scalingConfiguration: { minInstanceCount: 1, maxInstanceCount: 1 },
            subnetIds: [network.loginSubnetId],
            tags,
        }, { parent: this, dependsOn: nodePrereqs, deleteBeforeReplace: true });

        const compute = new pcs.ComputeNodeGroup(`${name}-compute`, {
            name: COMPUTE_NODE_GROUP_NAME,
            clusterId: pcsCluster.awsId,
            amiId,
            customLaunchTemplate: template(computeTemplate),
            iamInstanceProfileArn: identity.instanceProfileArn,
            instanceConfigs: [{ instanceType: args.instanceType }],
            purchaseOption: reservation ? "CAPACITY_BLOCK" : "ONDEMAND",
            scalingConfiguration: { minInstanceCount: cluster.computeMinCount, maxInstanceCount: args.instanceCount },
            subnetIds: [network.computeSubnetId],
            tags,
        }, { parent: this, dependsOn: nodePrereqs, deleteBeforeReplace: true });

        const queue = new pcs.Queue(`${name}-queue`, {
            name: QUEUE_NAME,
            clusterId: pcsCluster.awsId,
            computeNodeGroupConfigurations: [{ computeNodeGroupId: compute.awsId }],
            tags,
        }, { parent: this, dependsOn: [compute], deleteBeforeReplace: true });

        this.clusterId = pcsCluster.awsId;
        this.clusterName = pulumi.output(cluster.name);
        this.queueName = queue.name.apply((n) => n ?? QUEUE_NAME);
        this.loginNodeGroupId = login.awsId;
        this.computeNodeGroupId = compute.awsId;
        this.loginCommand = login.awsId.apply((id) => loginConnectCommand(args.region, id));
        this.sharedStorageId = storage.id;
        this.sharedStorageNote = storage.note;
        this.parallelClusterConfig = pulumi
            .all([network.loginSubnetId, network.computeSubnetId, network.vpcCidr, reservation?.id ?? ""])
            .apply(([loginSubnetId, computeSubnetId, vpcCidr, reservationId]) =>
                renderParallelClusterConfig({
                    region: args.region,
                    os: PCS_DLAMI_OS,
                    headNodeInstanceType: cluster.loginInstanceType,
                    headNodeSubnetId: loginSubnetId,
                    sshAllowedCidr: vpcCidr,
                    computeSubnetId,
                    instanceType: args.instanceType,
                    instanceCount: args.instanceCount,
                    reservationId: reservation ? reservationId : undefined,
                    efaSupported: facts.efaSupported,
                    sharedStorage: cluster.sharedStorage,
                    deleteSharedStorage: cluster.deleteSharedStorage,
                    ...(cluster.sharedFileSystemId ? { sharedFileSystemId: cluster.sharedFileSystemId } : {}),
                }),
            );
        this.registerOutputs({
            clusterId: this.clusterId,
            queueName: this.queueName,
            loginNodeGroupId: this.loginNodeGroupId,
            computeNodeGroupId: this.computeNodeGroupId,
            loginCommand: this.loginCommand,
            sharedStorageId: this.sharedStorageId,
            sharedStorageNote: this.sharedStorageNote,
            parallelClusterConfig: this.parallelClusterConfig,
        });
    }
}

function assertValidArgs(args: GpuNodeGroupArgs): void {
    const blockInstanceType = args.reservation?.instanceType;
    const errors = clusterConfigErrors(args.cluster, { maxCount: args.instanceCount });
    const typeError = computeInstanceTypeError(args.instanceType, blockInstanceType);
    if (typeError) errors.push(typeError);
    if (errors.length > 0) throw new Error(`the cluster settings are not valid:\n- ${errors.join("\n- ")}`);
}
