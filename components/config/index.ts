import * as pulumi from "@pulumi/pulumi";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { isAllowedDuration } from "../../dynamic-providers/capacityBlock/durations";
import { instanceFacts } from "../shared/catalog";
import { clusterConfigErrors } from "../cluster/validation";
import {
    clusterSchema,
    codeServerSchema,
    regionSchema,
    reservationSchema,
    tagsSchema,
} from "./schema";

/** `capblocks:reservation` when buying a block. */
export interface BuyReservationConfig {
    kind: "buy";
    instanceType: string;
    instanceCount: number;
    durationHours: number;
    startAfter?: string;
    startBefore?: string;
    availabilityZones?: string[];
    /** USD, decimal string. */
    maxUpfrontFee: string;
    selection: "cheapest" | "earliest";
    generation: number;
    instancePlatform: string;
}

/** `capblocks:reservation` when adopting a block bought elsewhere, by id or by SSM parameter name. */
export interface AdoptReservationConfig {
    kind: "adopt";
    id?: string;
    parameterName?: string;
    /** The type the adopted block must be (checked against the reservation). */
    instanceType: string;
}

export type ReservationConfig = BuyReservationConfig | AdoptReservationConfig;

export interface CodeServerConfig {
    enabled: boolean;
    /** Defaults to the reservation's type; empty only when code-server is disabled and there is no block. */
    instanceType: string;
    /** Root volume, GiB; defaults from the catalog. */
    volumeSizeGb: number;
    workVolumeSizeGb: number;
    deleteWorkVolume: boolean;
    /** An existing EBS volume (`vol-…`) to attach instead of creating one; capblocks never deletes it. */
    workVolumeId?: string;
    user: string;
    homeDir: string;
    /** Empty: no inbound rule at all; connect by SSM port forwarding. */
    allowedCidrs: string[];
    amiId?: string;
    subnetId?: string;
    /** On demand only (a block fixes its own AZ); defaults to the subnet's AZ, else `<region>a`. */
    availabilityZone?: string;
    /** Extra task files (paths relative to the project) run after tasks/code-server-setup.json. */
    taskFiles: string[];
}

export type SharedStorage = "efs" | "fsx-lustre" | "none";

export interface ClusterConfig {
    enabled: boolean;
    /** PCS cluster name; defaults from project and stack. */
    name: string;
    slurmVersion: string;
    size: "SMALL" | "MEDIUM" | "LARGE";
    /** Compute node type; defaults to the reservation's. */
    computeInstanceType: string;
    loginInstanceType: string;
    loginPublic: boolean;
    sharedStorage: SharedStorage;
    /** False (default): `pulumi destroy` keeps the EFS file system, or takes a final backup of FSx for Lustre. */
    deleteSharedStorage: boolean;
    /** An existing EFS file system (`fs-…`) to mount instead of creating one; capblocks never deletes it. */
    sharedFileSystemId?: string;
    computeMinCount: number;
    amiId?: string;
    vpcId?: string;
    computeSubnetId?: string;
    loginSubnetId?: string;
}

export interface StackConfig {
    region: string;
    /** Undefined: on-demand, no block. */
    reservation?: ReservationConfig;
    /** Instance type used on demand when there is no reservation (from codeServer.instanceType). */
    codeServer: CodeServerConfig;
    cluster: ClusterConfig;
    tags: Record<string, string>;
}

/** The stack config as Pulumi hands it over: parsed JSON values, nothing checked yet. */
export interface RawStackConfig {
    project: string;
    stack: string;
    region?: unknown;
    reservation?: unknown;
    codeServer?: unknown;
    cluster?: unknown;
    tags?: unknown;
    /** Every other key set in the `capblocks` namespace (they are typos or leftovers). */
    otherKeys?: string[];
}

