/** What a provider threw: its message, and for a partial failure the id and properties kept in state. */
export type ProviderError = Error & { id?: string; properties?: Record<string, unknown> };

/** The error `p` rejects with; a promise that resolves fails the test. */
export async function failure(p: Promise<unknown>): Promise<ProviderError> {
    try {
        await p;
    } catch (err) {
        return err as ProviderError;
    }
    throw new Error("expected a failure");
}
