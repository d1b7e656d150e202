/**
 * Launch template arguments for PCS node groups, as plain data so the rules are testable without AWS.
 *
 * PCS user guide "Using Amazon EC2 launch templates with AWS PCS": security group ids (never names); with
 * network interfaces defined, the groups go on each interface. "Configure an AWS PCS compute node group to use
 * a Capacity Block": `InstanceMarketOptions.MarketType = capacity-block`, the block's `CapacityReservationId`,
 * and the block's `InstanceType`. IMDSv2 is required on every node (hop limit 2 so containers can reach it).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InstanceFacts } from "../shared/catalog";
import { efaInterfaces } from "../shared/efaLayout";

type In = pulumi.Input<string>;

/** Ubuntu DLAMIs boot from /dev/sda1. */
const ROOT_DEVICE = "/dev/sda1";

const imdsV2 = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 };

function rootVolume(sizeGb: number): aws.types.input.ec2.LaunchTemplateBlockDeviceMapping {
    return {
        deviceName: ROOT_DEVICE,
        ebs: { volumeSize: sizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
    };
}

function instanceTags(nameTag: string, tags: Record<string, string>): aws.types.input.ec2.LaunchTemplateTagSpecification[] {
    return ["instance", "volume"].map((resourceType) => ({ resourceType, tags: { ...tags, Name: nameTag } }));
}

export interface LoginTemplateSettings {
    nameTag: string;
    securityGroupIds: In[];
    /** Base64 MIME multipart, or undefined. */
    userData?: pulumi.Input<string | undefined>;
    rootVolumeGb: number;
    tags: Record<string, string>;
}

export function loginLaunchTemplateArgs(s: LoginTemplateSettings): aws.ec2.LaunchTemplateArgs {
    return {
        description: "PCS login node",
        metadataOptions: imdsV2,
        vpcSecurityGroupIds: s.securityGroupIds,
        userData: s.userData,
        blockDeviceMappings: [rootVolume(s.rootVolumeGb)],
        tagSpecifications: instanceTags(s.nameTag, s.tags),
        tags: s.tags,
    };
}

export interface ComputeTemplateSettings extends LoginTemplateSettings {
    facts: Pick<InstanceFacts, "instanceType" | "efaSupported" | "networkCards">;
    /** The Capacity Block id; undefined on demand. */
    reservationId?: In;
    subnetId: In;
}

export function computeLaunchTemplateArgs(s: ComputeTemplateSettings): aws.ec2.LaunchTemplateArgs {
    const efa = efaInterfaces(s.facts, s.securityGroupIds, s.subnetId);
    const args: aws.ec2.LaunchTemplateArgs = {
        description: `PCS compute nodes (${s.facts.instanceType})`,
        metadataOptions: imdsV2,
        userData: s.userData,
        blockDeviceMappings: [rootVolume(s.rootVolumeGb)],
        tagSpecifications: instanceTags(s.nameTag, s.tags),
        tags: s.tags,
        ...(efa.length > 0 ? { networkInterfaces: efa } : { vpcSecurityGroupIds: s.securityGroupIds }),
    };
    if (s.reservationId === undefined) return args;
    return {
        ...args,
        instanceType: s.facts.instanceType,
        instanceMarketOptions: { marketType: "capacity-block" },
        capacityReservationSpecification: { capacityReservationTarget: { capacityReservationId: s.reservationId } },
    };
}
