/** The Pulumi engine's marker for a value not known during preview (@pulumi/pulumi runtime/rpc unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** False when the value, or anything inside it, is still unknown (preview): such a value is not judged yet. */
export function isKnown(value: unknown): boolean {
    if (value === UNKNOWN) return false;
    if (Array.isArray(value)) return value.every(isKnown);
    if (value !== null && typeof value === "object") return Object.values(value).every(isKnown);
    return true;
}
