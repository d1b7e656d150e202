/**
 * What every launch template capblocks writes has in common (the code-server box, PCS login and compute nodes):
 * an encrypted gp3 root volume on the image's own root device, IMDSv2 required, tags on the instances and
 * volumes it launches, and, on a Capacity Block, the block's market type and reservation.
 *
 * EC2 user guide "Capacity Blocks for ML": a launch into a block needs
 * both `InstanceMarketOptions.MarketType = capacity-block` and the block's `CapacityReservationId`; without the
 * market type EC2 answers "InvalidParameterValue: The market type (purchasing) option is not valid".
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The image's root device name, as EC2 reports it. Names differ between images (/dev/sda1 on Ubuntu, /dev/xvda on
 * Amazon Linux), and a mapping on any other device adds a second volume instead of sizing the root one.
 */
export function rootDeviceNameOf(imageId: pulumi.Input<string>, region: string, parent: pulumi.Resource): pulumi.Output<string> {
    return aws.ec2.getAmiOutput({ filters: [{ name: "image-id", values: [imageId] }], region }, { parent }).rootDeviceName;
}

export interface LaunchTemplateBase {
    rootDeviceName: pulumi.Input<string>;
    rootVolumeGb: number;
    /** Tags for the instances and volumes launched from the template. */
    instanceTags: Record<string, string>;
    /** Tags of the template itself. */
    tags: Record<string, string>;
    /** IMDS hop limit; 2 lets containers on the instance reach IMDS. Unset: EC2's default. */
    imdsHopLimit?: number;
    /** The Capacity Block to launch into; undefined on demand. */
    capacityBlockId?: pulumi.Input<string>;
}

/** The common launch template arguments; callers add the image, type, network and user data. */
export function launchTemplateBase(b: LaunchTemplateBase): aws.ec2.LaunchTemplateArgs {
    return {
        metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            ...(b.imdsHopLimit === undefined ? {} : { httpPutResponseHopLimit: b.imdsHopLimit }),
        },
        blockDeviceMappings: [
            {
                deviceName: b.rootDeviceName,
                ebs: { volumeSize: b.rootVolumeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
        tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags: b.instanceTags })),
        tags: b.tags,
        ...(b.capacityBlockId === undefined
            ? {}
            : {
                  instanceMarketOptions: { marketType: "capacity-block" },
                  capacityReservationSpecification: { capacityReservationTarget: { capacityReservationId: b.capacityBlockId } },
              }),
    };
}
