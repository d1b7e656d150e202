// Pulumi's wire markers in property values (sdk/nodejs/runtime/rpc: unknownValue, specialSigKey, specialSecretSig).

/** The engine's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function containsSecret(v: unknown): boolean {
    return isSecret(v) || (typeof v === "object" && v !== null && Object.values(v).some(containsSecret));
}

/** The value with every secret wrapper replaced by its plain value. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecret(v)) {
        return unwrapSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}
