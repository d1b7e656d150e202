/**
 * Where the cluster lives: a new VPC (public + private subnets in two AZs, internet gateway, one NAT gateway,
 * routes) or the user's subnets. Either way the compute subnet is in the block's AZ: PCS and EC2 only launch a
 * Capacity Block's instances there ("Configure an AWS PCS compute node group to use a Capacity Block"). PCS
 * nodes need outbound HTTPS to reach the PCS and SSM endpoints, hence the NAT.
 *
 * The new VPC keeps its home AZ (where its first subnets were made, and with them the NAT, the PCS controller's
 * interface and FSx for Lustre) for its whole life: a subnet's availabilityZone forces a replacement, and
 * replacing the home subnet would take the file system with it (docs/replacements.md#the-cluster). A block in
 * another AZ gets the second private subnet: it moves there (deleted first, since its replacement reuses the
 * CIDR, which EC2 refuses while the old subnet exists); it holds only an EFS mount target, no data.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lookUpIfAny } from "../shared/lookups";

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

/** The AZs of the new VPC's subnets: home (slot 0, public and private) and the two second subnets (slot 1). */
export interface VpcZones {
    home: string;
    publicSecond: string;
    privateSecond: string;
    /** The slot whose private subnet is in the block's AZ: 0 (home) or 1. */
    computeSlot: 0 | 1;
}

/**
 * The VPC's zones when the block is in `blockAz` (undefined on demand): home stays; the public second subnet
 * stays next to it; the private second subnet is in the block's AZ when that is not home.
 */
export function vpcZones(available: string[], home: string, blockAz?: string): VpcZones {
    const publicSecond = pickSecondAz(available, home);
    const away = blockAz !== undefined && blockAz !== home;
    return { home, publicSecond, privateSecond: away ? blockAz : publicSecond, computeSlot: away ? 1 : 0 };
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
    /** A subnet of the user's VPC in the block's AZ (checked by cluster/preflight.ts); undefined: a new VPC. */
    computeSubnetId?: string;
    loginSubnetId?: string;
    loginPublic: boolean;
    /**
     * A new VPC without its NAT gateway (and the private subnets' route out) while the cluster's hourly parts wait
     * (deferral.ts): nothing in those subnets needs the internet yet. The route is added in place later.
     */
    withoutNat?: boolean;
    tags: Record<string, string>;
}

/** What the cluster needs from its network, whether created here or given. */
interface Subnets {
    vpcId: pulumi.Output<string>;
    vpcCidr: pulumi.Output<string>;
    computeSubnetId: pulumi.Output<string>;
    loginSubnetId: pulumi.Output<string>;
    storageSubnetIds: pulumi.Output<string>[];
    homeSubnetId: pulumi.Output<string>;
    homeAvailabilityZone: pulumi.Output<string>;
    computeAvailabilityZone: pulumi.Output<string>;
    readiness: pulumi.Resource[];
}

export class ClusterNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    /** Resolves only once the subnet is known to be in the block's AZ. */
    public readonly computeSubnetId: pulumi.Output<string>;
    public readonly loginSubnetId: pulumi.Output<string>;
    /** Subnets that get a storage mount target (one per AZ); the first is the home subnet. */
    public readonly storageSubnetIds: pulumi.Output<string>[];
    /** The subnet that stays when blocks move (the compute subnet for subnets of your own). */
    public readonly homeSubnetId: pulumi.Output<string>;
    public readonly homeAvailabilityZone: pulumi.Output<string>;
    public readonly computeAvailabilityZone: pulumi.Output<string>;
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
        this.homeSubnetId = subnets.homeSubnetId;
        this.homeAvailabilityZone = subnets.homeAvailabilityZone;
        this.computeAvailabilityZone = subnets.computeAvailabilityZone;
        this.readiness = subnets.readiness;
        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            computeSubnetId: this.computeSubnetId,
            loginSubnetId: this.loginSubnetId,
            storageSubnetIds: this.storageSubnetIds,
            homeSubnetId: this.homeSubnetId,
            homeAvailabilityZone: this.homeAvailabilityZone,
            computeAvailabilityZone: this.computeAvailabilityZone,
        });
    }
}

/**
 * The AZ the stack's VPC already has its home subnet in (found by its Name and capblocks:cluster tags), or
 * undefined before the first `up`. Subnets die with the stack (they are not retained), so no other stack's match.
 */
function existingHomeAz(name: string, args: ClusterNetworkArgs): pulumi.Output<string | undefined> {
    const cluster = args.tags["capblocks:cluster"];
    if (!cluster) return pulumi.output(undefined);
    const subnetName = `${name}-private-0`;
    const found = lookUpIfAny({ key: "capblocks:cluster", what: `this cluster's subnet ${subnetName}`, region: args.region }, () =>
        aws.ec2.getSubnet({ filters: [{ name: "tag:Name", values: [subnetName] }, { name: "tag:capblocks:cluster", values: [cluster] }] }),
    );
    return pulumi.output(found.then((subnet) => subnet?.availabilityZone));
}

