/**
 * Security groups per the PCS user guide "Security groups in AWS PCS": one self-referencing group on the
 * cluster's scheduler ENI and on every node (all traffic in from the group and out to it), which is also what
 * EFA's OS-bypass traffic needs (EC2 guide "Get started with EFA", step 1). Out of the group, nodes reach the VPC
 * (the scheduler, shared storage) and the internet over HTTPS and HTTP only (PCS, SSM, S3 and ECR endpoints,
 * container registries, package mirrors), unless capblocks:cluster.allowAllEgress opens every port.
 * Shared storage gets its own group that admits only its protocol, only from the node group, and sends nothing
 * of its own outside (security groups are stateful: replies need no rule). Nothing admits the internet: people
 * reach the login node over SSM Session Manager.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { SharedStorage } from "../config";

export interface PortRange {
    fromPort: number;
    toPort: number;
}

/** NFS for EFS; Lustre's 988 plus 1018-1023 for FSx for Lustre (FSx user guide "File system access control with Amazon VPC"). */
export function storagePorts(storage: SharedStorage): PortRange[] {
    switch (storage) {
        case "efs":
            return [{ fromPort: 2049, toPort: 2049 }];
        case "fsx-lustre":
            return [
                { fromPort: 988, toPort: 988 },
                { fromPort: 1018, toPort: 1023 },
            ];
        case "none":
            return [];
    }
}

export interface ClusterSecurityGroups {
    /** On the PCS cluster and on every node. */
    nodeSecurityGroupId: pulumi.Output<string>;
    /** On the file system's network interfaces; undefined without shared storage. */
    storageSecurityGroupId?: pulumi.Output<string>;
}

export interface ClusterSecurityGroupArgs {
    vpcId: pulumi.Input<string>;
    /** The VPC's CIDR: the scheduler's interface, storage and VPC endpoints are in it. */
    vpcCidr: pulumi.Input<string>;
    storage: SharedStorage;
    /** Every port to anywhere, not only HTTP and HTTPS. */
    allowAllEgress: boolean;
    tags: Record<string, string>;
}

/** Where nodes may open connections outside their own group: plain rule data, so the policy is testable. */
export function nodeEgressRules(vpcCidr: pulumi.Input<string>, allowAllEgress: boolean): aws.types.input.ec2.SecurityGroupEgress[] {
    const anywhere = ["0.0.0.0/0"];
    return [
        { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "cluster members (EFA needs explicit self egress)" },
        { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [vpcCidr], description: "the VPC: PCS scheduler, shared storage, VPC endpoints" },
        ...(allowAllEgress
            ? [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: anywhere, description: "anywhere (capblocks:cluster.allowAllEgress)" }]
            : [
                  { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: anywhere, description: "HTTPS: PCS, SSM, S3, ECR, container registries" },
                  { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: anywhere, description: "HTTP: Ubuntu package mirrors" },
              ]),
    ];
}

export function clusterSecurityGroups(name: string, args: ClusterSecurityGroupArgs, parent: pulumi.Resource): ClusterSecurityGroups {
    const nodes = new aws.ec2.SecurityGroup(`${name}-nodes`, {
        vpcId: args.vpcId,
        description: "PCS scheduler and nodes: all traffic within the group (Slurm, EFA); no inbound from outside",
        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "cluster members (Slurm, EFA)" }],
        egress: nodeEgressRules(args.vpcCidr, args.allowAllEgress),
        tags: { ...args.tags, Name: `${name}-nodes` },
    }, { parent });

    const ports = storagePorts(args.storage);
    if (ports.length === 0) return { nodeSecurityGroupId: nodes.id };

    // Lustre servers also talk to each other on the same ports, so the storage group admits itself too.
    const fromSelfToo = args.storage === "fsx-lustre";
    const storage = new aws.ec2.SecurityGroup(`${name}-storage`, {
        vpcId: args.vpcId,
        description: `Shared storage (${args.storage}): its ports, only from the cluster nodes`,
        ingress: ports.map((p) => ({
            protocol: "tcp",
            fromPort: p.fromPort,
            toPort: p.toPort,
            securityGroups: [nodes.id],
            self: fromSelfToo,
            description: `${args.storage} from cluster nodes`,
        })),
        // EFS answers and never calls out; Lustre servers call each other (FSx for Lustre user guide, "File system
        // access control with Amazon VPC").
        egress: fromSelfToo
            ? ports.map((p) => ({ protocol: "tcp", fromPort: p.fromPort, toPort: p.toPort, self: true, description: "Lustre servers to each other" }))
            : [],
        tags: { ...args.tags, Name: `${name}-storage` },
    }, { parent });
    return { nodeSecurityGroupId: nodes.id, storageSecurityGroupId: storage.id };
}
