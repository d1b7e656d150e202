// What the harness (test process) and the preload (host process) agree on.

export const FAKES_ENV = "CAPBLOCKS_HOST_FAKES";
export const CALL_LOG_ENV = "CAPBLOCKS_HOST_CALL_LOG";

/** Control method the preload answers itself: prints its argument on stdout and stderr so the harness can drain both. */
export const FLUSH_METHOD = "__flush";

/** A fake to install in the host: `require(module)[export ?? "install"](options)`; its return value is its control handle. */
export interface FakeSpec {
    /** Name used by `host.control(name, ...)`. */
    name: string;
    /** Absolute path (the harness resolves paths relative to the project root). */
    module: string;
    export?: string;
    /** JSON scenario options passed to install(). */
    options?: unknown;
}

/** An AWS SDK client class whose `send` the preload records (and refuses when no fake mocked it). */
export interface SdkClientSpec {
    module: string;
    export: string;
}

export interface HostFakesConfig {
    fakes?: FakeSpec[];
    clients?: SdkClientSpec[];
}

/** One AWS SDK call the provider made inside the host. */
export interface AwsCall {
    client: string;
    operation: string;
    input: unknown;
    /** Set when the call failed (error name), or when it was refused because no fake covered it. */
    error?: string;
}
