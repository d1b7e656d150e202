/**
 * Pulumi runtime mocks for running capblocks without AWS: the offline plan and the tests share them. They
 * answer the program's invokes (VPC, subnets, SSM parameters, AMI, Capacity Block lookups) from stated
 * assumptions, record every registered resource with its parent and inputs (secrets masked), and list the
 * values they had to assume so the plan can label them.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const SECRET_MARK = "[secret]";

export interface BlockFacts {
    id: string;
    instanceType: string;
    instanceCount: number;
    availabilityZone: string;
    state: string;
    startDate: string;
    endDate: string;
}

export interface Assumptions {
    region: string;
    /** AZ a bought block lands in (and the AZ of adopted/found blocks unless `block` says otherwise). */
    availabilityZone: string;
    /**
     * The block the program-time lookups find by its id (recorded by the last deployment, or adopted).
     * Undefined: nothing found — a bought block is "not bought yet", an adopted id does not exist.
     */
    block?: BlockFacts;
    /**
     * The stack's own outputs from its last deployment (what the program reads back with a stack reference to
     * itself). Default: a deployment that recorded `block` (blockId only), or none (the first deployment).
     */
    previousOutputs?: Record<string, string>;
    /** More blocks the lookups find by id (e.g. an older generation's block next to `block`). */
    otherBlocks?: BlockFacts[];
    /**
     * Answer as `pulumi preview` does: a CapacityBlock still to buy comes back with its (assumed) quote, which the
     * program then logs. Off, as after `pulumi up`: no quote.
     */
    preview?: boolean;
    /** SSM parameter values (adopt-by-parameter names, AMI parameters). Unlisted AMI parameters get `amiId`. */
    parameters?: Record<string, string>;
    amiId?: string;
    /** Default-VPC default subnets per AZ; an AZ not listed gets one subnet. */
    subnetsByAz?: Record<string, string[]>;
    /** Subnets looked up by id: their AZ. */
    subnetAzs?: Record<string, string>;
    /** EBS volumes that exist, by id (the volume-id lookup finds nothing else); `snapshotId` for one restored from a snapshot. */
    volumes?: Record<string, { availabilityZone: string; encrypted: boolean; sizeGb: number; snapshotId?: string }>;
    /** EFS file systems that exist, by id; `availabilityZoneName` only for One Zone ones. */
    fileSystems?: Record<string, { encrypted: boolean; availabilityZoneName?: string }>;
    /** Secrets that exist, by reference: SSM SecureString parameter names and Secrets Manager ARNs. */
    secrets?: string[];
    /** Subnets the tag lookups find, by their Name tag: an earlier deployment's cluster subnets. */
    subnetsByName?: Record<string, { id: string; availabilityZone: string }>;
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent resource's name, or null at the top. */
    parent: string | null;
    /** Parent resource's URN, or null at the top (names repeat across types; URNs do not). */
    parentUrn: string | null;
    custom: boolean;
    /** Inputs as the engine received them; secret values are SECRET_MARK. */
    inputs: Record<string, unknown>;
    /** The resource options that decide what happens to data: only those set. */
    options: ResourceOptionsSeen;
    /** The id the mocks gave it (custom resources); set once the registration answered. */
    id?: string;
    /** The replaceOnChanges option (aws-native sets it from createOnlyProperties); not part of the plan's output. */
    replaceOnChanges?: string[];
}

interface ResourceOptionsSeen {
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
    /** Names of the resources it explicitly depends on. */
    dependsOn?: string[];
}

export interface MockRun {
    resources: RecordedResource[];
    /** Human sentences naming each value the mocks made up. */
    assumed: string[];
    /** Invoke tokens in call order, with their arguments. */
    calls: { token: string; inputs: Record<string, unknown> }[];
    /** Resources the program read (not managed), e.g. its stack reference to itself: type, name, id. */
    reads: { type: string; name: string; id: string }[];
    /** Ids, ARNs and addresses the mocks made up for resources to create (AWS assigns them on `pulumi up`). */
    madeUp: string[];
}

function hexId(prefix: string, seed: string, length = 17): string {
    return `${prefix}-${createHash("sha256").update(seed).digest("hex").slice(0, length)}`;
}