/**
 * Bad stack config: every problem found, one line each, each naming its key and the rule it broke.
 * A RunError, so Pulumi prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: string[]) {
        super(`invalid stack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

const KNOWN_KEYS = ["reservation", "codeServer", "cluster", "tags"];

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^\d+(\.\d{1,2})?$/;

function isIpv4Cidr(value: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) return false;
    return m.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(m[5]) <= 32;
}

function buildAjv(): Ajv {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(["rule"]);
    ajv.addKeyword({ keyword: "capacityBlockDuration", type: "number", schemaType: "boolean", validate: (_: boolean, d: number) => isAllowedDuration(d) });
    ajv.addKeyword({ keyword: "isoTimestamp", type: "string", schemaType: "boolean", validate: (_: boolean, d: string) => ISO_TIMESTAMP.test(d) && !Number.isNaN(Date.parse(d)) });
    ajv.addKeyword({ keyword: "ipv4Cidr", type: "string", schemaType: "boolean", validate: (_: boolean, d: string) => isIpv4Cidr(d) });
    ajv.addKeyword({
        keyword: "positiveDecimal",
        type: ["string", "number"],
        schemaType: "boolean",
        validate: (_: boolean, d: string | number) => DECIMAL.test(String(d)) && Number(d) > 0,
    });
    return ajv;
}

let validators: Record<string, ValidateFunction> | undefined;
function schemaValidators(): Record<string, ValidateFunction> {
    if (!validators) {
        const ajv = buildAjv();
        validators = {
            region: ajv.compile(regionSchema),
            reservation: ajv.compile(reservationSchema),
            codeServer: ajv.compile(codeServerSchema),
            cluster: ajv.compile(clusterSchema),
            tags: ajv.compile(tagsSchema),
        };
    }
    return validators;
}

const TYPE_WORDS: Record<string, string> = {
    integer: "a whole number",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    object: "a mapping (key: value)",
    array: "a list",
};

function show(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** `/availabilityZones/0` under `capblocks:reservation` → `capblocks:reservation.availabilityZones[0]`. */
function keyOf(root: string, instancePath: string): string {
    return instancePath
        .split("/")
        .slice(1)
        .reduce((key, part) => (/^\d+$/.test(part) ? `${key}[${part}]` : `${key}.${part}`), root);
}

function describe(root: string, e: ErrorObject): { key: string; text: string } {
    const key = keyOf(root, e.instancePath);
    const rule = (e.parentSchema as { rule?: string } | undefined)?.rule;
    switch (e.keyword) {
        case "additionalProperties": {
            const extra = (e.params as { additionalProperty: string }).additionalProperty;
            const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).join(", ");
            return { key: `${key}.${extra}`, text: `${key}.${extra}: is not a setting of ${key} (known: ${known})` };
        }
        case "type": {
            const types = String((e.params as { type: string }).type).split(",");
            return { key, text: `${key}: ${show(e.data)} must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(" or ")}` };
        }
        case "enum":
            return { key, text: `${key}: ${show(e.data)} is not one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(show).join(", ")}` };
        case "propertyNames":
            return { key, text: `${key}: ${show((e.params as { propertyName: string }).propertyName)} ${rule ?? "is not a valid key"}` };
        default:
            return { key, text: `${key}: ${show(e.data)} ${rule ?? e.message ?? "is invalid"}` };
    }
}

/** One message per key, the first rule each key broke, in document order. */
function schemaProblems(root: string, value: unknown, validate: ValidateFunction): string[] {
    if (validate(value)) return [];
    const seen = new Set<string>();
    const out: string[] = [];
    for (const e of validate.errors ?? []) {
        // propertyNames reports both the failing name and the wrapping keyword; the name's line says it all.
        if (e.keyword === "propertyNames" && e.params && !("propertyName" in e.params)) continue;
        const { key, text } = describe(root, e);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(text);
    }
    return out;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v ?? {}) as Obj;

