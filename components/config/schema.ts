/**
 * The JSON schemas of the structured `capblocks:*` keys. Pulumi.yaml declares each of them as an object, but
 * Pulumi's project config cannot describe what is inside one, so these schemas are the real declaration.
 * Annotations: `rule` is the human wording of the constraint, used in error messages; `hint` names a wording
 * computed from the value (problems.ts), such as the nearest valid duration.
 */

import { DURATION_RULE } from "../../dynamic-providers/capacityBlock/durations";
import { INSTANCE_PLATFORMS } from "../../dynamic-providers/capacityBlock/inputs";
import { MAX_EFA_INTERFACES } from "../shared/efaLayout";
import type {
    BuyReservationConfig, ClusterConfig, ClusterInput, CodeServerInput, NodeImageConfig, PublishParameter, ReservationInput, SharedStorage,
} from "./types";

/** The `capblocks:*` keys; any other key in the namespace is a typo or a leftover. */
export const CONFIG_KEYS = ["reservation", "codeServer", "cluster", "tags"];

/** The most instances one Capacity Block holds. */
export const MAX_BLOCK_INSTANCES = 64;


/** PCS user guide "Slurm versions in AWS PCS": what new clusters accept. */
const SUPPORTED_SLURM_VERSIONS = ["24.11", "25.05", "25.11"];

/** A key capblocks no longer reads: any value is refused, with the reason. */
const retired = (why: string) => ({ not: {}, retired: true, rule: `is not a setting any more: ${why}; remove it` });

/** One schema per key of the input type, no more and no fewer, so tsc catches a type and its schema drifting apart. */
type PropertiesOf<T> = { [K in keyof Required<T>]: object };

/** Every EC2 instance size: nano … xlarge, 2xlarge … 224xlarge, metal, metal-24xl. Anything else is a typo. */
export const INSTANCE_SIZE = "(nano|micro|small|medium|large|\\d*xlarge|metal|metal-\\d+xl)";

const instanceType = {
    type: "string",
    pattern: `^[a-z][a-z0-9-]*\\.${INSTANCE_SIZE}$`,
    hint: "instanceType",
    rule: "is not an EC2 instance type (family.size, e.g. trn2.3xlarge)",
};
const availabilityZone = {
    type: "string",
    pattern: "^[a-z]{2}(-[a-z]+)+-\\d+[a-z]$",
    rule: "is not an Availability Zone name (e.g. sa-east-1b)",
};
const awsId = (prefix: string, example: string) => ({
    type: "string",
    pattern: `^${prefix}-[0-9a-f]{8,17}$`,
    rule: `is not a ${prefix}- id (e.g. ${example})`,
});

/** S3 bucket naming rules (general purpose buckets): 3-63 lower-case letters, digits, dots and hyphens. */
const S3_BUCKET = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
const s3BucketName = {
    type: "string",
    pattern: `^${S3_BUCKET}$`,
    rule: "is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens, e.g. my-training-data)",
};
const s3Uri = {
    type: "string",
    pattern: `^s3://${S3_BUCKET}(/[^\\s]*)?$`,
    rule: "is not an S3 path (s3://bucket/prefix/, e.g. s3://my-training-data/imagenet/)",
};

export const reservationSchema = {
    type: "object",
    additionalProperties: false,
    properties: {
        instanceType,
        instanceTypes: {
            type: "array",
            minItems: 1,
            uniqueItems: true,
            items: instanceType,
            rule: "must be a list of distinct EC2 instance types (e.g. [p5.48xlarge, p5e.48xlarge])",
        },
        instanceCount: {
            type: "integer",
            minimum: 1,
            maximum: MAX_BLOCK_INSTANCES,
            rule: `must be 1..${MAX_BLOCK_INSTANCES} instances (the Capacity Block limit)`,
        },
        durationHours: {
            type: "integer",
            capacityBlockDuration: true,
            hint: "duration",
            rule: `is not a valid Capacity Block duration (${DURATION_RULE})`,
        },
        startAfter: { type: "string", isoTimestamp: true, rule: "is not an ISO 8601 date-time (e.g. 2026-11-24T00:00:00Z)" },
        startBefore: { type: "string", isoTimestamp: true, rule: "is not an ISO 8601 date-time (e.g. 2026-11-30T00:00:00Z)" },
        availabilityZones: { type: "array", minItems: 1, uniqueItems: true, items: availabilityZone },
        maxUpfrontFee: {
            type: ["string", "number"],
            positiveDecimal: true,
            rule: "is not a price ceiling: a positive amount in USD with at most 2 decimals, e.g. \"900\"",
        },
        selection: { enum: ["cheapest", "earliest"] satisfies BuyReservationConfig["selection"][] },
        generation: { type: "integer", minimum: 1, rule: "must be a whole number >= 1 (bump it to buy a new block)" },
        instancePlatform: { enum: INSTANCE_PLATFORMS },
        id: awsId("cr", "cr-0123456789abcdef0"),
        parameterName: {
            type: "string",
            pattern: "^/[A-Za-z0-9_./-]+$",
            rule: "is not an SSM parameter name (absolute path, e.g. /capacity-block/sa-east-1/reservation-id)",
        },
        publishParameter: {
            enum: [true, false, "overwrite"] satisfies PublishParameter[],
            rule: "must be true, false or overwrite (true writes the seed scripts' parameters only if they do not exist yet)",
        },
    } satisfies PropertiesOf<ReservationInput>,
};

