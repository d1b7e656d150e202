/**
 * Where the cluster lives: a new VPC (public + private subnets in the block's AZ and one more AZ, internet
 * gateway, one NAT gateway, routes) or the user's subnets. Either way the compute subnet is in the block's AZ:
 * PCS and EC2 only launch a Capacity Block's instances there ("Configure an AWS PCS compute node group to use
 * a Capacity Block"). PCS nodes need outbound HTTPS to reach the PCS and SSM endpoints, hence the NAT.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetAzError } from "./validation";

const VPC_CIDR = "10.0.0.0/16";
const PUBLIC_CIDRS = ["10.0.0.0/24", "10.0.1.0/24"];
/** /20s: an EFA-with-ENA interface takes an IP, so a p5.48xlarge uses 32 addresses. */
const PRIVATE_CIDRS = ["10.0.16.0/20", "10.0.32.0/20"];
const COMPUTE_SUBNET_KEY = "capblocks:cluster.computeSubnetId";

/** The second AZ for the new VPC: the first available one that is not the block's. */
export function pickSecondAz(available: string[], firstAz: string): string {
    const other = available.find((az) => az !== firstAz);
    if (!other) {
        throw new pulumi.RunError(
            `${COMPUTE_SUBNET_KEY}: not set, and there is no second Availability Zone next to ${firstAz} for a new VPC ` +
                `(available: ${available.join(", ") || "none"}); set it (and vpcId) to use subnets of your own VPC`,
        );
    }
    return other;
}

/** On demand there is no block AZ to honour: the region's first available one. */
export function firstAvailableAz(available: string[], region: string): string {
    if (available.length === 0) throw new pulumi.RunError(`aws:region: ${region} reports no available Availability Zone; choose another region`);
    return available[0];
}

export interface ClusterNetworkArgs {
    region: string;
    /** The Capacity Block's AZ; undefined on demand (the region's first available AZ is used). */
    blockAz?: pulumi.Input<string>;
    vpcId?: string;
    computeSubnetId?: string;
    loginSubnetId?: string;
    loginPublic: boolean;
    tags: Record<string, string>;
}

/** What the cluster needs from its network, whether created here or given. */
interface Subnets {
    vpcId: pulumi.Output<string>;
    vpcCidr: pulumi.Output<string>;
    computeSubnetId: pulumi.Output<string>;
    loginSubnetId: pulumi.Output<string>;
    storageSubnetIds: pulumi.Output<string>[];
    readiness: pulumi.Resource[];
}

export class ClusterNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    /** Resolves only once the subnet is known to be in the block's AZ. */
    public readonly computeSubnetId: pulumi.Output<string>;
    public readonly loginSubnetId: pulumi.Output<string>;
    /** Subnets that get a storage mount target (one per AZ); the first is the compute subnet. */
    public readonly storageSubnetIds: pulumi.Output<string>[];
    /** Resources nodes need before they boot (NAT routes); empty for the user's subnets. */
    public readonly readiness: pulumi.Resource[];

    constructor(name: string, args: ClusterNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capblocks:index:ClusterNetwork", name, {}, opts);
        const subnets = args.computeSubnetId ? existingSubnets(args, args.computeSubnetId, this) : newVpc(name, args, this);
        this.vpcId = subnets.vpcId;
        this.vpcCidr = subnets.vpcCidr;
        this.computeSubnetId = subnets.computeSubnetId;
        this.loginSubnetId = subnets.loginSubnetId;
        this.storageSubnetIds = subnets.storageSubnetIds;
        this.readiness = subnets.readiness;
        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            computeSubnetId: this.computeSubnetId,
            loginSubnetId: this.loginSubnetId,
            storageSubnetIds: this.storageSubnetIds,
        });
    }
}

/** A VPC with a public and a private subnet in each of two AZs (the block's first), one NAT gateway and the routes. */
function newVpc(name: string, args: ClusterNetworkArgs, self: pulumi.Resource): Subnets {
    const parent = { parent: self };
    const tag = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const firstAz = args.blockAz ? pulumi.output(args.blockAz) : zones.names.apply((names) => firstAvailableAz(names, args.region));
    const secondAz = pulumi.all([zones.names, firstAz]).apply(([names, first]) => pickSecondAz(names, first));
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
    }, { parent: self, dependsOn: [igw] });
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
    return {
        vpcId: vpc.id,
        vpcCidr: vpc.cidrBlock,
        computeSubnetId: privateSubnets[0].id,
        loginSubnetId: args.loginPublic ? publicSubnets[0].id : privateSubnets[0].id,
        storageSubnetIds: privateSubnets.map((subnet) => subnet.id),
        readiness: [privateRoutes, ...privateAssociations],
    };
}

/** The user's subnets, the compute one checked to be in the block's AZ (and in vpcId, when given). */
function existingSubnets(args: ClusterNetworkArgs, computeSubnetId: string, parent: pulumi.Resource): Subnets {
    const subnet = aws.ec2.getSubnetOutput({ id: computeSubnetId }, { parent });
    const checkedSubnetId = pulumi
        .all([subnet.availabilityZone, subnet.vpcId, args.blockAz ?? subnet.availabilityZone])
        .apply(([az, vpcId, blockAz]) => {
            const azError = subnetAzError(computeSubnetId, az, blockAz);
            if (azError) throw new pulumi.RunError(azError);
            if (args.vpcId && args.vpcId !== vpcId) {
                throw new pulumi.RunError(
                    `${COMPUTE_SUBNET_KEY}: ${computeSubnetId} is in ${vpcId}, not in capblocks:cluster.vpcId ${args.vpcId}; give a subnet of that VPC`,
                );
            }
            return computeSubnetId;
        });
    const vpc = aws.ec2.getVpcOutput({ id: subnet.vpcId }, { parent });
    return {
        vpcId: subnet.vpcId,
        vpcCidr: vpc.cidrBlock,
        computeSubnetId: checkedSubnetId,
        loginSubnetId: args.loginSubnetId ? pulumi.output(args.loginSubnetId) : checkedSubnetId,
        storageSubnetIds: [checkedSubnetId],
        readiness: [],
    };
}