function reservationFrom(r: Obj, problems: string[]): ReservationConfig | undefined {
    const adoptBy = ["id", "parameterName"].filter((k) => r[k] !== undefined);
    if (adoptBy.length === 2) {
        problems.push("capblocks:reservation.parameterName: set either id or parameterName to adopt a block, not both");
        return undefined;
    }
    if (r.instanceType === undefined) {
        problems.push(
            adoptBy.length
                ? "capblocks:reservation.instanceType: is required to adopt a block (the block's instance type, checked against the reservation)"
                : "capblocks:reservation.instanceType: is required to buy a block (e.g. trn2.3xlarge)",
        );
    }
    if (adoptBy.length) {
        for (const buyOnly of ["instanceCount", "durationHours", "startAfter", "startBefore", "availabilityZones", "maxUpfrontFee", "selection", "generation", "instancePlatform"]) {
            if (r[buyOnly] !== undefined) {
                problems.push(`capblocks:reservation.${buyOnly}: only applies when buying; remove it when adopting by ${adoptBy[0]}`);
            }
        }
        return { kind: "adopt", id: r.id as string | undefined, parameterName: r.parameterName as string | undefined, instanceType: r.instanceType as string };
    }
    if (r.durationHours === undefined) {
        problems.push("capblocks:reservation.durationHours: is required to buy a block (24..336 in steps of 24, then steps of 168 up to 4368)");
    }
    if (r.maxUpfrontFee === undefined) {
        problems.push("capblocks:reservation.maxUpfrontFee: is required to buy a block: the most you agree to pay, in USD (e.g. \"900\")");
    }
    const facts = typeof r.instanceType === "string" ? instanceFacts(r.instanceType) : undefined;
    if (facts?.known && !facts.blockEligible) {
        problems.push(
            `capblocks:reservation.instanceType: ${r.instanceType} is not sold as an EC2 Capacity Block; ` +
                `remove capblocks:reservation and set capblocks:codeServer.instanceType to run it on demand`,
        );
    }
    if (typeof r.startAfter === "string" && typeof r.startBefore === "string" && Date.parse(r.startAfter) >= Date.parse(r.startBefore)) {
        problems.push(`capblocks:reservation.startBefore: ${show(r.startBefore)} must be later than startAfter ${show(r.startAfter)}`);
    }
    return {
        kind: "buy",
        instanceType: r.instanceType as string,
        instanceCount: (r.instanceCount as number | undefined) ?? 1,
        durationHours: r.durationHours as number,
        ...(r.startAfter !== undefined ? { startAfter: r.startAfter as string } : {}),
        ...(r.startBefore !== undefined ? { startBefore: r.startBefore as string } : {}),
        ...(r.availabilityZones !== undefined ? { availabilityZones: r.availabilityZones as string[] } : {}),
        maxUpfrontFee: String(r.maxUpfrontFee),
        selection: (r.selection as "cheapest" | "earliest" | undefined) ?? "cheapest",
        generation: (r.generation as number | undefined) ?? 1,
        instancePlatform: (r.instancePlatform as string | undefined) ?? "Linux/UNIX",
    };
}

function codeServerFrom(c: Obj, reservation: ReservationConfig | undefined, region: string, problems: string[]): CodeServerConfig {
    const enabled = (c.enabled as boolean | undefined) ?? true;
    const instanceType = (c.instanceType as string | undefined) ?? reservation?.instanceType ?? "";
    if (enabled && reservation && c.instanceType !== undefined && c.instanceType !== reservation.instanceType) {
        problems.push(
            `capblocks:codeServer.instanceType: ${show(c.instanceType)} differs from the block's ${reservation.instanceType}; ` +
                "an instance only launches into a block of its own type (remove codeServer.instanceType to use the block's)",
        );
    }
    if (enabled && !reservation && c.instanceType === undefined) {
        problems.push("capblocks:codeServer.instanceType: is required on demand (no capblocks:reservation), e.g. g7e.2xlarge");
    }
    if (reservation && c.availabilityZone !== undefined) {
        problems.push("capblocks:codeServer.availabilityZone: only applies on demand; with a block the instance goes to the block's AZ");
    }
    if (typeof c.availabilityZone === "string" && !c.availabilityZone.startsWith(region)) {
        problems.push(`capblocks:codeServer.availabilityZone: ${show(c.availabilityZone)} is not in aws:region ${region}`);
    }
    if (c.workVolumeId !== undefined && c.deleteWorkVolume === true) {
        problems.push(
            `capblocks:codeServer.deleteWorkVolume: cannot be true with workVolumeId ${String(c.workVolumeId)}: ` +
                "capblocks never deletes a volume it did not create (delete it yourself with `aws ec2 delete-volume` if you mean to)",
        );
    }
    if (c.workVolumeId !== undefined && c.workVolumeSizeGb !== undefined) {
        problems.push(
            `capblocks:codeServer.workVolumeSizeGb: only applies to a work volume capblocks creates; ${String(c.workVolumeId)} keeps its own size ` +
                "(grow it with `aws ec2 modify-volume`; the next setup grows the filesystem)",
        );
    }
    return {
        enabled,
        instanceType,
        volumeSizeGb: (c.volumeSizeGb as number | undefined) ?? instanceFacts(instanceType).rootVolumeGb,
        workVolumeSizeGb: (c.workVolumeSizeGb as number | undefined) ?? 200,
        deleteWorkVolume: (c.deleteWorkVolume as boolean | undefined) ?? false,
        ...(c.workVolumeId !== undefined ? { workVolumeId: c.workVolumeId as string } : {}),
        user: (c.user as string | undefined) ?? "coder",
        homeDir: (c.homeDir as string | undefined) ?? "/work",
        allowedCidrs: (c.allowedCidrs as string[] | undefined) ?? [],
        ...(c.amiId !== undefined ? { amiId: c.amiId as string } : {}),
        ...(c.subnetId !== undefined ? { subnetId: c.subnetId as string } : {}),
        ...(c.availabilityZone !== undefined ? { availabilityZone: c.availabilityZone as string } : {}),
        taskFiles: (c.taskFiles as string[] | undefined) ?? [],
    };
}