/** A Secrets Manager version id (a UUID) made from `seed`. */
function mockVersionId(seed: string): string {
    const hex = createHash("sha256").update(seed).digest("hex");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join("-");
}

/** Turns the engine's wire form into plain values: secrets become SECRET_MARK, resources their URN. */
function plainValue(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(plainValue);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const sig = o[pulumi.runtime.specialSigKey];
        if (sig === pulumi.runtime.specialSecretSig) return SECRET_MARK;
        if (sig === pulumi.runtime.specialResourceSig) return o.urn;
        if (sig !== undefined) return o.value ?? o.path ?? o.text ?? "[asset]";
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainValue(x)]));
    }
    return v === pulumi.runtime.unknownValue ? "[unknown]" : v;
}

/** An invoke failure as the engine reports it: the SDK rethrows `details` as the error message. */
function invokeError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

function noMatch(): Error {
    // The wording of terraform-provider-aws tfresource.SingularDataSourceFindError for an empty result.
    return invokeError("no matching EC2 Capacity Block Reservation found");
}

type MockedResource = { id: string; state: Record<string, unknown> };
type ResourceAnswer = (name: string, inputs: Record<string, unknown>, a: Assumptions) => MockedResource;

const arnOf = (a: Assumptions, service: string, kind: string, name: string) => `arn:aws:${service}:${a.region}:123456789012:${kind}/${name}`;

/** The quote preview would show for a block not bought yet, with the made-up fee (the ceiling) said to be assumed. */
function assumedQuote(inputs: Record<string, unknown>, a: Assumptions, start: string, end: string): string {
    const types = inputs.instanceTypes as string[] | undefined;
    const type = types ? `${types[0]} (assumed the cheapest per accelerator-hour among ${types.join(", ")})` : String(inputs.instanceType);
    return `up would buy (${String(inputs.selection ?? "cheapest")}, if still offered): ${String(inputs.instanceCount)} x ${type} ` +
        `in ${a.availabilityZone}, ${start} → ${end}, ${String(inputs.maxUpfrontFee)} USD; ceiling ${String(inputs.maxUpfrontFee)} USD ` +
        "(offline: zone, dates and fee are assumed, the fee at the ceiling; `pulumi preview` asks EC2)";
}

/** The stack's outputs from its last deployment, as the stack reference reads them. */
function previousOutputsOf(a: Assumptions): Record<string, string> {
    return a.previousOutputs ?? (a.block ? { blockId: a.block.id } : {});
}

/** The block the last deployment recorded for this generation, if the lookups know it. */
function recordedBlock(inputs: Record<string, unknown>, a: Assumptions): BlockFacts | undefined {
    const previous = previousOutputsOf(a);
    const generation = String(inputs.generation);
    const id = (previous.blockGeneration ?? generation) === generation ? previous.blockId
        : previous.nextBlockGeneration === generation ? previous.nextBlockId : undefined;
    return [a.block, ...(a.otherBlocks ?? [])].find((b) => b !== undefined && b.id === id);
}

function capacityBlockState(name: string, inputs: Record<string, unknown>, a: Assumptions): MockedResource {
    // The resource holds the block the last deployment recorded for its generation (keeping its facts); any other
    // generation's block is bought on this run: scheduled, in the assumed AZ, from tomorrow.
    const recorded = recordedBlock(inputs, a);
    const start = recorded?.startDate ?? assumedStart();
    const block = recorded ?? {
        id: hexId("cr", name),
        availabilityZone: a.availabilityZone,
        state: "scheduled",
        startDate: start,
        endDate: new Date(Date.parse(start) + Number(inputs.durationHours ?? 24) * 3600_000).toISOString(),
    };
    return {
        id: block.id,
        state: {
            ...inputs,
            // The type bought: what the recorded block is, else the one type asked, else (several) the first.
            instanceType: recorded?.instanceType ?? inputs.instanceType ?? (inputs.instanceTypes as string[] | undefined)?.[0],
            reservationId: block.id,
            offeringId: hexId("cb", name),
            availabilityZone: block.availabilityZone,
            startDate: block.startDate,
            endDate: block.endDate,
            upfrontFee: String(inputs.maxUpfrontFee ?? "0"),
            currencyCode: "USD",
            state: block.state,
            totalInstanceCount: inputs.instanceCount,
            availableInstanceCount: block.state === "active" ? inputs.instanceCount : 0,
            purchaseToken: "mock-token",
            // As preview shows a purchase: the engine answers with the checked inputs, which carry the quote.
            ...(recorded || !a.preview ? {} : { quote: assumedQuote(inputs, a, block.startDate, block.endDate) }),
        },
    };
}

