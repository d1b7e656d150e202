/**
 * The IAM identity of an EC2 instance capblocks runs (the code-server box, the PCS nodes): a role EC2 can
 * assume, the AWS-managed `AmazonSSMManagedInstanceCore` policy, so people and setup reach the instance through
 * Session Manager and Run Command with no open port (Systems Manager user guide, "Configure instance permissions
 * required for Systems Manager"), and the instance profile that carries the role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The partition (aws, aws-cn, aws-us-gov) of the provider's region: the one source for the ARNs built here. */
export function awsPartition(parent: pulumi.Resource): pulumi.Output<string> {
    return aws.getPartitionOutput({}, { parent }).partition;
}

export function ssmManagedInstanceCoreArn(partition: string): string {
    return `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`;
}

const EC2_ASSUME_ROLE_POLICY = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export interface Ec2RoleArgs {
    /** Logical names of the three resources. */
    names: { role: string; ssmCore: string; profile: string };
    description: string;
    /** IAM name prefix and path of the role and the profile, for services that check them (PCS). */
    namePrefix?: string;
    path?: string;
    tags: Record<string, string>;
}

export interface Ec2Role {
    role: aws.iam.Role;
    /** The SSM core attachment: the SSM agent registers on first boot, so instances must wait for it. */
    ssmCore: aws.iam.RolePolicyAttachment;
    profile: aws.iam.InstanceProfile;
}

export function ec2Role(args: Ec2RoleArgs, partition: pulumi.Input<string>, parent: pulumi.Resource): Ec2Role {
    const naming = { ...(args.namePrefix ? { namePrefix: args.namePrefix } : {}), ...(args.path ? { path: args.path } : {}) };
    const role = new aws.iam.Role(args.names.role, {
        ...naming,
        description: args.description,
        assumeRolePolicy: EC2_ASSUME_ROLE_POLICY,
        tags: args.tags,
    }, { parent });
    const ssmCore = new aws.iam.RolePolicyAttachment(args.names.ssmCore, {
        role: role.name,
        policyArn: pulumi.output(partition).apply(ssmManagedInstanceCoreArn),
    }, { parent });
    const profile = new aws.iam.InstanceProfile(args.names.profile, { ...naming, role: role.name, tags: args.tags }, { parent });
    return { role, ssmCore, profile };
}