/** A VPC with a public and a private subnet in each of two AZs (home first), one NAT gateway and the routes. */
function newVpc(name: string, args: ClusterNetworkArgs, self: pulumi.Resource): Subnets {
    const parent = { parent: self };
    const tag = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const firstAz = (): pulumi.Output<string> => (args.blockAz ? pulumi.output(args.blockAz) : zones.names.apply((names) => firstAvailableAz(names, args.region)));
    // The home AZ never follows a later block: once the VPC exists, its home subnet's AZ is the answer.
    const home = existingHomeAz(name, args).apply((found) => (found ? pulumi.output(found) : firstAz()));
    const publicSecond = pulumi.all([zones.names, home]).apply(([names, h]) => pickSecondAz(names, h));
    const layout = pulumi.all([zones.names, home, args.blockAz]).apply(([names, h, blockAz]) => vpcZones(names, h, blockAz));

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
        cidrBlock: VPC_CIDR,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: tag("vpc"),
    }, parent);
    // CIS AWS 5.4 (checkov CKV2_AWS_12): the VPC's default security group, which nothing here uses, admits nothing.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: tag("default-sg") }, parent);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tag("igw") }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: tag("public"),
    }, parent);
    // Home subnets: a replacement would take the NAT, the PCS controller's interface and FSx with it, so their AZ
    // is never changed, even if the lookup above ever missed them.
    const homeOnly = { parent: self, ignoreChanges: ["availabilityZone"] };
    const publicSubnets = [home, publicSecond].map((az, i) => {
        const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
            vpcId: vpc.id,
            cidrBlock: PUBLIC_CIDRS[i],
            availabilityZone: az,
            // Only the NAT gateway (its Elastic IP) and a public login node (its launch template) get public addresses.
            mapPublicIpOnLaunch: false,
            tags: tag(`public-${i}`),
        }, i === 0 ? homeOnly : parent);
        new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
        return subnet;
    });
    const natGateway = () => {
        const natIp = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tag("nat") }, parent);
        return new aws.ec2.NatGateway(`${name}-nat`, {
            allocationId: natIp.id,
            subnetId: publicSubnets[0].id,
            tags: tag("nat"),
        }, { parent: self, dependsOn: [igw] });
    };
    const privateRoutes = new aws.ec2.RouteTable(`${name}-private`, {
        vpcId: vpc.id,
        routes: args.withoutNat ? [] : [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway().id }],
        tags: tag("private"),
    }, parent);
    const privateAssociations: pulumi.Resource[] = [];
    const privateZones = [home, layout.privateSecond];
    const privateSubnets = privateZones.map((az, i) => {
        const subnet = new aws.ec2.Subnet(`${name}-private-${i}`, {
            vpcId: vpc.id,
            cidrBlock: PRIVATE_CIDRS[i],
            availabilityZone: az,
            tags: tag(`private-${i}`),
        }, i === 0 ? homeOnly : { parent: self, deleteBeforeReplace: true });
        privateAssociations.push(
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, parent),
        );
        return subnet;
    });
    const computeSubnetId = pulumi
        .all([layout.computeSlot, privateSubnets[0].id, privateSubnets[1].id])
        .apply(([slot, homeId, secondId]) => (slot === 0 ? homeId : secondId));
    return {
        vpcId: vpc.id,
        vpcCidr: vpc.cidrBlock,
        computeSubnetId,
        loginSubnetId: args.loginPublic ? publicSubnets[0].id : privateSubnets[0].id,
        storageSubnetIds: privateSubnets.map((subnet) => subnet.id),
        homeSubnetId: privateSubnets[0].id,
        homeAvailabilityZone: home,
        computeAvailabilityZone: pulumi.all([layout.computeSlot, home, layout.privateSecond]).apply(([slot, h, second]) => (slot === 0 ? h : second)),
        readiness: [privateRoutes, ...privateAssociations],
    };
}

/**
 * The user's subnets. That the compute subnet is in the block's AZ (and in vpcId) is checked at program time, before
 * anything is bought or declared (cluster/preflight.ts): a check here could only fail inside an apply, after the purchase.
 */
function existingSubnets(args: ClusterNetworkArgs, computeSubnetId: string, parent: pulumi.Resource): Subnets {
    const subnet = aws.ec2.getSubnetOutput({ id: computeSubnetId }, { parent });
    const subnetId = pulumi.output(computeSubnetId);
    const vpc = aws.ec2.getVpcOutput({ id: subnet.vpcId }, { parent });
    return {
        vpcId: subnet.vpcId,
        vpcCidr: vpc.cidrBlock,
        computeSubnetId: subnetId,
        loginSubnetId: args.loginSubnetId ? pulumi.output(args.loginSubnetId) : subnetId,
        storageSubnetIds: [subnetId],
        homeSubnetId: subnetId,
        homeAvailabilityZone: subnet.availabilityZone,
        computeAvailabilityZone: subnet.availabilityZone,
        readiness: [],
    };
}
