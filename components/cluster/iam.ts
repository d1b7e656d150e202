/**
 * The node role and instance profile. PCS checks the profile's role: its name must start with `AWSPCS` or its
 * path must be `/aws-pcs/`, and it needs `pcs:RegisterComputeNodeGroupInstance` (PCS user guide "IAM instance
 * profiles for AWS PCS"). The role itself (with SSM core, for Session Manager to the login node) is the shared EC2 role.
 *
 * Closed by default: registration only with this cluster (the Service Authorization Reference gives the action
 * the resource type `cluster`, arn:${Partition}:pcs:${Region}:${Account}:cluster/${ClusterIdentifier}; AWS's guide
 * shows "*"), reads of the S3 buckets the config names and nothing else, ECR reads only for containers.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ec2Role } from "../shared/ec2Role";

const PCS_ROLE_PREFIX = "AWSPCS-";
const PCS_ROLE_PATH = "/aws-pcs/";
/** IAM: namePrefix is at most 38 characters (AWS appends a 26-character unique suffix; names max out at 64). */
export const IAM_NAME_PREFIX_MAX = 38;

/** A name prefix that PCS accepts and IAM allows for any cluster name. */
export function pcsRoleNamePrefix(clusterName: string): string {
    const room = IAM_NAME_PREFIX_MAX - PCS_ROLE_PREFIX.length - 1;
    return `${PCS_ROLE_PREFIX}${clusterName.slice(0, room)}-`;
}

/** Lets a node register with this one cluster. */
export function nodeRegistrationPolicy(clusterArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "RegisterWithThisCluster", Effect: "Allow", Action: ["pcs:RegisterComputeNodeGroupInstance"], Resource: [clusterArn] }],
    });
}

/** Read-only access to the named buckets: list them, get their objects (S3 user guide, "Policy examples"). */
export function dataReadPolicy(partition: string, buckets: string[]): string {
    const bucketArns = buckets.map((b) => `arn:${partition}:s3:::${b}`);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListDataBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArns },
            { Sid: "ReadDataObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: bucketArns.map((arn) => `${arn}/*`) },
        ],
    });
}

/** AWS managed policy for pulling images from ECR (ECR user guide, "AWS managed policies for Amazon ECR"). */
export const ecrReadOnlyArn = (partition: string): string => `arn:${partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly`;

export interface NodeAccess {
    /** capblocks:cluster.dataBuckets. */
    dataBuckets: string[];
    /** capblocks:cluster.containers: pull images from ECR. */
    containers: boolean;
}

export interface NodeIdentity {
    role: aws.iam.Role;
    roleArn: pulumi.Output<string>;
    instanceProfileArn: pulumi.Output<string>;
    /** Permissions must exist before a node tries to register or read. */
    ready: pulumi.Resource[];
}

export function nodeIdentity(
    name: string,
    clusterName: string,
    access: NodeAccess,
    tags: Record<string, string>,
    partition: pulumi.Output<string>,
    parent: pulumi.Resource,
): NodeIdentity {
    const { role, ssmCore, profile } = ec2Role({
        names: { role: `${name}-node`, ssmCore: `${name}-ssm-core`, profile: `${name}-node` },
        description: `PCS nodes of cluster ${clusterName}`,
        namePrefix: pcsRoleNamePrefix(clusterName),
        path: PCS_ROLE_PATH,
        tags,
    }, partition, parent);
    const ready: pulumi.Resource[] = [ssmCore];
    if (access.dataBuckets.length > 0) {
        ready.push(new aws.iam.RolePolicy(`${name}-data-read`, {
            role: role.name,
            policy: partition.apply((p) => dataReadPolicy(p, access.dataBuckets)),
        }, { parent }));
    }
    if (access.containers) {
        ready.push(new aws.iam.RolePolicyAttachment(`${name}-ecr-read`, { role: role.name, policyArn: partition.apply(ecrReadOnlyArn) }, { parent }));
    }
    return { role, roleArn: role.arn, instanceProfileArn: profile.arn, ready };
}

/** The registration permission, once the cluster (and so its ARN) exists. */
export function allowNodeRegistration(name: string, role: aws.iam.Role, clusterArn: pulumi.Output<string>, parent: pulumi.Resource): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(`${name}-pcs-register`, { role: role.name, policy: clusterArn.apply(nodeRegistrationPolicy) }, { parent });
}
