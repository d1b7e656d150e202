/**
 * What `pulumi config set` stores, for tests that follow the README's commands without the Pulumi CLI: the flat
 * key → text map Pulumi hands the program (pulumi.runtime.allConfig()), objects as JSON text.
 *
 * Pulumi v3.248.0 (sdk/go/common/resource/config/map.go Map.Set, object.go coerce): with --path, "true" and "false"
 * are stored as booleans and integers without a leading zero as numbers, everything else as a string; `--type string`
 * keeps the text. Without --path the key, dots and all, is stored as one flat key holding the text.
 */

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** Pulumi's coercion of an untyped --path value. */
function coerced(text: string, type?: "string"): Json {
    if (type === "string") return text;
    if (text === "true" || text === "false") return text === "true";
    if (/^-?[1-9]\d*$|^0$/.test(text)) return Number(text);
    return text;
}

/** `reservation.availabilityZones[0]` → ["reservation", "availabilityZones", 0]. */
function pathOf(name: string): (string | number)[] {
    return name.split(".").flatMap((part) => {
        const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part) ?? ["", part, ""];
        const indexes = [...m[2].matchAll(/\[(\d+)\]/g)].map((i) => Number(i[1]));
        return [...(m[1] ? [m[1]] : []), ...indexes];
    });
}

export interface ConfigSetOptions {
    path?: boolean;
    type?: "string";
}

/** Applies one `pulumi config set [--path] [--type string] <key> <value>` to the map. */
export function configSet(values: Record<string, string>, key: string, text: string, o: ConfigSetOptions = {}): void {
    if (!o.path) {
        values[key] = text;
        return;
    }
    const colon = key.indexOf(":");
    const [root, ...rest] = pathOf(key.slice(colon + 1));
    const rootKey = `${key.slice(0, colon)}:${String(root)}`;
    if (rest.length === 0) {
        values[rootKey] = text;
        return;
    }
    const top = (values[rootKey] === undefined ? (typeof rest[0] === "number" ? [] : {}) : JSON.parse(values[rootKey])) as Json;
    let node = top as Record<string | number, Json>;
    rest.forEach((part, i) => {
        if (i === rest.length - 1) {
            node[part] = coerced(text, o.type);
            return;
        }
        node[part] ??= typeof rest[i + 1] === "number" ? [] : {};
        node = node[part] as Record<string | number, Json>;
    });
    values[rootKey] = JSON.stringify(top);
}

/** The `pulumi config set …` lines of a shell snippet, applied in order (other lines are ignored). */
export function applyConfigCommands(commands: string, values: Record<string, string> = {}): Record<string, string> {
    for (const line of commands.split("\n")) {
        const words = line.replace(/#.*$/, "").trim().split(/\s+/);
        if (words[0] !== "pulumi" || words[1] !== "config" || words[2] !== "set") continue;
        const options: ConfigSetOptions = {};
        const args: string[] = [];
        for (let i = 3; i < words.length; i++) {
            if (words[i] === "--path") options.path = true;
            else if (words[i] === "--type") options.type = words[++i] as "string";
            else args.push(words[i].replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1"));
        }
        configSet(values, args[0], args[1], options);
    }
    return values;
}
