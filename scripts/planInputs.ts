/**
 * The few inputs of each resource a person reads in the text plan, each summarized on one line: task ids instead
 * of scripts, the parts of a boot script instead of its base64, who may assume a role instead of its JSON. The
 * JSON plan keeps every input as it is.
 */

type Inputs = Record<string, unknown>;

const MAX_RAW = 110;

/** A resource's type the way the Pulumi SDKs name its class: aws:ec2/instance:Instance → aws.ec2.Instance. */
export function shortType(type: string): string {
    const [pkg, mod = "", name = ""] = type.split(":");
    if (pkg === "pulumi-nodejs" && mod.startsWith("dynamic/")) return `${mod.slice("dynamic/".length)}.${name}`;
    const module = mod.split("/")[0];
    return module === "index" || module === "" ? `${pkg}.${name}` : `${pkg}.${module}.${name}`;
}

/** The inputs shown per type, in this order; a type not listed shows every input but its tags. */
const KEY_INPUTS: Record<string, string[]> = {
    "pulumi-nodejs:dynamic/capblocks:CapacityBlock": [
        "instanceType", "instanceCount", "durationHours", "maxUpfrontFee", "selection", "availabilityZones", "startAfter", "startBefore", "generation",
    ],
    "pulumi-nodejs:dynamic/capblocks:SsmTasks": ["instanceIds", "tasks", "variables", "secrets"],
    "aws:ec2/instance:Instance": ["subnetId", "launchTemplate"],
    "aws:ec2/launchTemplate:LaunchTemplate": [
        "description", "instanceType", "imageId", "instanceMarketOptions", "capacityReservationSpecification", "blockDeviceMappings",
        "networkInterfaces", "vpcSecurityGroupIds", "userData",
    ],
    "aws:ebs/volume:Volume": ["availabilityZone", "size", "type", "encrypted", "snapshotId"],
    "aws:ebs/snapshot:Snapshot": ["volumeId", "description"],
    "aws:ec2/volumeAttachment:VolumeAttachment": ["volumeId", "instanceId", "deviceName"],
    "aws:ec2/securityGroup:SecurityGroup": ["description", "vpcId", "ingress"],
    "aws:iam/role:Role": ["description", "assumeRolePolicy", "path"],
    "aws:iam/rolePolicy:RolePolicy": ["role", "policy"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/instanceProfile:InstanceProfile": ["role"],
    "aws:secretsmanager/secret:Secret": ["description"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretId", "secretString"],
    "random:index/randomPassword:RandomPassword": ["length"],
    "random:index/randomUuid:RandomUuid": [],
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["availabilityZone", "cidrBlock", "mapPublicIpOnLaunch"],
    "aws:ec2/internetGateway:InternetGateway": ["vpcId"],
    "aws:ec2/eip:Eip": ["domain"],
    "aws:ec2/natGateway:NatGateway": ["subnetId"],
    "aws:ec2/routeTable:RouteTable": ["routes"],
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ["routeTableId", "subnetId"],
    "aws:efs/fileSystem:FileSystem": ["encrypted", "performanceMode", "throughputMode"],
    "aws:efs/mountTarget:MountTarget": ["fileSystemId", "subnetId"],
    "aws:fsx/lustreFileSystem:LustreFileSystem": ["deploymentType", "storageCapacity", "perUnitStorageThroughput", "subnetIds", "skipFinalBackup"],
    "aws-native:pcs:Cluster": ["name", "scheduler", "size", "networking"],
    "aws-native:pcs:ComputeNodeGroup": ["name", "purchaseOption", "scalingConfiguration", "instanceConfigs", "subnetIds", "customLaunchTemplate"],
    "aws-native:pcs:Queue": ["name", "computeNodeGroupConfigurations"],
};

const isScalar = (v: unknown) => v === null || typeof v !== "object";

const cut = (text: string) => (text.length > MAX_RAW ? `${text.slice(0, MAX_RAW - 3)}...` : text);

function raw(value: unknown): string {
    const text = typeof value === "string" ? value
        : Array.isArray(value) && value.every(isScalar) ? value.map(String).join(", ")
        : JSON.stringify(value);
    // A document (an Image Builder component, say) would break the tree: its first line and its length.
    const lines = text.trimEnd().split("\n");
    return lines.length > 1 ? `${cut(lines[0])} (${lines.length} lines)` : cut(text);
}

const asList = (v: unknown): Inputs[] => (Array.isArray(v) ? (v as Inputs[]) : []);
const listOf = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(", ") : String(v));

function parsedJson(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v) as unknown;
    } catch {
        return undefined;
    }
}

/** The parts of a boot script: each part's type and its first comment line (what it says it does). */
export function userDataSummary(encoded: string): string {
    const text = Buffer.from(encoded, "base64").toString("utf8");
    const describe = (body: string) => /^#(?!!)\s*(.+)$/m.exec(body)?.[1].trim();
    const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
    if (!boundary) return `${Buffer.byteLength(text)} bytes${describe(text) ? `: ${describe(text)}` : ""}`;
    const parts = text.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith("--"));
    const described = parts.map((p) => {
        const type = /Content-Type:\s*([^;\s]+)/i.exec(p)?.[1] ?? "unknown";
        const what = describe(p.slice(p.search(/\r?\n\r?\n/)));
        return what ? `${type} (${what})` : type;
    });
    return `MIME multipart, ${parts.length} part(s): ${described.join("; ")}`;
}

