/**
 * Where the cluster lives: a new VPC (public + private subnets in the block's AZ and one more AZ, internet
 * gateway, one NAT gateway, routes) or the user's subnets. Either way the compute subnet is in the block's AZ:
 * PCS and EC2 only launch a Capacity Block's instances there ("Configure an AWS PCS compute node group to use
 * a Capacity Block"). PCS nodes need outbound HTTPS to reach the PCS and SSM endpoints, hence the NAT.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetAzError } from "./validation";

export const VPC_CIDR = "10.0.0.0/16";
const PUBLIC_CIDRS = ["10.0.0.0/24", "10.0.1.0/24"];
/** /20s: an EFA-with-ENA interface takes an IP, so a p5.48xlarge uses 32 addresses. */
const PRIVATE_CIDRS = ["10.0.16.0/20", "10.0.32.0/20"];

/** The second AZ for the new VPC: the first available one that is not the block's. */
export function pickSecondAz(available: string[], firstAz: string): string {
    const other = available.find((az) => az !== firstAz);
    if (!other) {
        throw new Error(
            `no second Availability Zone next to ${firstAz} (available: ${available.join(", ") || "none"}); ` +
                `give capblocks:cluster.computeSubnetId to use your own subnets instead.`,
        );
    }
    return other;
}

function firstAvailableAz(available: string[]): string {
    if (available.length === 0) throw new Error("the region reports no available Availability Zone; try another region.");
    return available[0];
}

export interface ClusterNetworkArgs {
    /** The Capacity Block's AZ; undefined on demand (the region's first available AZ is used). */
    blockAz?: pulumi.Input<string>;
    vpcId?: string;
    computeSubnetId?: string;
    loginSubnetId?: string;
    loginPublic: boolean;
    tags: Record<string, string>;
}

export class ClusterNetwork extends pulumi.ComponentResource {
    declare public readonly vpcId: pulumi.Output<string>;
    declare public readonly vpcCidr: pulumi.Output<string>;
    /** Resolves only once the subnet is known to be in the block's AZ. */
    declare public readonly computeSubnetId: pulumi.Output<string>;
    declare public readonly loginSubnetId: pulumi.Output<string>;
    /** Subnets that get a storage mount target (one per AZ); the first is the compute subnet. */
    declare public readonly storageSubnetIds: pulumi.Output<string>[];
    /** Resources nodes need before they boot (NAT routes); empty for the user's subnets. */
    public readonly readiness: pulumi.Resource[];

    constructor(name: string, args: ClusterNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capblocks:index:ClusterNetwork", name, {}, opts);
        const parent = { parent: this };
        if (args.computeSubnetId) {
            const given = existingSubnets(args, this);
            this.vpcId = given.vpcId;
            this.vpcCidr = given.vpcCidr;
            this.computeSubnetId = given.computeSubnetId;
            this.loginSubnetId = given.loginSubnetId;
            this.storageSubnetIds = [given.computeSubnetId];
            this.readiness = [];
        } else {
            const tag = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });
            const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
            // On demand there is no block AZ to honour: take the region's first available one.
            const firstAz = args.blockAz ? pulumi.output(args.blockAz) : zones.names.apply(firstAvailableAz);
            const secondAz = pulumi.all([zones.names, firstAz]).apply(([n, first]) => pickSecondAz(n, first));
            const azs = [firstAz, secondAz];

            const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
                cidrBlock: VPC_CIDR,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: tag("vpc"),
            }, parent);
            const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tag("igw") }, parent);
            const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
                tags: tag("public"),
            }, parent);
            const publicSubnets = azs.map((az, i) => {
                const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
                    vpcId: vpc.id,
                    cidrBlock: PUBLIC_CIDRS[i],
                    availabilityZone: az,
                    mapPublicIpOnLaunch: true,
                    tags: tag(`public-${i}`),
                }, parent);
                new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
                return subnet;
            });
            const natIp = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tag("nat") }, parent);
            const nat = new aws.ec2.NatGateway(`${name}-nat`, {
                allocationId: natIp.id,
                subnetId: publicSubnets[0].id,
                tags: tag("nat"),
            }, { parent: this, dependsOn: [igw] });
            const privateRoutes = new aws.ec2.RouteTable(`${name}-private`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
                tags: tag("private"),
            }, parent);
            const privateAssociations: pulumi.Resource[] = [];
            const privateSubnets = azs.map((az, i) => {
                const subnet = new aws.ec2.Subnet(`${name}-private-${i}`, {
                    vpcId: vpc.id,
                    cidrBlock: PRIVATE_CIDRS[i],
                    availabilityZone: az,
                    tags: tag(`private-${i}`),
                }, parent);
                privateAssociations.push(
                    new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, parent),
                );
                return subnet;
            });
            this.vpcId = vpc.id;
            this.vpcCidr = vpc.cidrBlock;
            this.computeSubnetId = privateSubnets[0].id;
            this.loginSubnetId = args.loginPublic ? publicSubnets[0].id : privateSubnets[0].id;
            this.storageSubnetIds = privateSubnets.map((s) => s.id);
            this.readiness = [privateRoutes, ...privateAssociations];
        }
        this.registerOutputs({ vpcId: this.vpcId, computeSubnetId: this.computeSubnetId, loginSubnetId: this.loginSubnetId });
    }
}

function existingSubnets(args: ClusterNetworkArgs, parent: pulumi.Resource) {
    const computeSubnetId = args.computeSubnetId as string;
    const subnet = aws.ec2.getSubnetOutput({ id: computeSubnetId }, { parent });
    const checkedSubnetId = pulumi
        .all([subnet.availabilityZone, subnet.vpcId, args.blockAz ?? subnet.availabilityZone])
        .apply(([az, vpcId, blockAz]) => {
            const azError = subnetAzError(computeSubnetId, az, blockAz);
            if (azError) throw new Error(azError);
            if (args.vpcId && args.vpcId !== vpcId) {
                throw new Error(
                    `capblocks:cluster.computeSubnetId ${computeSubnetId} is in ${vpcId}, not in capblocks:cluster.vpcId ` +
                        `${args.vpcId}. Give a subnet of that VPC.`,
                );
            }
            return computeSubnetId;
        });
    const vpcId = subnet.vpcId;
    const vpc = aws.ec2.getVpcOutput({ id: vpcId }, { parent });
    return {
        vpcId,
        vpcCidr: vpc.cidrBlock,
        computeSubnetId: checkedSubnetId,
        loginSubnetId: args.loginSubnetId ? pulumi.output(args.loginSubnetId) : checkedSubnetId,
    };
}
