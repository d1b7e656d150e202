/** One problem with one input, as a provider's check reports it: the engine shows it on that property. */
export interface CheckFailure {
    property: string;
    reason: string;
}

/** Drops undefined values: the dynamic-provider host cannot marshal them, in inputs or outputs. */
export function withoutUndefined<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
