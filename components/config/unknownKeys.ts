/**
 * Keys in the `capblocks` namespace that capblocks does not read. Most are a nested setting set flat:
 * `pulumi config set capblocks:reservation.instanceType p5.48xlarge` without `--path` stores one key named
 * `capblocks:reservation.instanceType` beside `capblocks:reservation`, not `instanceType` inside it. The problem
 * says so and gives the two commands that fix it; a misspelt key gets the key it was probably meant to be.
 */
import { shellQuote } from "../../dynamic-providers/shared/shell";
import { clusterSchema, codeServerSchema, CONFIG_KEYS, reservationSchema } from "./schema";
import { nearest } from "./suggestions";

const NAMESPACE = "capblocks";

/** A value as one shell word: bare when nothing in it needs quoting. */
function shellWord(value: string): string {
    return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(value) ? value : shellQuote(value);
}

interface PropertySchema {
    type?: string | string[];
    enum?: unknown[];
    retired?: boolean;
}

/** The settings inside each object key; `tags` (and `codeServer.secrets`) take any name. */
const SETTINGS: Record<string, Record<string, PropertySchema>> = {
    reservation: reservationSchema.properties,
    codeServer: codeServerSchema.properties,
    cluster: clusterSchema.properties,
};

function settingsOf(root: string): string[] {
    const properties = SETTINGS[root] ?? {};
    return Object.keys(properties).filter((name) => !properties[name].retired);
}

/** A value `--path` would store as a number or true/false, where capblocks wants text: it needs `--type string`. */
function needsTypeString(root: string, setting: string | undefined, value: string): boolean {
    const coerced = value === "true" || value === "false" || /^(0|-?[1-9]\d*)$/.test(value);
    if (!coerced) return false;
    if (root === "tags" || setting === "secrets") return true;
    const schema = setting === undefined ? undefined : SETTINGS[root]?.[setting];
    return schema !== undefined && (schema.type === "string" || (schema.enum !== undefined && schema.type === undefined));
}

/** `reservation.instanceType` → root `reservation`, setting `instanceType`, rest `.instanceType`; also `codeServer.allowedCidrs[0]`. */
function split(name: string): { root: string; setting?: string; rest: string } {
    const m = /^([^.[]+)(.*)$/.exec(name) ?? ["", name, ""];
    const setting = /^\.([^.[]+)/.exec(m[2])?.[1];
    return { root: m[1], rest: m[2], ...(setting !== undefined ? { setting } : {}) };
}

/** The commands that move a flat key's value to the nested path Pulumi passes to the program as part of the object. */
function fixCommands(flatKey: string, path: string, value: string | undefined, asText: boolean): string {
    const flags = value === undefined ? "--secret --path" : asText ? "--type string --path" : "--path";
    const shown = value === undefined ? "<value>" : shellWord(value);
    return `set it with \`pulumi config set ${flags} ${path} ${shown}\`, then remove this key with \`pulumi config rm ${flatKey}\``;
}

function unknownKeyProblem(key: string, value: string | undefined): string {
    const { root, setting, rest } = split(key.slice(NAMESPACE.length + 1));
    const knownRoot = CONFIG_KEYS.includes(root) ? root : nearest(root, CONFIG_KEYS);
    const known = `known: ${CONFIG_KEYS.map((k) => `${NAMESPACE}:${k}`).join(", ")}`;
    if (knownRoot !== undefined && rest !== "") {
        // A nested setting set flat: the path it belongs at, with the setting's spelling corrected when it is near one.
        const settings = settingsOf(knownRoot);
        const meant = setting === undefined || settings.length === 0 ? setting : nearest(setting, settings) ?? setting;
        const path = `${NAMESPACE}:${knownRoot}${meant === undefined ? rest : rest.replace(`.${setting}`, `.${meant}`)}`;
        const asText = value !== undefined && needsTypeString(knownRoot, meant, value);
        const why = path === key
            ? `is one flat key (set without --path), so capblocks does not see it inside ${NAMESPACE}:${knownRoot}`
            : `is not a capblocks setting; did you mean ${path}?`;
        return `${key}: ${why}; ${fixCommands(key, path, value, asText)}`;
    }
    if (knownRoot !== undefined) return `${key}: is not a capblocks setting; did you mean ${NAMESPACE}:${knownRoot}? (${known})`;
    // A setting written without the object it belongs to (`capblocks:instanceType`): the objects that have it.
    const homes = Object.keys(SETTINGS).flatMap((r) => {
        const found = nearest(root, settingsOf(r));
        return found === undefined ? [] : [`${NAMESPACE}:${r}.${found}`];
    });
    if (homes.length === 1) {
        const asText = value !== undefined && needsTypeString(homes[0].split(/[:.]/)[1], homes[0].split(".")[1], value);
        return `${key}: is not a capblocks setting; it belongs inside an object: ${fixCommands(key, homes[0], value, asText)}`;
    }
    if (homes.length > 1) return `${key}: is not a capblocks setting; did you mean ${homes.join(" or ")}? (set it with pulumi config set --path)`;
    return `${key}: is not a capblocks setting (${known})`;
}

/** One problem per unknown `capblocks:` key. `values` are theirs as Pulumi hands them over; secret ones are never shown. */
export function unknownKeyProblems(keys: string[], values: Record<string, string>, secretKeys: string[]): string[] {
    return keys.map((key) => unknownKeyProblem(key, secretKeys.includes(key) ? undefined : values[key] ?? ""));
}
