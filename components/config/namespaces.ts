/**
 * Config keys in a namespace that looks like capblocks' own but is not (`capblock:`, `Capblocks:`, `capacityblocks:`,
 * `capblocks-alice:` after a project rename): capblocks never reads them, so without this check a reservation set
 * there would silently be missing, and the stack would run on demand.
 */
import { CONFIG_KEYS } from "./schema";
import { editDistance } from "./suggestions";

const NAMESPACE = "capblocks";

/** Whether a namespace other than `capblocks` looks like it was meant to be it (compared case-insensitively). */
export function looksLikeOurNamespace(namespace: string): boolean {
    if (namespace === NAMESPACE) return false;
    const letters = namespace.toLowerCase().replace(/[^a-z0-9]/g, "");
    return letters.startsWith("capblock") || letters.startsWith("capacityblock") || editDistance(letters, NAMESPACE) <= 2;
}

/** One problem per key in a look-alike namespace, naming the key capblocks reads instead. */
export function lookalikeKeyProblems(keys: string[]): string[] {
    return keys.flatMap((key) => {
        const colon = key.indexOf(":");
        const namespace = key.slice(0, colon);
        if (colon < 0 || !looksLikeOurNamespace(namespace)) return [];
        const name = key.slice(colon + 1);
        const root = name.split(".")[0].toLowerCase();
        const known = CONFIG_KEYS.find((k) => k.toLowerCase() === root);
        const fix = known
            ? `rename it to ${NAMESPACE}:${known}${name.slice(root.length)}`
            : `capblocks reads ${CONFIG_KEYS.map((k) => `${NAMESPACE}:${k}`).join(", ")}`;
        return [`${key}: is in namespace "${namespace}", which capblocks does not read (the stack would run without it); ${fix}`];
    });
}
