/**
 * The node role and instance profile. PCS checks the profile's role: its name must start with `AWSPCS` or its
 * path must be `/aws-pcs/`, and it needs `pcs:RegisterComputeNodeGroupInstance` (PCS user guide "IAM instance
 * profiles for AWS PCS"). The role itself (with SSM core, for Session Manager to the login node) is the shared EC2 role.
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

export interface NodeIdentity {
    instanceProfileArn: pulumi.Output<string>;
    /** Permissions must exist before a node tries to register. */
    ready: pulumi.Resource[];
}

export function nodeIdentity(name: string, clusterName: string, tags: Record<string, string>, partition: pulumi.Input<string>, parent: pulumi.Resource): NodeIdentity {
    const { role, ssmCore, profile } = ec2Role({
        names: { role: `${name}-node`, ssmCore: `${name}-ssm-core`, profile: `${name}-node` },
        description: `PCS nodes of cluster ${clusterName}`,
        namePrefix: pcsRoleNamePrefix(clusterName),
        path: PCS_ROLE_PATH,
        tags,
    }, partition, parent);
    const register = new aws.iam.RolePolicy(`${name}-pcs-register`, {
        role: role.name,
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["pcs:RegisterComputeNodeGroupInstance"], Resource: "*" }],
        }),
    }, { parent });
    return { instanceProfileArn: profile.arn, ready: [register, ssmCore] };
}
