/**
 * The schema check of the raw config and the wording of what it finds: every problem is one line,
 * `<key>: <value> <rule>`, where the rule is the schema's own `rule` annotation when it has one.
 */
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import type { ErrorObject, KeywordDefinition, ValidateFunction } from "ajv";
import { isAllowedDuration } from "../../dynamic-providers/capacityBlock/durations";
import { allowedValueAdvice, ruleFor, show, typeAdvice } from "./hints";
import { lookalikeKeyProblems } from "./namespaces";
import { clusterSchema, codeServerSchema, regionSchema, reservationSchema, tagsSchema } from "./schema";
import { didYouMean } from "./suggestions";
import type { ClusterInput, CodeServerInput, RawStackConfig, ReservationInput, StackInput } from "./types";
import { unknownKeyProblems } from "./unknownKeys";

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

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^\d+(\.\d{1,2})?$/;

/** An IPv4 network in CIDR notation: no host bits set (the AWS provider refuses 203.0.113.7/24). */
function isIpv4Cidr(value: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (!octets.every((octet) => octet <= 255) || bits > 32) return false;
    const address = octets.reduce((n, octet) => n * 256 + octet, 0);
    return address % 2 ** (32 - bits) === 0;
}

function buildAjv(): Ajv {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(["rule", "hint", "retired", "secret"]);
    // Boolean keywords (`isoTimestamp: true`) for the checks JSON Schema cannot say.
    const check = <T>(keyword: string, type: KeywordDefinition["type"], isValid: (value: T) => boolean) =>
        ajv.addKeyword({ keyword, type, schemaType: "boolean", validate: (_: boolean, value: T) => isValid(value) });
    check<number>("capacityBlockDuration", "number", isAllowedDuration);
    check<string>("isoTimestamp", "string", (d) => ISO_TIMESTAMP.test(d) && !Number.isNaN(Date.parse(d)));
    check<string>("ipv4Cidr", "string", isIpv4Cidr);
    check<string | number>("positiveDecimal", ["string", "number"], (d) => DECIMAL.test(String(d)) && Number(d) > 0);
    return ajv;
}

interface Validators {
    region: ValidateFunction<string>;
    reservation: ValidateFunction<ReservationInput>;
    codeServer: ValidateFunction<CodeServerInput>;
    cluster: ValidateFunction<ClusterInput>;
    tags: ValidateFunction<Record<string, string>>;
}