/** Directories the work volume must never be mounted over: the OS, the DLAMI's frameworks, or the agent. */
const SYSTEM_DIRS = [
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root", "/run",
    "/sbin", "/snap", "/sys", "/tmp", "/usr", "/var",
];

/** Where a secret lives: never the secret itself. SSM parameter names are absolute paths, so a pasted token never passes. */
const SECRET_REFERENCE = "^(/[A-Za-z0-9_.-]+)+$|^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]+$";

const rerunTask = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", rule: "is not a task id (e.g. nginx), nor \"all\"" };

export const codeServerSchema = {
    type: "object",
    additionalProperties: false,
    properties: {
        enabled: { type: "boolean" },
        instanceType,
        volumeSizeGb: { type: "integer", minimum: 30, maximum: 16384, rule: "must be a root volume of 30..16384 GiB" },
        workVolumeSizeGb: { type: "integer", minimum: 1, maximum: 16384, rule: "must be a gp3 volume of 1..16384 GiB" },
        deleteWorkVolume: { type: "boolean" },
        workVolumeId: awsId("vol", "vol-0123456789abcdef0"),
        user: {
            type: "string",
            pattern: "^[a-z_][a-z0-9_-]{0,31}$",
            not: { enum: ["root", "ubuntu", "ssm-user"] },
            rule: "is not a usable login name (lower case, up to 32 characters, not root/ubuntu/ssm-user)",
        },
        homeDir: {
            type: "string",
            pattern: "^(/[A-Za-z0-9._-]+)+$",
            not: { enum: SYSTEM_DIRS },
            rule: `is not a usable mount point: an absolute path that is not a system directory (${SYSTEM_DIRS.join(" ")})`,
        },
        allowedCidrs: {
            type: "array",
            uniqueItems: true,
            items: { type: "string", ipv4Cidr: true, hint: "cidr", rule: "is not an IPv4 CIDR (e.g. 203.0.113.7/32)" },
        },
        allowPublicInternet: { type: "boolean" },
        internalPort: {
            type: "integer",
            minimum: 1024,
            maximum: 65535,
            rule: "must be a port of 1024..65535 (code-server runs as the user, who cannot listen below 1024)",
        },
        nginxPort: {
            type: "integer",
            minimum: 1,
            maximum: 65535,
            not: { enum: [22] },
            rule: "must be a port of 1..65535 other than 22 (sshd's)",
        },
        version: {
            type: "string",
            pattern: "^\\d+\\.\\d+\\.\\d+$",
            rule: "is not a code-server release (a version from https://github.com/coder/code-server/releases without the v, e.g. 4.138.0)",
        },
        extensions: {
            type: "array",
            uniqueItems: true,
            items: {
                type: "string",
                pattern: "^[A-Za-z0-9][A-Za-z0-9-]*\\.[A-Za-z0-9][A-Za-z0-9_-]*(@[0-9][0-9A-Za-z.+-]*)?$",
                rule: "is not an Open VSX extension id (publisher.name, optionally @version, e.g. ms-python.python)",
            },
        },
        locale: {
            type: "string",
            pattern: "^([a-z]{2,3}_[A-Z]{2}(@[a-z]+)?|C)\\.UTF-8$",
            rule: "is not a UTF-8 locale (e.g. en_US.UTF-8, ja_JP.UTF-8, C.UTF-8)",
        },
        workspaceTrust: { type: "boolean" },
        efa: { type: "boolean" },
        amiId: awsId("ami", "ami-0123456789abcdef0"),
        subnetId: awsId("subnet", "subnet-0123456789abcdef0"),
        availabilityZone,
        taskFiles: { type: "array", items: { type: "string", minLength: 1 } },
        onDemand: { type: "boolean" },
        idleStopMinutes: {
            type: "integer",
            minimum: 10,
            maximum: 1440,
            multipleOf: 5,
            // EC2 basic monitoring reports CPU every 5 minutes; a CloudWatch alarm on 5-minute periods looks back at most one day.
            rule: "must be 10..1440 minutes in steps of 5 (EC2 reports CPU every 5 minutes; an alarm looks back at most one day)",
        },
        password: {
            type: "string",
            minLength: 8,
            maxLength: 128,
            // Read on the instance with $(…), which drops trailing newlines, then hashed with argon2.
            pattern: "^[^\\u0000-\\u001f\\u007f]*$",
            secret: true,
            rule: "must be 8 to 128 characters without control characters (newlines, tabs)",
        },
        prebake: {
            enum: [true, false, "now"],
            rule: "must be true (bake the dev image in the 48 hours before the block), \"now\" (bake it on this run) or false (never)",
        },
        secrets: {
            type: "object",
            propertyNames: {
                pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
                rule: "is not a placeholder name (letters, digits and _, not starting with a digit), as a task file's \"secrets\" lists it",
            },
            additionalProperties: {
                type: "string",
                pattern: SECRET_REFERENCE,
                secret: true,
                rule:
                    "is not an SSM SecureString parameter name (an absolute path such as /ml/hf-token) or a Secrets Manager ARN " +
                    "(arn:aws:secretsmanager:…); give where the secret is stored, never the secret itself",
            },
        },
        setup: { type: "boolean" },
        rerun: {
            // A list runs its tasks once when it changes; {tasks, id} runs them again each time id changes.
            type: ["array", "object"],
            minItems: 1,
            uniqueItems: true,
            items: rerunTask,
            additionalProperties: false,
            required: ["tasks", "id"],
            properties: {
                tasks: { type: "array", minItems: 1, uniqueItems: true, items: rerunTask },
                id: {
                    type: ["integer", "string"],
                    minimum: 1,
                    pattern: "^[A-Za-z0-9._-]{1,64}$",
                    rule: "must be a number (1, 2, …) or a short label of letters, digits, '.', '_' and '-'; change it to run the tasks again",
                },
            },
            rule: "must be a list of task ids (or [all]), or {tasks: [<task id>, …], id: 1} to run the same tasks again later by changing id",
        },
    } satisfies PropertiesOf<CodeServerInput>,
};

