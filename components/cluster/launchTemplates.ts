/**
 * Launch template arguments for PCS node groups, as plain data so the rules are testable without AWS.
 *
 * PCS user guide "Using Amazon EC2 launch templates with AWS PCS": security group ids (never names); with
 * network interfaces defined, the groups go on each interface. "Configure an AWS PCS compute node group to use
 * a Capacity Block": `InstanceMarketOptions.MarketType = capacity-block`, the block's `CapacityReservationId`,
 * and the block's `InstanceType`. IMDSv2 is required on every node.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { InstanceFacts } from "../shared/catalog";
import type { EfaOverride } from "../shared/efaLayout";
import { efaInterfaces } from "../shared/efaLayout";
import { launchTemplateBase } from "../shared/launchTemplate";

/**
 * IMDS answers one network hop unless asked for more (checkov CKV_AWS_341). Enroot containers share the host's
 * network, so Pyxis jobs need no more; Docker's bridge network adds a hop, and the DLAMI ships Docker, so a cluster
 * with capblocks:cluster.containers gets 2 for containers that use the node's role.
 */
export const imdsHopLimit = (containers: boolean): number => (containers ? 2 : 1);

export interface LoginTemplateSettings {
    nameTag: string;
    securityGroupIds: pulumi.Input<string>[];
    /** Base64 MIME multipart, or undefined. */
    userData?: pulumi.Input<string | undefined>;
    /** The node AMI's root device (PCS sets the AMI on the node group, the volume size is set here). */
    rootDeviceName: pulumi.Input<string>;
    rootVolumeGb: number;
    tags: Record<string, string>;
    /** capblocks:cluster.containers: IMDS reachable from containers on bridge networks. */
    containers: boolean;
}

function nodeTemplateBase(settings: LoginTemplateSettings, capacityBlockId?: pulumi.Input<string>): aws.ec2.LaunchTemplateArgs {
    return launchTemplateBase({
        rootDeviceName: settings.rootDeviceName,
        rootVolumeGb: settings.rootVolumeGb,
        instanceTags: { ...settings.tags, Name: settings.nameTag },
        tags: settings.tags,
        imdsHopLimit: imdsHopLimit(settings.containers),
        capacityBlockId,
    });
}

export interface LoginTemplateArgs extends LoginTemplateSettings {
    /** capblocks:cluster.loginPublic: the login node's subnet, where its one interface gets a public IP. */
    publicSubnetId?: pulumi.Input<string>;
}

/**
 * The login node's template. Public subnets give no address by default (checkov CKV_AWS_130), so a public login
 * node asks for one on its own interface, which then carries the security groups.
 */
export function loginLaunchTemplateArgs(settings: LoginTemplateArgs): aws.ec2.LaunchTemplateArgs {
    const network: aws.ec2.LaunchTemplateArgs = settings.publicSubnetId === undefined
        ? { vpcSecurityGroupIds: settings.securityGroupIds }
        : {
              networkInterfaces: [{
                  deviceIndex: 0,
                  associatePublicIpAddress: "true",
                  securityGroups: settings.securityGroupIds,
                  subnetId: settings.publicSubnetId,
                  deleteOnTermination: "true",
              }],
          };
    return {
        ...nodeTemplateBase(settings),
        description: "PCS login node",
        ...network,
        userData: settings.userData,
    };
}

export interface ComputeTemplateSettings extends LoginTemplateSettings {
    facts: Pick<InstanceFacts, "instanceType" | "efaSupported" | "networkCards" | "primaryCardEfa">;
    /** capblocks:cluster.efaInterfaces: the EFA layout for a type the catalog does not know. */
    efaOverride?: EfaOverride;
    /** The Capacity Block id; undefined on demand. */
    reservationId?: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
}

export function computeLaunchTemplateArgs(settings: ComputeTemplateSettings): aws.ec2.LaunchTemplateArgs {
    const efa = efaInterfaces(settings.facts, settings.securityGroupIds, settings.subnetId, settings.efaOverride);
    return {
        ...nodeTemplateBase(settings, settings.reservationId),
        description: `PCS compute nodes (${settings.facts.instanceType})`,
        userData: settings.userData,
        ...(efa.length > 0 ? { networkInterfaces: efa } : { vpcSecurityGroupIds: settings.securityGroupIds }),
        // PCS: a template for a block names the block's instance type.
        ...(settings.reservationId === undefined ? {} : { instanceType: settings.facts.instanceType }),
    };
}
