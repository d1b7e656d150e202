/**
 * The dev box's network, as plain data: its security group's rules, how the launch template attaches it (one
 * ordinary interface, or one EFA interface per network card), and whether it needs an Elastic IP to reach the
 * internet. Facts: docs/aws-notes.md#efa-network-cards, docs/aws-notes.md#efa-on-the-dev-box.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { CodeServerConfig } from "../config";
import type { InstanceFacts } from "../shared/catalog";
import { efaInterfaces } from "../shared/efaLayout";

/**
 * A security group's description cannot change without replacing the group, and with it the launch template's
 * version and the instance: it says only whether anything outside may connect, never which CIDRs or ports, and a
 * group keeps the one it was created with (ignoreChanges), so older groups that named their CIDRs are not replaced.
 */
export const PRIVATE_GROUP = "code-server: no inbound access (SSM port forwarding only)";
export const PUBLIC_GROUP = "code-server: HTTPS from capblocks:codeServer.allowedCidrs";

type Ingress = aws.types.input.ec2.SecurityGroupIngress;
type Egress = aws.types.input.ec2.SecurityGroupEgress;

export interface SecurityGroupRules {
    description: string;
    ingress: Ingress[];
    egress: Egress[];
}

// SSM, package mirrors and the secret fetch all go out over HTTPS; no inbound is needed for them.
const ALL_OUTBOUND: Egress = { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "all outbound" };

/** nginx's port from allowedCidrs only; with EFA, all traffic within the group. */
export function securityGroupRules(cs: Pick<CodeServerConfig, "allowedCidrs" | "nginxPort">, efa: boolean): SecurityGroupRules {
    const https: Ingress[] = cs.allowedCidrs.length
        ? [{ protocol: "tcp", fromPort: cs.nginxPort, toPort: cs.nginxPort, cidrBlocks: cs.allowedCidrs, description: "code-server over HTTPS via nginx" }]
        : [];
    // EFA user guide: the group must allow all traffic to and from itself, outbound too, explicitly.
    const self = { protocol: "-1", fromPort: 0, toPort: 0, self: true };
    return {
        description: cs.allowedCidrs.length ? PUBLIC_GROUP : PRIVATE_GROUP,
        ingress: [...https, ...(efa ? [{ ...self, description: "EFA: all traffic within the group" }] : [])],
        egress: [ALL_OUTBOUND, ...(efa ? [{ ...self, description: "EFA: all traffic within the group (explicit, as EFA needs)" }] : [])],
    };
}

export interface EfaChoice {
    /** Whether the box gets EFA interfaces. */
    use: boolean;
    /** Said when EFA was asked for but the type has none. */
    warning?: string;
}

export function efaChoice(requested: boolean, facts: Pick<InstanceFacts, "instanceType" | "efaSupported" | "known">): EfaChoice {
    if (!requested || facts.efaSupported) return { use: requested };
    const why = facts.known ? "does not support EFA" : "is not in capblocks' catalog, so it is not known to support EFA";
    return {
        use: false,
        warning: `capblocks:codeServer.efa: ${facts.instanceType} ${why}; the box starts without EFA interfaces ` +
            "(EFA needs e.g. g7e.8xlarge or larger, p5, p6, trn1 or trn2)",
    };
}

export interface LaunchNetwork<T extends pulumi.Input<string>> {
    template: Pick<aws.ec2.LaunchTemplateArgs, "vpcSecurityGroupIds" | "networkInterfaces">;
    /** The instance's own subnet; undefined when the template's interfaces name it (EC2 refuses both). */
    instanceSubnetId?: T;
    /** The box needs an Elastic IP on its primary interface to reach SSM and the internet. */
    elasticIp: boolean;
}

/**
 * Without EFA, the security group on the default interface and the subnet on the instance. With EFA, one interface
 * per network card (components/shared/efaLayout.ts), each in the subnet with the group. EC2 gives a public address
 * only to a launch with a single interface (RunInstances: AssociatePublicIpAddress), which a default subnet does by
 * itself; with several, a box in a default subnet gets an Elastic IP instead. A subnet of the user's is left to its
 * own routing (NAT or VPC endpoints).
 */
export function launchNetwork<T extends pulumi.Input<string>>(
    facts: Pick<InstanceFacts, "efaSupported" | "networkCards" | "primaryCardEfa">,
    efa: boolean,
    securityGroupId: T,
    subnetId: T,
    defaultSubnet: boolean,
    /** Groups the box is a member of besides its own: the stack's cluster nodes' group (boxInCluster.ts). */
    memberOf: T[] = [],
): LaunchNetwork<T> {
    const groups = [securityGroupId, ...memberOf];
    if (!efa) return { template: { vpcSecurityGroupIds: groups }, instanceSubnetId: subnetId, elasticIp: false };
    const interfaces = efaInterfaces(facts, groups, subnetId);
    const single = interfaces.length === 1;
    return {
        template: { networkInterfaces: single && defaultSubnet ? [{ ...interfaces[0], associatePublicIpAddress: "true" }] : interfaces },
        elasticIp: !single && defaultSubnet,
    };
}
