import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lookUp } from "../shared/lookups";

export const SUBNET_KEY = "capblocks:codeServer.subnetId";

export interface Placement {
    subnetId: pulumi.Output<string>;
    vpcId: pulumi.Output<string>;
    availabilityZone: pulumi.Output<string>;
    /** The default VPC's default subnet (public addresses, an internet gateway), not one the user gave. */
    defaultSubnet: boolean;
}

export interface Subnet {
    subnetId: string;
    vpcId: string;
}

/**
 * The default VPC's default subnet in `availabilityZone`. A block's instances must launch in the block's AZ
 * (EC2 user guide, "Capacity Blocks for ML"), so a missing subnet there is an error naming the AZ, not a
 * reason to pick another zone. Default subnets give instances a public IP, which SSM needs without NAT.
 */
export async function defaultSubnetIn(availabilityZone: string, region: string): Promise<Subnet> {
    const useOwnSubnet = `or set ${SUBNET_KEY} to a subnet in ${availabilityZone}`;
    const { id: vpcId } = await lookUp(
        { key: SUBNET_KEY, what: "the default VPC", region },
        () => aws.ec2.getVpc({ default: true, region }),
        `not set, and ${region} has no default VPC; create one with \`aws ec2 create-default-vpc --region ${region}\` ${useOwnSubnet}`,
    );
    const subnets = await aws.ec2.getSubnets({
        region,
        filters: [
            { name: "vpc-id", values: [vpcId] },
            { name: "availability-zone", values: [availabilityZone] },
            { name: "default-for-az", values: ["true"] },
        ],
    });
    if (!subnets.ids.length) {
        throw new pulumi.RunError(
            `${SUBNET_KEY}: not set, and the default VPC ${vpcId} has no default subnet in ${availabilityZone}; create it with ` +
                `\`aws ec2 create-default-subnet --availability-zone ${availabilityZone} --region ${region}\` ${useOwnSubnet}`,
        );
    }
    return { subnetId: [...subnets.ids].sort()[0], vpcId };
}

/** The user's subnet and its VPC; a block's instances launch only in the block's AZ, so a subnet elsewhere is refused. */
export async function checkedSubnet(subnetId: string, availabilityZone: string, region: string): Promise<Subnet> {
    const subnet = await aws.ec2.getSubnet({ id: subnetId, region });
    if (subnet.availabilityZone !== availabilityZone) {
        throw new pulumi.RunError(
            `${SUBNET_KEY}: ${subnetId} is in ${subnet.availabilityZone}, but the instance must run in ${availabilityZone} ` +
                `(a Capacity Block's instances launch only in its Availability Zone); choose a subnet in ${availabilityZone}`,
        );
    }
    return { subnetId, vpcId: subnet.vpcId };
}

/** Where the instance and its work volume go when the program already knows the zone and the subnet (the user's, or the default VPC's). */
export function placementAt(availabilityZone: string, subnet: Subnet, defaultSubnet: boolean): Placement {
    return { subnetId: pulumi.output(subnet.subnetId), vpcId: pulumi.output(subnet.vpcId), availabilityZone: pulumi.output(availabilityZone), defaultSubnet };
}

/** Where the instance and its work volume go: the given subnet, or the default VPC's, in `availabilityZone` (known only as an output). */
export function placementIn(availabilityZone: pulumi.Input<string>, region: string, subnetId?: string): Placement {
    const az = pulumi.output(availabilityZone);
    const subnet = az.apply((zone) => (subnetId ? checkedSubnet(subnetId, zone, region) : defaultSubnetIn(zone, region)));
    return { subnetId: subnet.subnetId, vpcId: subnet.vpcId, availabilityZone: az, defaultSubnet: subnetId === undefined };
}

/** On demand there is no block to fix the AZ: the given subnet's AZ, the configured one, or `<region>a`. */
export async function onDemandZone(region: string, subnetId?: string, availabilityZone?: string): Promise<string> {
    if (subnetId) return (await aws.ec2.getSubnet({ id: subnetId, region })).availabilityZone;
    return availabilityZone ?? `${region}a`;
}
