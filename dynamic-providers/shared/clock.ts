/** Time and the user's notice channel, as a provider sees them. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /**
     * A notice for the user. The engine shows a dynamic provider's stdout as info diagnostics (pulumi/pulumi
     * sdk/go/common/resource/plugin/plugin.go hides unstructured output only for non-dynamic resource plugins).
     */
    notify(message: string): void;
}

/**
 * Where tests put a fake Clock. A global, not a parameter: Pulumi stores each provider serialized in state and the
 * dynamic-provider host revives that text, so only a hook read on every call reaches the provider there too.
 */
export const CLOCK_HOOK_KEY = "__capblocksClock";

/** The clock installed on the hook, else real time (notices on stdout). */
export function clock(): Clock {
    return ((globalThis as Record<string, unknown>)[CLOCK_HOOK_KEY] as Clock | undefined) ?? {
        now: () => Date.now(),
        sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        notify: (message) => console.log(message),
    };
}