/** A stack reference: the referenced stack's outputs (here always this stack's own, from its last deployment). */
function stackReferenceState(name: string, inputs: Record<string, unknown>, a: Assumptions): MockedResource {
    const outputs = previousOutputsOf(a);
    return { id: String(inputs.name ?? name), state: { name: inputs.name, outputs, secretOutputNames: [] } };
}

function pcsState(name: string, inputs: Record<string, unknown>, a: Assumptions): MockedResource {
    const awsId = `pcs_${createHash("sha256").update(name).digest("hex").slice(0, 10)}`;
    return { id: awsId, state: { ...inputs, awsId, arn: `arn:aws:pcs:${a.region}:123456789012:${name}/${awsId}` } };
}

/** Image Builder resources are known by ARN; the image's AMI is one made up from its name. */
function imageBuilderState(name: string, inputs: Record<string, unknown>, a: Assumptions, extra: Record<string, unknown> = {}): MockedResource {
    const arn = `arn:aws:imagebuilder:${a.region}:123456789012:${name}/1.0.0`;
    return { id: arn, state: { ...inputs, arn, ...extra } };
}

/** A cluster's ARN has the Service Authorization Reference's shape: IAM policies name it. */

/** A cluster's ARN has the Service Authorization Reference's shape: IAM policies name it. */
function pcsClusterState(name: string, inputs: Record<string, unknown>, a: Assumptions): MockedResource {
    const answer = pcsState(name, inputs, a);
    return { ...answer, state: { ...answer.state, arn: `arn:aws:pcs:${a.region}:123456789012:cluster/${answer.id}` } };
}

