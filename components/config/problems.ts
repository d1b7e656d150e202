/**
 * The schema check of the raw config and the wording of what it finds: every problem is one line,
 * `<key>: <value> <rule>`, where the rule is the schema's own `rule` annotation when it has one.
 */
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import type { ErrorObject, KeywordDefinition, ValidateFunction } from "ajv";
import { isAllowedDuration } from "../../dynamic-providers/capacityBlock/durations";
import { parseCidr } from "../shared/cidr";
import { lookalikeKeyProblems } from "./namespaces";
import { CONFIG_KEYS, clusterSchema, codeServerSchema, regionSchema, reservationSchema, tagsSchema } from "./schema";
import type { ClusterInput, CodeServerInput, RawStackConfig, ReservationInput, StackInput } from "./types";

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

function buildAjv(): Ajv {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(["rule", "retired", "secret"]);
    // Boolean keywords (`isoTimestamp: true`) for the checks JSON Schema cannot say.
    const check = <T>(keyword: string, type: KeywordDefinition["type"], isValid: (value: T) => boolean) =>
        ajv.addKeyword({ keyword, type, schemaType: "boolean", validate: (_: boolean, value: T) => isValid(value) });
    check<number>("capacityBlockDuration", "number", isAllowedDuration);
    check<string>("isoTimestamp", "string", (d) => ISO_TIMESTAMP.test(d) && !Number.isNaN(Date.parse(d)));
    check<string>("cidr", "string", (c) => parseCidr(c) !== undefined);
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

/** A value as the user wrote it in YAML/JSON (strings quoted). */
export function show(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** `/availabilityZones/0` under `capblocks:reservation` → `capblocks:reservation.availabilityZones[0]`. */
function keyOf(root: string, instancePath: string): string {
    return instancePath
        .split("/")
        .slice(1)
        .reduce((key, part) => (/^\d+$/.test(part) ? `${key}[${part}]` : `${key}.${part}`), root);
}

/** Stands in for a value that may be a secret (a password, or a token pasted where its reference belongs). */
export const NOT_SHOWN = "(value not shown)";

/** `secretRoot`: the key is a Pulumi secret, so its value as a whole (a password set without --path) is not shown. */
function describe(root: string, e: ErrorObject, secretRoot: boolean): { key: string; text: string } {
    const key = keyOf(root, e.instancePath);
    const { rule, secret } = (e.parentSchema as { rule?: string; secret?: boolean } | undefined) ?? {};
    const hidden = secret || (secretRoot && e.instancePath === "");
    const shown = (value: unknown) => (hidden ? NOT_SHOWN : show(value));
    switch (e.keyword) {
        case "additionalProperties": {
            const extra = (e.params as { additionalProperty: string }).additionalProperty;
            const properties = (e.parentSchema as { properties?: Record<string, { retired?: boolean }> }).properties ?? {};
            const known = Object.keys(properties).filter((k) => !properties[k].retired).join(", ");
            return { key: `${key}.${extra}`, text: `${key}.${extra}: is not a setting of ${key} (known: ${known})` };
        }
        case "type": {
            const types = String((e.params as { type: string }).type).split(",");
            return { key, text: `${key}: ${shown(e.data)} must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(" or ")}` };
        }
        case "enum": {
            const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(show).join(", ");
            return { key, text: `${key}: ${shown(e.data)} ${rule ?? `is not one of ${allowed}`}` };
        }
        case "propertyNames":
            return { key, text: `${key}: ${show((e.params as { propertyName: string }).propertyName)} ${rule ?? "is not a valid key"}` };
        default:
            return { key, text: `${key}: ${shown(e.data)} ${rule ?? e.message ?? "is invalid"}` };
    }
}

/** One message per key, the first rule each key broke, in document order. */
function schemaProblems(root: string, errors: ErrorObject[] | null | undefined, secretRoot: boolean): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const e of errors ?? []) {
        // propertyNames reports both the failing name and the wrapping keyword; the name's line says it all.
        if (e.keyword === "propertyNames" && e.params && !("propertyName" in e.params)) continue;
        const { key, text } = describe(root, e, secretRoot);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(text);
    }
    return out;
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
    for (const key of raw.otherKeys ?? []) {
        problems.push(`${key}: is not a capblocks setting (known: ${CONFIG_KEYS.map((k) => `capblocks:${k}`).join(", ")})`);
    }
    problems.push(...lookalikeKeyProblems(raw.allKeys ?? []));
    const reservation = checked("capblocks:reservation", raw.reservation, v.reservation);
    const codeServer = checked("capblocks:codeServer", raw.codeServer, v.codeServer) ?? {};
    const cluster = checked("capblocks:cluster", raw.cluster, v.cluster) ?? {};
    const tags = checked("capblocks:tags", raw.tags, v.tags) ?? {};
    if (problems.length || region === undefined) throw new ConfigError(problems);
    return { region, reservation, codeServer, cluster, tags };
}