/** Compute nodes the cluster may use: the block, less the one instance code-server runs on it. */
export function clusterCapacity(blockInstanceCount: number, codeServerEnabled: boolean): number {
    return blockInstanceCount - (codeServerEnabled ? 1 : 0);
}

function defaultClusterName(project: string, stack: string): string {
    const name = `${project}-${stack}`.replace(/[^A-Za-z0-9-]/g, "-").replace(/^[^A-Za-z]+/, "");
    return (name || "capblocks").slice(0, 40);
}

function clusterFrom(c: Obj, raw: RawStackConfig, reservation: ReservationConfig | undefined, codeServerEnabled: boolean, problems: string[]): ClusterConfig {
    const enabled = (c.enabled as boolean | undefined) ?? false;
    if (enabled && !reservation) {
        problems.push("capblocks:cluster.enabled: the PCS compute node group runs on a Capacity Block; set capblocks:reservation (buy or adopt) or disable the cluster");
    }
    const cluster: ClusterConfig = {
        enabled,
        name: (c.name as string | undefined) ?? defaultClusterName(raw.project, raw.stack),
        slurmVersion: (c.slurmVersion as string | undefined) ?? "25.05",
        size: (c.size as ClusterConfig["size"] | undefined) ?? "SMALL",
        computeInstanceType: (c.computeInstanceType as string | undefined) ?? reservation?.instanceType ?? "",
        loginInstanceType: (c.loginInstanceType as string | undefined) ?? "m7i.large",
        loginPublic: (c.loginPublic as boolean | undefined) ?? false,
        sharedStorage: (c.sharedStorage as SharedStorage | undefined) ?? "efs",
        deleteSharedStorage: (c.deleteSharedStorage as boolean | undefined) ?? false,
        ...(c.sharedFileSystemId !== undefined ? { sharedFileSystemId: c.sharedFileSystemId as string } : {}),
        computeMinCount: (c.computeMinCount as number | undefined) ?? 0,
        ...(c.amiId !== undefined ? { amiId: c.amiId as string } : {}),
        ...(c.vpcId !== undefined ? { vpcId: c.vpcId as string } : {}),
        ...(c.computeSubnetId !== undefined ? { computeSubnetId: c.computeSubnetId as string } : {}),
        ...(c.loginSubnetId !== undefined ? { loginSubnetId: c.loginSubnetId as string } : {}),
    };
    if (cluster.sharedFileSystemId !== undefined && cluster.sharedStorage !== "efs") {
        problems.push(
            `capblocks:cluster.sharedFileSystemId: is an EFS file system to reuse, but capblocks:cluster.sharedStorage is ${cluster.sharedStorage}; ` +
                "set sharedStorage: efs or remove sharedFileSystemId",
        );
    }
    if (cluster.sharedFileSystemId !== undefined && c.deleteSharedStorage === true) {
        problems.push(
            `capblocks:cluster.deleteSharedStorage: cannot be true with sharedFileSystemId ${cluster.sharedFileSystemId}: ` +
                "capblocks never deletes a file system it did not create",
        );
    }
    // An adopted block's size is known only after its lookup; GpuNodeGroup checks it again then.
    if (enabled && reservation?.kind === "buy") {
        const maxCount = clusterCapacity(reservation.instanceCount, codeServerEnabled);
        if (maxCount < 1) {
            problems.push(
                `capblocks:cluster.enabled: the block has ${reservation.instanceCount} instance(s) and code-server takes one, ` +
                    `leaving none for the cluster; raise capblocks:reservation.instanceCount or disable code-server`,
            );
        }
        problems.push(...clusterConfigErrors(cluster, { maxCount, blockInstanceType: reservation.instanceType }));
    } else {
        problems.push(...clusterConfigErrors(cluster, { maxCount: 64, blockInstanceType: reservation?.instanceType }));
    }
    return cluster;
}