/** Who may assume a role: its trust policy's principals. */
function trustSummary(v: unknown): string {
    const policy = parsedJson(v) as { Statement?: { Principal?: Record<string, unknown> }[] } | undefined;
    const principals = (policy?.Statement ?? []).flatMap((s) => Object.values(s.Principal ?? {}).flat().map(String));
    return principals.length ? `assumed by ${principals.join(", ")}` : raw(v);
}

/** What a policy allows: each statement's actions on its resources. */
function policySummary(v: unknown): string {
    const policy = parsedJson(v) as { Statement?: { Effect?: string; Action?: unknown; Resource?: unknown }[] } | undefined;
    if (!policy?.Statement) return raw(v);
    return policy.Statement.map((s) => `${s.Effect === "Deny" ? "denies" : "allows"} ${listOf(s.Action)} on ${listOf(s.Resource)}`).join("; ");
}

function ingressSummary(v: unknown): string {
    const rules = asList(v);
    if (rules.length === 0) return "none";
    return rules.map((r) => {
        const ports = r.protocol === "-1" ? "all traffic" : `${String(r.protocol)} ${String(r.fromPort)}${r.toPort !== r.fromPort ? `-${String(r.toPort)}` : ""}`;
        const from = [...(r.self ? ["itself"] : []), ...asList(r.cidrBlocks).map(String), ...asList(r.securityGroups).map(String)];
        return `${ports} from ${from.join(", ")}`;
    }).join("; ");
}

function blockDevicesSummary(v: unknown): string {
    return asList(v).map((m) => {
        const ebs = (m.ebs ?? {}) as Inputs;
        return `${String(m.deviceName)} ${String(ebs.volumeSize)} GiB ${String(ebs.volumeType)}${ebs.encrypted === "true" ? " encrypted" : ""}`;
    }).join("; ");
}

function interfacesSummary(v: unknown): string {
    const nics = asList(v);
    const kinds = [...new Set(nics.map((n) => String(n.interfaceType ?? "interface")))];
    return `${nics.length} (${kinds.join(", ")}) on network cards ${String(nics[0]?.networkCardIndex ?? 0)}-${String(nics[nics.length - 1]?.networkCardIndex ?? 0)}`;
}

/** An input's value, summarized when its raw form says little. */
const SUMMARIES: Record<string, (v: unknown) => string> = {
    userData: (v) => userDataSummary(String(v)),
    tasks: (v) => {
        const ids = asList(v).map((t) => String(t.id));
        return `${ids.length} task(s): ${ids.join(", ")}`;
    },
    variables: (v) => Object.entries(v as Inputs).map(([k, x]) => `${k}=${String(x)}`).join(", "),
    secrets: (v) => Object.keys(v as Inputs).join(", "),
    assumeRolePolicy: trustSummary,
    policy: policySummary,
    ingress: ingressSummary,
    blockDeviceMappings: blockDevicesSummary,
    networkInterfaces: interfacesSummary,
    instanceMarketOptions: (v) => String((v as Inputs).marketType ?? raw(v)),
    capacityReservationSpecification: (v) => {
        const target = (v as { capacityReservationTarget?: Inputs }).capacityReservationTarget;
        return target?.capacityReservationId ? `reservation ${String(target.capacityReservationId)}` : raw(v);
    },
    launchTemplate: (v) => `${String((v as Inputs).id)} version ${String((v as Inputs).version)}`,
    customLaunchTemplate: (v) => `${String((v as Inputs).templateId)} version ${String((v as Inputs).version)}`,
    routes: (v) => asList(v).map((r) => `${String(r.cidrBlock)} via ${String(r.gatewayId ?? r.natGatewayId ?? raw(r))}`).join("; "),
    scalingConfiguration: (v) => `min ${String((v as Inputs).minInstanceCount)}, max ${String((v as Inputs).maxInstanceCount)}`,
    instanceConfigs: (v) => asList(v).map((c) => String(c.instanceType)).join(", "),
    networking: (v) => `subnets ${listOf((v as Inputs).subnetIds)}; security groups ${listOf((v as Inputs).securityGroupIds)}`,
    scheduler: (v) => `${String((v as Inputs).type)} ${String((v as Inputs).version)}`,
    computeNodeGroupConfigurations: (v) => asList(v).map((c) => String(c.computeNodeGroupId)).join(", "),
};

const isEmpty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

/** The `key: value` lines the text plan shows for a resource. */
export function keyInputs(type: string, inputs: Inputs): string[] {
    const keys = KEY_INPUTS[type] ?? Object.keys(inputs).filter((k) => k !== "tags");
    return keys
        .filter((k) => !isEmpty(inputs[k]) || (k === "ingress" && k in inputs))
        .map((k) => `${k}: ${SUMMARIES[k] ? SUMMARIES[k](inputs[k]) : raw(inputs[k])}`);
}
