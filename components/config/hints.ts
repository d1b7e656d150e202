/**
 * The part of a config problem that depends on the value: what to type instead. A schema rule says what is wrong
 * with every bad value alike; these say it for this one (the nearest valid duration, the instance type one letter
 * away, the quotes YAML needs or must not have), so a problem is one line that can be acted on.
 */
import { nearestDurations } from "../../dynamic-providers/capacityBlock/durations";
import { CATALOG_TYPES } from "../shared/catalog";
import { RESERVED_TAG_KEYS } from "./schema";
import { didYouMean, nearest } from "./suggestions";

/** A value as the user wrote it in YAML/JSON (strings quoted). */
export function show(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** The sizes a misspelt size may have meant: the fixed words, and for `48xlarg` the numbered ones. */
function sizeWords(size: string): string[] {
    const digits = /^\d+/.exec(size)?.[0];
    return digits ? [`${digits}xlarge`, `metal-${digits}xl`] : ["nano", "micro", "small", "medium", "large", "xlarge", "metal"];
}

/** A type that is not family.size: the catalog type it is nearest to, else the same family with the nearest size. */
function instanceTypeHint(value: unknown, rule: string): string {
    if (typeof value !== "string") return rule;
    const known = nearest(value, CATALOG_TYPES);
    if (known) return `${rule}; did you mean ${known}?`;
    const dot = value.indexOf(".");
    const size = dot > 0 ? nearest(value.slice(dot + 1), sizeWords(value.slice(dot + 1))) : undefined;
    return size ? `${rule}; did you mean ${value.slice(0, dot)}.${size}?` : rule;
}

function durationHint(value: unknown, rule: string): string {
    const near = typeof value === "number" ? nearestDurations(value) : [];
    return near.length ? `${rule}; use ${near.join(" or ")}` : rule;
}

/** Why a CIDR is refused: IPv6 (the instance has no IPv6 address), host bits set, or not a CIDR at all. */
function cidrHint(value: unknown, rule: string): string {
    const text = String(value);
    if (text.includes(":")) {
        return "is an IPv6 CIDR, and capblocks opens nginx's port to IPv4 addresses only (the instance gets no IPv6 address in the " +
            "default VPC); give your IPv4 address as a /32 (e.g. 203.0.113.7/32), or leave allowedCidrs empty and connect through SSM";
    }
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
    if (m && Number(m[2]) <= 32) {
        const bits = Number(m[2]);
        const address = m[1].split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
        const network = bits === 0 ? 0 : address - (address % 2 ** (32 - bits));
        const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
        if (network !== address) return `has host bits set, so it is not a network; write ${dotted}/${bits} (the network) or ${m[1]}/32 (this address only)`;
    }
    return rule;
}

function tagKeyHint(value: unknown, rule: string): string {
    const key = String(value);
    if (RESERVED_TAG_KEYS.exact.includes(key)) {
        return "is the tag capblocks names each resource with (e.g. <project>-<stack>-code-server; the cluster finds its subnets by it); " +
            "remove it, or use another key such as owner";
    }
    if (key.startsWith(RESERVED_TAG_KEYS.prefix)) {
        return `is reserved: capblocks keeps its own records in ${RESERVED_TAG_KEYS.prefix}* tags (a block's purchase token and owner, ` +
            "the cluster, the work volume's mount point); use a key without that prefix";
    }
    return rule;
}

const HINTS: Record<string, (value: unknown, rule: string) => string> = {
    instanceType: instanceTypeHint,
    duration: durationHint,
    cidr: cidrHint,
    tagKey: tagKeyHint,
};

/** The rule's wording for this value: the schema's `rule`, refined by its `hint` when it has one. */
export function ruleFor(hint: string | undefined, value: unknown, rule: string): string {
    const refine = hint === undefined ? undefined : HINTS[hint];
    return refine ? refine(value, rule) : rule;
}

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * What to type when a value has the wrong JSON type, which is almost always YAML's reading of it: `"2"` in quotes
 * is text, `25.05` without quotes is a number. `pulumi config set --path` stores integers and true/false typed, and
 * everything else as text, so a number meant as text needs `--type string` there.
 */
export function typeAdvice(key: string, value: unknown, expected: string[]): string {
    const wantsNumber = expected.includes("integer") || expected.includes("number");
    if (typeof value === "string" && !expected.includes("string")) {
        const unquoted = (wantsNumber && NUMBER_TEXT.test(value)) || (expected.includes("boolean") && /^(true|false)$/.test(value));
        if (unquoted) return `; write it as ${value}, without quotes (${show(value)} in quotes is text)`;
    }
    if (expected.includes("string") && (typeof value === "number" || typeof value === "boolean")) {
        const text = String(value);
        return `; write it as ${show(text)}, in quotes (YAML reads ${text} without quotes as a ${typeof value}), or set it with ` +
            `pulumi config set --type string --path ${key} ${text}`;
    }
    return "";
}

/** "; did you mean X?" for a word near one of the allowed values (not for a version such as 24.05: near is not meant). */
export function allowedValueAdvice(value: unknown, allowed: unknown[]): string {
    if (typeof value !== "string" || !/[A-Za-z]/.test(value)) return "";
    return didYouMean(value, allowed.filter((a): a is string => typeof a === "string"), show);
}