/**
 * Checks the whole stack config and fills in every default. Pure: takes plain values, returns the typed
 * config, or throws one ConfigError listing every problem (schema first, then rules across keys).
 */
export function validateStackConfig(raw: RawStackConfig): StackConfig {
    const v = schemaValidators();
    const problems: string[] = [];
    if (raw.region === undefined) {
        problems.push("aws:region: is required (e.g. pulumi config set aws:region sa-east-1)");
    } else {
        problems.push(...schemaProblems("aws:region", raw.region, v.region));
    }
    for (const key of raw.otherKeys ?? []) {
        problems.push(`${key}: is not a capblocks setting (known: ${KNOWN_KEYS.map((k) => `capblocks:${k}`).join(", ")})`);
    }
    const sections: [string, unknown][] = [
        ["reservation", raw.reservation],
        ["codeServer", raw.codeServer],
        ["cluster", raw.cluster],
        ["tags", raw.tags],
    ];
    for (const [name, value] of sections) {
        if (value !== undefined) problems.push(...schemaProblems(`capblocks:${name}`, value, v[name]));
    }
    if (problems.length) throw new ConfigError(problems);

    const region = raw.region as string;
    const reservationInput = asObj(raw.reservation);
    if (raw.reservation !== undefined && typeof reservationInput.availabilityZones === "object") {
        for (const az of reservationInput.availabilityZones as string[]) {
            if (!az.startsWith(region)) problems.push(`capblocks:reservation.availabilityZones: ${show(az)} is not in aws:region ${region}`);
        }
    }
    const reservation = raw.reservation === undefined ? undefined : reservationFrom(reservationInput, problems);
    const codeServer = codeServerFrom(asObj(raw.codeServer), reservation, region, problems);
    const cluster = clusterFrom(asObj(raw.cluster), raw, reservation, codeServer.enabled, problems);
    if (problems.length) throw new ConfigError(problems);
    return { region, reservation, codeServer, cluster, tags: (raw.tags as Record<string, string> | undefined) ?? {} };
}

/**
 * The raw config from Pulumi's flat key → string map (what `pulumi.runtime.allConfig()` returns, and what
 * the offline plan builds from a stack file): object-valued keys arrive as JSON text.
 */
export function rawStackConfigFrom(values: Record<string, string>, project: string, stack: string): RawStackConfig {
    const problems: string[] = [];
    const parsed = (name: string): unknown => {
        const text = values[`capblocks:${name}`];
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text) as unknown;
        } catch {
            problems.push(`capblocks:${name}: is not valid YAML/JSON (${JSON.stringify(text.slice(0, 40))})`);
            return undefined;
        }
    };
    const raw: RawStackConfig = {
        project,
        stack,
        region: values["aws:region"],
        reservation: parsed("reservation"),
        codeServer: parsed("codeServer"),
        cluster: parsed("cluster"),
        tags: parsed("tags"),
        otherKeys: Object.keys(values).filter((k) => k.startsWith("capblocks:") && !KNOWN_KEYS.includes(k.slice("capblocks:".length))),
    };
    if (problems.length) throw new ConfigError(problems);
    return raw;
}

/** Reads the stack config from Pulumi (`capblocks:*`, `aws:region`) and validates it. */
export function readStackConfig(): StackConfig {
    return validateStackConfig(rawStackConfigFrom(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack()));
}