// Compiled on first use: the program checks its config once per run.
let validators: Validators | undefined;
function schemaValidators(): Validators {
    if (!validators) {
        const ajv = buildAjv();
        validators = {
            region: ajv.compile<string>(regionSchema),
            reservation: ajv.compile<ReservationInput>(reservationSchema),
            codeServer: ajv.compile<CodeServerInput>(codeServerSchema),
            cluster: ajv.compile<ClusterInput>(clusterSchema),
            tags: ajv.compile<Record<string, string>>(tagsSchema),
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

/** A key's child as `pulumi config set --path` takes it: `.name`, `[0]`, or `["kubernetes.io/role"]` for any other name. */
function childKey(key: string, part: string): string {
    if (/^\d+$/.test(part)) return `${key}[${part}]`;
    return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(part) ? `${key}.${part}` : `${key}[${show(part)}]`;
}

/** `/availabilityZones/0` under `capblocks:reservation` → `capblocks:reservation.availabilityZones[0]`. */
function keyOf(root: string, instancePath: string): string {
    return instancePath
        .split("/")
        .slice(1)
        .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce(childKey, root);
}

/** Stands in for a value that may be a secret (a password, or a token pasted where its reference belongs). */
export const NOT_SHOWN = "(value not shown)";

interface Annotations {
    rule?: string;
    hint?: string;
    secret?: boolean;
}

/** `secretRoot`: the key is a Pulumi secret, so its value as a whole (a password set without --path) is not shown. */
function describe(root: string, e: ErrorObject, secretRoot: boolean): { key: string; text: string } {
    const key = keyOf(root, e.instancePath);
    const { rule, hint, secret } = (e.parentSchema as Annotations | undefined) ?? {};
    const hidden = secret || (secretRoot && e.instancePath === "");
    const shown = (value: unknown) => (hidden ? NOT_SHOWN : show(value));
    switch (e.keyword) {
        case "additionalProperties": {
            const extra = (e.params as { additionalProperty: string }).additionalProperty;
            const properties = (e.parentSchema as { properties?: Record<string, { retired?: boolean }> }).properties ?? {};
            const known = Object.keys(properties).filter((k) => !properties[k].retired);
            const suggestion = didYouMean(extra, known);
            const name = childKey(key, extra);
            return { key: name, text: `${name}: is not a setting of ${key}${suggestion || ` (known: ${known.join(", ")})`}` };
        }
        case "type": {
            const types = String((e.params as { type: string }).type).split(",");
            const advice = hidden ? "" : typeAdvice(key, e.data, types);
            return { key, text: `${key}: ${shown(e.data)} must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(" or ")}${advice}` };
        }
        case "enum": {
            const allowedValues = (e.params as { allowedValues: unknown[] }).allowedValues;
            const advice = hidden ? "" : allowedValueAdvice(e.data, allowedValues);
            return { key, text: `${key}: ${shown(e.data)} ${rule ?? `is not one of ${allowedValues.map(show).join(", ")}`}${advice}` };
        }
        default: {
            if (e.schemaPath.includes("/propertyNames/")) {
                // A key inside the object breaks the rule for keys: the data is the key itself.
                const name = String(e.data);
                return { key: childKey(key, name), text: `${key}: ${show(name)} ${ruleFor(hint, name, rule ?? "is not a valid key")}` };
            }
            const words = rule ?? e.message ?? "is invalid";
            return { key, text: `${key}: ${shown(e.data)} ${hidden ? words : ruleFor(hint, e.data, words)}` };
        }
    }
}

/** One message per key, the first rule each key broke, in document order. */
function schemaProblems(root: string, errors: ErrorObject[] | null | undefined, secretRoot: boolean): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const e of errors ?? []) {
        // propertyNames reports the rule a key broke, then itself around it: the rule's line says it all.
        if (e.keyword === "propertyNames") continue;
        const { key, text } = describe(root, e, secretRoot);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(text);
    }
    return out;
}

function isEmptyObject(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/**
 * The raw config with every value checked against its schema: the typed input, or a ConfigError listing
 * every problem (a missing region, keys capblocks does not know, values of the wrong shape).
 */
export function checkedInput(raw: RawStackConfig): StackInput {
    const v = schemaValidators();
    const problems: string[] = [];
    const checked = <T>(key: string, value: unknown, validate: ValidateFunction<T>): T | undefined => {
        if (value === undefined || validate(value)) return value;
        problems.push(...schemaProblems(key, validate.errors, raw.secretKeys?.includes(key) ?? false));
        return undefined;
    };
    if (raw.region === undefined) problems.push("aws:region: is required (e.g. pulumi config set aws:region sa-east-1)");
    const region = checked("aws:region", raw.region, v.region);
    problems.push(...unknownKeyProblems(raw.otherKeys ?? [], raw.otherValues ?? {}, raw.secretKeys ?? []));
    problems.push(...lookalikeKeyProblems(raw.allKeys ?? []));
    // Pulumi.yaml declares each object key with the default {} (a declared key without a default must be set on every
    // stack), so an empty reservation is what Pulumi hands over when none is set: no block.
    const reservation = isEmptyObject(raw.reservation) ? undefined : checked("capblocks:reservation", raw.reservation, v.reservation);
    const codeServer = checked("capblocks:codeServer", raw.codeServer, v.codeServer) ?? {};
    const cluster = checked("capblocks:cluster", raw.cluster, v.cluster) ?? {};
    const tags = checked("capblocks:tags", raw.tags, v.tags) ?? {};
    if (problems.length || region === undefined) throw new ConfigError(problems);
    return { region, reservation, codeServer, cluster, tags };
}