/** What AWS would add to each resource type's inputs; any other type echoes its inputs under the id `<name>-id`. */
const RESOURCE_ANSWERS: Record<string, ResourceAnswer> = {
    "aws:ec2/instance:Instance": (name, inputs, a) => ({
        id: hexId("i", name),
        state: {
            ...inputs,
            publicDns: `ec2-198-51-100-7.${a.region}.compute.amazonaws.com`,
            privateIp: "172.31.0.10",
            primaryNetworkInterfaceId: hexId("eni", name),
        },
    }),
    "aws:ec2/eip:Eip": (name, inputs, a) => ({
        id: `${name}-id`,
        state: { ...inputs, publicIp: "198.51.100.8", publicDns: `ec2-198-51-100-8.${a.region}.compute.amazonaws.com` },
    }),
    // Pulumi names a parameter without a name after the resource, with a random suffix.
    "aws:ssm/parameter:Parameter": (name, inputs, a) => {
        const parameter = String(inputs.name ?? `${name}-${hexId("p", name, 7).slice(2)}`);
        return { id: parameter, state: { ...inputs, name: parameter, arn: arnOf(a, "ssm", "parameter", parameter.replace(/^\//, "")) } };
    },
    "aws:ebs/volume:Volume": (name, inputs, a) => ({ id: hexId("vol", name), state: { ...inputs, arn: arnOf(a, "ec2", "volume", name) } }),
    "aws:ebs/snapshot:Snapshot": (name, inputs, a) => ({ id: hexId("snap", name), state: { ...inputs, arn: arnOf(a, "ec2", "snapshot", name) } }),
    "aws:ec2/securityGroup:SecurityGroup": (name, inputs, a) => ({ id: hexId("sg", name), state: { ...inputs, arn: arnOf(a, "ec2", "security-group", name) } }),
    "aws:ec2/launchTemplate:LaunchTemplate": (name, inputs) => ({ id: hexId("lt", name), state: { ...inputs, latestVersion: 1, defaultVersion: 1 } }),
    "aws:iam/role:Role": (name, inputs) => ({
        id: `${name}-1234567`,
        state: { ...inputs, name: `${name}-1234567`, arn: `arn:aws:iam::123456789012:role/${name}` },
    }),
    "aws:iam/instanceProfile:InstanceProfile": (name, inputs) => ({
        id: `${name}-1234567`,
        state: { ...inputs, arn: `arn:aws:iam::123456789012:instance-profile/${name}` },
    }),
    "aws:secretsmanager/secret:Secret": (name, inputs, a) => {
        const arn = `arn:aws:secretsmanager:${a.region}:123456789012:secret:${name}-AbCdEf`;
        return { id: arn, state: { ...inputs, arn } };
    },
    "random:index/randomPassword:RandomPassword": (name, inputs) => ({ id: "none", state: { ...inputs, result: `mock-${hexId("pw", name, 24)}` } }),
    "random:index/randomUuid:RandomUuid": (name, inputs) => ({ id: "none", state: { ...inputs, result: `mock-${hexId("uuid", name, 24)}` } }),
    "aws:secretsmanager/secretVersion:SecretVersion": (name, inputs) => ({ id: `${name}-id`, state: { ...inputs, versionId: mockVersionId(name) } }),
    "pulumi-nodejs:dynamic/capblocks:CapacityBlock": capacityBlockState,
    "aws:efs/fileSystem:FileSystem": (name, inputs, a) => ({ id: hexId("fs", name), state: { ...inputs, arn: arnOf(a, "elasticfilesystem", "file-system", name) } }),
    // An address in the new VPC's first or second private subnet (10.0.16.0/20, 10.0.32.0/20), by the target's index.
    "aws:efs/mountTarget:MountTarget": (name, inputs) => ({ id: hexId("fsmt", name), state: { ...inputs, ipAddress: name.endsWith("-1") ? "10.0.32.5" : "10.0.16.5" } }),
    "aws:fsx/lustreFileSystem:LustreFileSystem": (name, inputs, a) => ({
        id: hexId("fs", name),
        state: { ...inputs, dnsName: `${hexId("fs", name)}.fsx.${a.region}.amazonaws.com`, mountName: "abcd1234" },
    }),
    "aws:imagebuilder/component:Component": imageBuilderState,
    "aws:imagebuilder/imageRecipe:ImageRecipe": imageBuilderState,
    "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration": imageBuilderState,
    "aws:imagebuilder/distributionConfiguration:DistributionConfiguration": imageBuilderState,
    "aws:imagebuilder/image:Image": (name, inputs, a) =>
        imageBuilderState(name, inputs, a, { outputResources: [{ amis: [{ region: a.region, image: hexId("ami", name) }] }] }),
    "aws-native:pcs:Cluster": pcsClusterState,
    "aws-native:pcs:ComputeNodeGroup": pcsState,
    "aws-native:pcs:Queue": pcsState,
    "aws:cloudwatch/logGroup:LogGroup": (name, inputs, a) => {
        const groupName = `${String(inputs.namePrefix ?? "")}${hexId("lg", name, 26).slice(3)}`;
        return { id: groupName, state: { ...inputs, name: groupName, arn: `arn:aws:logs:${a.region}:123456789012:log-group:${groupName}` } };
    },
    "pulumi-nodejs:dynamic/capblocks:SsmTasks": (name, inputs) => ({ id: hexId("ssm", name), state: { ...inputs, taskStates: {} } }),
    "pulumi:pulumi:StackReference": stackReferenceState,
};

function outputsFor(type: string, name: string, inputs: Record<string, unknown>, a: Assumptions): MockedResource {
    const answer = RESOURCE_ANSWERS[type];
    return answer ? answer(name, inputs, a) : { id: `${name}-id`, state: { ...inputs } };
}

/** The outputs of a mocked resource that name it and that AWS would assign: its id, ARN and DNS names. */
const MADE_UP_OUTPUTS = ["arn", "publicDns", "dnsName"];

function madeUpBy({ id, state }: MockedResource): string[] {
    const named = MADE_UP_OUTPUTS.map((k) => state[k]).filter((v): v is string => typeof v === "string" && v !== "");
    // Random resources have no id of their own ("none").
    return [...new Set(id === "none" ? named : [id, ...named])];
}

/** Tomorrow at 11:30 UTC, when blocks start and end: a start date that never goes stale. */
export function assumedStart(now = new Date()): string {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 11, 30));
    return d.toISOString();
}

type Filters = { name: string; values: string[] }[];
const filterValue = (inputs: Record<string, unknown>, name: string) =>
    ((inputs.filters as Filters | undefined) ?? []).find((f) => f.name === name)?.values[0];

type InvokeAnswer = (inputs: Record<string, unknown>, a: Assumptions, assume: (s: string) => void) => Record<string, unknown>;

function capacityBlockLookup(inputs: Record<string, unknown>, a: Assumptions, assume: (s: string) => void): Record<string, unknown> {
    const block = [a.block, ...(a.otherBlocks ?? [])].find((b) => b !== undefined && (inputs.id === undefined || b.id === inputs.id));
    if (!block) {
        assume(inputs.id ? `no Capacity Block ${String(inputs.id)} exists` : "this stack's Capacity Block is not bought yet");
        throw noMatch();
    }
    assume(`Capacity Block ${block.id}: ${block.instanceCount} × ${block.instanceType} in ${block.availabilityZone}, ${block.state}, ${block.startDate} → ${block.endDate}`);
    return { ...block, capacityBlockId: hexId("cb", block.id), reservationType: "capacity-block" };
}

function volumeLookup(inputs: Record<string, unknown>, a: Assumptions, assume: (s: string) => void): Record<string, unknown> {
    const id = String(filterValue(inputs, "volume-id"));
    const volume = a.volumes?.[id];
    if (!volume) {
        assume(`no EBS volume ${id} exists`);
        // terraform-provider-aws tfresource.SingularDataSourceFindError for an empty result.
        throw invokeError("no matching EBS Volume found");
    }
    assume(`EBS volume ${id}: ${volume.sizeGb} GiB in ${volume.availabilityZone}, ${volume.encrypted ? "encrypted" : "not encrypted"}`);
    return { id, volumeId: id, availabilityZone: volume.availabilityZone, encrypted: volume.encrypted, size: volume.sizeGb, volumeType: "gp3", snapshotId: volume.snapshotId ?? "" };
}

function fileSystemLookup(inputs: Record<string, unknown>, a: Assumptions, assume: (s: string) => void): Record<string, unknown> {
    const id = String(inputs.fileSystemId);
    const fs = a.fileSystems?.[id];
    if (!fs) {
        assume(`no EFS file system ${id} exists`);
        throw invokeError(`reading EFS File System (${id}): couldn't find resource`);
    }
    assume(`EFS file system ${id} exists${fs.availabilityZoneName ? ` (One Zone, ${fs.availabilityZoneName})` : ""}`);
    return { id, fileSystemId: id, encrypted: fs.encrypted, availabilityZoneName: fs.availabilityZoneName ?? "", region: a.region };
}

/** The answer to each invoke the program makes, from the assumptions; each made-up value is reported with `assume`. */
const INVOKE_ANSWERS: Record<string, InvokeAnswer> = {
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_inputs, a, assume) => {
        const names = ["a", "b", "c"].map((z) => `${a.region}${z}`);
        assume(`Availability Zones ${names.join(", ")} in ${a.region}`);
        return { names, zoneIds: names.map((_, i) => `use-az${i + 1}`), id: a.region };
    },
    "aws:ec2/getVpc:getVpc": (_inputs, a, assume) => {
        assume(`default VPC vpc-0default0000000001 in ${a.region}`);
        return { id: "vpc-0default0000000001", cidrBlock: "172.31.0.0/16", default: true };
    },
    "aws:ec2/getSubnets:getSubnets": (inputs, a, assume) => {
        const az = filterValue(inputs, "availability-zone") ?? a.availabilityZone;
        const ids = a.subnetsByAz?.[az] ?? [hexId("subnet", az)];
        if (ids.length) assume(`default subnet ${ids[0]} in ${az}`);
        return { ids, filters: inputs.filters, id: a.region };
    },
    "aws:ec2/getSubnet:getSubnet": (inputs, a, assume) => {
        const name = filterValue(inputs, "tag:Name");
        if (name !== undefined) {
            const found = a.subnetsByName?.[name];
            if (!found) throw invokeError("no matching EC2 Subnet found");
            assume(`subnet ${found.id} (${name}) is in ${found.availabilityZone}`);
            return { id: found.id, availabilityZone: found.availabilityZone, vpcId: "vpc-0cluster000000001" };
        }
        const id = String(inputs.id);
        const az = a.subnetAzs?.[id] ?? a.availabilityZone;
        assume(`subnet ${id} is in ${az}`);
        return { id, availabilityZone: az, vpcId: "vpc-0given00000000001" };
    },
    "aws:ssm/getParameter:getParameter": (inputs, a, assume) => {
        const name = String(inputs.name);
        const arn = arnOf(a, "ssm", "parameter", name.replace(/^\//, ""));
        if (a.secrets?.includes(name)) {
            assume(`SSM SecureString parameter ${name} exists (version 1)`);
            return { name, arn, value: "[encrypted]", insecureValue: "[encrypted]", type: "SecureString", version: 1, id: name };
        }
        const value = a.parameters?.[name] ?? (name.startsWith("/aws/service/") ? a.amiId ?? "ami-0example000000001" : undefined);
        if (value === undefined) throw invokeError(`ParameterNotFound: ${name}`);
        assume(`SSM parameter ${name} = ${value}`);
        return { name, arn, value, insecureValue: value, type: "String", version: 1, id: name };
    },
    "aws:secretsmanager/getSecretVersions:getSecretVersions": (inputs, a, assume) => {
        const arn = String(inputs.secretId);
        if (!a.secrets?.includes(arn)) throw invokeError(`ResourceNotFoundException: Secrets Manager can't find the specified secret (${arn})`);
        const versionId = mockVersionId(arn);
        assume(`Secrets Manager secret ${arn} exists (current version ${versionId})`);
        return { secretArn: arn, arn, secretId: arn, versions: [{ versionId, versionStages: ["AWSCURRENT"], createdTime: "", lastAccessedDate: "" }], id: arn };
    },
    // Every AMI the program boots (the DLAMIs, the PCS-ready DLAMI) is Ubuntu, which boots from /dev/sda1.
    "aws:ec2/getAmi:getAmi": (inputs) => ({ id: filterValue(inputs, "image-id") ?? "ami-0example000000001", rootDeviceName: "/dev/sda1" }),
    "aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation": capacityBlockLookup,
    "aws:ebs/getVolume:getVolume": volumeLookup,
    "aws:efs/getFileSystem:getFileSystem": fileSystemLookup,
};

/** A parameter the program itself created (the TLS fingerprint's), read back: it holds what the program put there. */
function ownParameter(name: string, value: string, a: Assumptions, assume: (s: string) => void): Record<string, unknown> {
    assume(`SSM parameter ${name} still holds the value the stack gave it (the instance has not written it)`);
    return { name, arn: arnOf(a, "ssm", "parameter", name.replace(/^\//, "")), value, insecureValue: value, type: "String", version: 1, id: name };
}

function answerCall(token: string, inputs: Record<string, unknown>, a: Assumptions, assume: (s: string) => void): Record<string, unknown> {
    const answer = INVOKE_ANSWERS[token];
    if (!answer) throw invokeError(`offline mocks do not answer ${token}`);
    return answer(inputs, a, assume);
}

interface WireRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getRetainondelete(): boolean | undefined;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getDependenciesList(): string[];
    getReplaceonchangesList(): string[];
}

function optionsOf(req: WireRequest, names: Map<string, string>): ResourceOptionsSeen {
    const o: ResourceOptionsSeen = {};
    if (req.getRetainondelete()) o.retainOnDelete = true;
    if (req.getDeletebeforereplace()) o.deleteBeforeReplace = true;
    if (req.getIgnorechangesList().length) o.ignoreChanges = req.getIgnorechangesList();
    if (req.getDependenciesList().length) o.dependsOn = req.getDependenciesList().map((urn) => names.get(urn) ?? urn);
    return o;
}

/**
 * Points the Pulumi runtime at mocks answering from `a`. Returns the run record, filled in as the program
 * registers resources and calls invokes.
 */
export async function installMocks(a: Assumptions, project: string, stack: string, preview = false): Promise<MockRun> {
    const run: MockRun = { resources: [], assumed: [], calls: [], reads: [], madeUp: [] };
    const assume = (s: string) => {
        if (!run.assumed.includes(s)) run.assumed.push(s);
    };
    const ownParameters = new Map<string, string>();
    await pulumi.runtime.setMocks(
        {
            call: (args) => {
                run.calls.push({ token: args.token, inputs: args.inputs });
                const own = args.token === "aws:ssm/getParameter:getParameter" ? ownParameters.get(String(args.inputs.name)) : undefined;
                return own === undefined ? answerCall(args.token, args.inputs, a, assume) : ownParameter(String(args.inputs.name), own, a, assume);
            },
            newResource: (args) => {
                // A read (ReadResource) carries the id of what it reads; a registration none (no import here).
                if (args.id) run.reads.push({ type: args.type, name: args.name, id: args.id });
                const answer = outputsFor(args.type, args.name, args.inputs, a);
                if (!args.id) run.madeUp.push(...madeUpBy(answer).filter((v) => !run.madeUp.includes(v)));
                if (args.type === "aws:ssm/parameter:Parameter") ownParameters.set(String(answer.state.name), String(args.inputs.insecureValue ?? args.inputs.value));
                if (args.type === "aws:imagebuilder/image:Image") {
                    const [{ amis: [ami] }] = answer.state.outputResources as { amis: { image: string }[] }[];
                    assume(args.name.startsWith("code-server")
                        ? `the dev image build succeeds (20-40 minutes on \`pulumi up\`) and makes AMI ${ami.image}`
                        : `the node image build succeeds (about an hour on \`pulumi up\`) and makes AMI ${ami.image}`);
                }
                return answer;
            },
        },
        project,
        stack,
        preview,
        // A DIY backend's only organization (pulumi/pulumi pkg/backend/diy: "organization").
        "organization",
    );
    // Mock arguments carry neither the parent nor which inputs are secret; the wire request has both.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: WireRequest, cb: unknown): Promise<void> };
    const register = monitor.registerResource.bind(monitor);
    const names = new Map<string, string>();
    monitor.registerResource = (req, cb) => {
        const parentUrn = req.getParent();
        const type = req.getType();
        const name = req.getName();
        const raw = req.getObject().toJavaScript();
        const inputs = plainValue(Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "__provider"))) as Record<string, unknown>;
        const resource: RecordedResource = {
            urn: "",
            type,
            name,
            parent: parentUrn ? names.get(parentUrn) ?? parentUrn : null,
            parentUrn: parentUrn || null,
            custom: req.getCustom(),
            inputs,
            options: optionsOf(req, names),
            ...(req.getReplaceonchangesList().length ? { replaceOnChanges: req.getReplaceonchangesList() } : {}),
        };
        run.resources.push(resource);
        const wrapped = (err: unknown, res: { getUrn(): string; getId(): string } | undefined) => {
            if (res) {
                resource.urn = res.getUrn();
                if (res.getId()) resource.id = res.getId();
                names.set(resource.urn, name);
            }
            (cb as (e: unknown, r: unknown) => void)(err, res);
        };
        return register(req, wrapped);
    };
    return run;
}

/** Waits until every resource registration and invoke the program started has finished. */
export async function settle(): Promise<void> {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Resolves an output tree to plain values, secrets as SECRET_MARK. */
export async function resolveOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as pulumi.Output<unknown>;
        if (await pulumi.isSecret(o)) return SECRET_MARK;
        const inner = await new Promise<unknown>((resolve) => o.apply((x) => resolve(x)));
        return resolveOutputs(inner);
    }
    if (value instanceof Promise) return resolveOutputs(await value);
    if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
    if (value && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}