/**
 * An EFA layout override: a count of EFA interfaces on network cards 0..count-1, or `{count, firstCard: 1}` for a
 * type whose network card 0 has no EFA. The keywords apply by type, so one schema takes both forms.
 */
const efaInterfaces = {
    type: ["integer", "object"],
    minimum: 0,
    maximum: MAX_EFA_INTERFACES,
    additionalProperties: false,
    required: ["count"],
    properties: {
        count: { type: "integer", minimum: 0, maximum: MAX_EFA_INTERFACES, rule: `must be 0..${MAX_EFA_INTERFACES} EFA interfaces` },
        firstCard: { enum: [0, 1], rule: "must be 0, or 1 when network card 0 has no EFA" },
    },
    rule:
        `must be the number of EFA interfaces, one per network card from card 0 (0..${MAX_EFA_INTERFACES}; 0: no EFA), ` +
        "or {count: N, firstCard: 1} when card 0 has no EFA",
};

/** Debian package names (policy 5.6.1), optionally pinned with =version (apt's syntax, * allowed). */
const APT_PACKAGE = "^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+:~*-]+)?$";
/** With 100-character names, the packages component stays well under Image Builder's 16,000-character document limit. */
export const MAX_IMAGE_PACKAGES = 50;
const IMAGE_BUILDER_COMPONENT = "^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:(aws|\\d{12}):component/[A-Za-z0-9_-]+/[0-9x]+\\.[0-9x]+\\.[0-9x]+(/\\d+)?$";

