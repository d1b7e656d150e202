/**
 * Pulumi mocks for the PCS cluster tests: records every registered resource and answers the invokes the
 * cluster uses (availability zones, the PCS AMI parameter and the AMI's root device, subnets, VPCs, the partition).
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    type: string;
    name: string;
    id: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inputs: any;
}

export interface PcsMockOptions {
    availabilityZones?: string[];
    /** Answers for aws.ec2.getSubnet by subnet id. */
    subnets?: Record<string, { availabilityZone: string; vpcId: string }>;
    /** Answers for aws.ec2.getSubnet by Name tag (an earlier deployment's VPC subnets); none: nothing matches. */
    subnetsByName?: Record<string, { id: string; availabilityZone: string }>;
    pcsAmiId?: string;
}

export class PcsMocks implements pulumi.runtime.Mocks {
    public readonly resources: RecordedResource[] = [];
    public readonly invokes: string[] = [];

    constructor(private readonly options: PcsMockOptions = {}) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const id = `${args.name}-id`;
        this.resources.push({ type: args.type, name: args.name, id, inputs: args.inputs });
        return { id, state: { ...args.inputs, ...computedOutputs(args) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.invokes.push(args.token);
        switch (args.token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: this.options.availabilityZones ?? ["us-east-2a", "us-east-2b", "us-east-2c"], zoneIds: [] };
            case "aws:ssm/getParameter:getParameter":
                return { name: args.inputs.name, value: this.options.pcsAmiId ?? "ami-0pcsready", type: "String" };
            case "aws:ec2/getSubnet:getSubnet": {
                const byName = (args.inputs.filters as { name: string; values: string[] }[] | undefined)?.find((f) => f.name === "tag:Name")?.values[0];
                if (byName !== undefined) {
                    const found = this.options.subnetsByName?.[byName];
                    // The wording of terraform-provider-aws tfresource.SingularDataSourceFindError for an empty result;
                    // the SDK rethrows an invoke failure's `details` as the message.
                    if (!found) throw Object.assign(new Error("no matching EC2 Subnet found"), { details: "no matching EC2 Subnet found" });
                    return { ...found, vpcId: "vpc-0cluster" };
                }
                const subnet = this.options.subnets?.[args.inputs.id];
                if (!subnet) throw new Error(`mock: no subnet ${args.inputs.id}`);
                return { id: args.inputs.id, ...subnet };
            }
            case "aws:ec2/getAmi:getAmi":
                return { id: args.inputs.filters[0].values[0], rootDeviceName: "/dev/sda1" };
            case "aws:ec2/getVpc:getVpc":
                return { id: args.inputs.id, cidrBlock: "172.31.0.0/16" };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com" };
            default:
                throw new Error(`mock: unexpected invoke ${args.token}`);
        }
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string, nameSuffix: string): RecordedResource {
        const found = this.ofType(type).filter((r) => r.name.endsWith(nameSuffix));
        if (found.length !== 1) throw new Error(`expected one ${type} named *${nameSuffix}, found ${found.length}`);
        return found[0];
    }
}

function computedOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    switch (args.type) {
        case "aws:efs/mountTarget:MountTarget":
            return { ipAddress: "10.0.16.5" };
        case "aws:fsx/lustreFileSystem:LustreFileSystem":
            return { dnsName: "fs-0abc.fsx.us-east-2.amazonaws.com", mountName: "abcd1234" };
        case "aws:iam/role:Role":
            return { arn: `arn:aws:iam::123456789012:role/aws-pcs/${args.name}` };
        case "aws:iam/instanceProfile:InstanceProfile":
            return { arn: `arn:aws:iam::123456789012:instance-profile/aws-pcs/${args.name}`, name: args.inputs.name ?? args.name };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { latestVersion: 1 };
        case "aws-native:pcs:Cluster": {
            const awsId = `pcs_${args.name.replace(/[^a-z0-9]/gi, "")}`;
            return { awsId, arn: `arn:aws:pcs:us-east-2:123456789012:cluster/${awsId}` };
        }
        case "aws-native:pcs:ComputeNodeGroup":
        case "aws-native:pcs:Queue":
            return { awsId: `pcs_${args.name.replace(/[^a-z0-9]/gi, "")}` };
        case "aws:imagebuilder/component:Component":
        case "aws:imagebuilder/imageRecipe:ImageRecipe":
        case "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration":
        case "aws:imagebuilder/distributionConfiguration:DistributionConfiguration":
            return { arn: `arn:aws:imagebuilder:us-east-2:123456789012:${args.type.split("/")[1].split(":")[0]}/${args.name}` };
        case "aws:imagebuilder/image:Image":
            return { arn: `arn:aws:imagebuilder:us-east-2:123456789012:image/${args.name}/1.0.0/1`, outputResources: [{ amis: [{ image: "ami-0built" }] }] };
        default:
            return {};
    }
}

/** Runs `build` against fresh mocks (fresh runtime state per call) and waits for every registration. */
export async function underMocks<T>(mocks: PcsMocks, build: () => T): Promise<T> {
    await pulumi.runtime.setMocks(mocks, "capblocks", "test", false);
    const built = build();
    await waitForRegistrations();
    return built;
}

async function waitForRegistrations(): Promise<void> {
    const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
    if (!runtime.waitForRPCs) throw new Error("@pulumi/pulumi no longer exposes runtime.waitForRPCs; update pcsMocks.ts");
    await runtime.waitForRPCs();
}

/** An output's value, or its error (Output internals: promise() rejects when an apply threw). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}