const nodeImageSchema = {
    type: "object",
    additionalProperties: false,
    properties: {
        build: { type: "boolean" },
        packages: {
            type: "array",
            uniqueItems: true,
            maxItems: MAX_IMAGE_PACKAGES,
            rule: `must be at most ${MAX_IMAGE_PACKAGES} packages (the component document has a size limit)`,
            items: {
                type: "string",
                pattern: APT_PACKAGE,
                maxLength: 100,
                rule: "is not an Ubuntu package name (e.g. htop, or libnccl2=2.27.*)",
            },
        },
        components: {
            type: "array",
            uniqueItems: true,
            items: {
                type: "string",
                pattern: IMAGE_BUILDER_COMPONENT,
                rule: "is not an Image Builder component ARN (arn:aws:imagebuilder:<region>:<account or aws>:component/<name>/<version>)",
            },
        },
        buildInstanceType: instanceType,
        generation: { type: "integer", minimum: 1, rule: "must be a whole number >= 1 (bump it to build the image again)" },
    } satisfies PropertiesOf<NodeImageConfig>,
};

export const clusterSchema = {
    type: "object",
    additionalProperties: false,
    properties: {
        enabled: { type: "boolean" },
        // The name's PCS rule is cluster/validation.ts's: it also checks the name derived from project and stack.
        name: { type: "string" },
        slurmVersion: {
            type: "string",
            enum: SUPPORTED_SLURM_VERSIONS,
            rule:
                `is not accepted by AWS PCS for new clusters (accepted: ${SUPPORTED_SLURM_VERSIONS.join(", ")}; ` +
                "24.05 and older are end of life); set one of the accepted versions",
        },
        size: { enum: ["SMALL", "MEDIUM", "LARGE"] satisfies ClusterConfig["size"][] },
        loginInstanceType: instanceType,
        loginPublic: { type: "boolean" },
        sharedStorage: { enum: ["efs", "fsx-lustre", "none"] satisfies SharedStorage[] },
        deleteSharedStorage: { type: "boolean" },
        sharedFileSystemId: awsId("fs", "fs-0123456789abcdef0"),
        computeMinCount: {
            type: "integer",
            minimum: 0,
            maximum: MAX_BLOCK_INSTANCES,
            rule: `must be 0..${MAX_BLOCK_INSTANCES} (at most the block size)`,
        },
        amiId: awsId("ami", "ami-0123456789abcdef0"),
        vpcId: awsId("vpc", "vpc-0123456789abcdef0"),
        computeSubnetId: awsId("subnet", "subnet-0123456789abcdef0"),
        loginSubnetId: awsId("subnet", "subnet-0123456789abcdef0"),
        image: nodeImageSchema,
        efaInterfaces,
        shareBlockWithCodeServer: { type: "boolean" },
        containers: { type: "boolean" },
        sharedHome: { type: "boolean" },
        dataBuckets: { type: "array", uniqueItems: true, items: s3BucketName },
        lustreImportPath: s3Uri,
        lustreExportPath: s3Uri,
        exclusiveNodes: { type: "boolean" },
        allowAllEgress: { type: "boolean" },
        computeInstanceType: retired("the compute nodes run the Capacity Block's instance type (capblocks:reservation.instanceType)"),
    } satisfies PropertiesOf<ClusterInput> & { computeInstanceType: object },
};

/**
 * Tag keys capblocks sets itself: `Name` on each resource (`<project>-<stack>-code-server`, `<cluster>-private-0`,
 * …; the cluster finds its own subnets by it), and `capblocks:*` (a block's purchase token and owner, the cluster,
 * the work volume's mount point). A user tag with such a key would be overwritten, or would mislead capblocks.
 */
export const RESERVED_TAG_KEYS = { exact: ["Name"], prefix: "capblocks:" };

export const tagsSchema = {
    type: "object",
    propertyNames: {
        type: "string",
        pattern: "^(?!aws:)[^\\s].{0,127}$",
        not: { anyOf: [{ enum: RESERVED_TAG_KEYS.exact }, { pattern: `^${RESERVED_TAG_KEYS.prefix}` }] },
        hint: "tagKey",
        rule: "is not a usable tag key (1..128 characters, not starting with aws:)",
    },
    additionalProperties: { type: "string", maxLength: 256, rule: "must be a string of at most 256 characters" },
};

/** An area (us, eu, ap, …, us-gov, eusc-de), a direction, a number: every AWS Region name has this shape. */
export const regionSchema = {
    type: "string",
    pattern: "^[a-z]{2,4}(-[a-z]+)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\\d{1,2}$",
    rule: "is not an AWS Region name (e.g. sa-east-1)",
};
