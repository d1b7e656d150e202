import type { CaptureOptions, ConstructRequest } from "./capture";
import { captureRegistrations } from "./capture";
import type { HostOptions, ResourceClient } from "./harness";
import { countByOperation, ProviderHost } from "./harness";

/** What a host test file works with: one host for the file, and a client per captured resource (by name). */
export interface HostSuite {
    host: ProviderHost;
    resources: Record<string, ResourceClient>;
    /** AWS calls made while `action` ran, counted per "Client.Operation". */
    callsDuring(action: () => Promise<unknown>): Promise<Record<string, number>>;
}

/**
 * Mocha hooks for a host test file: starts one host and captures the resources' registrations in parallel
 * (both are process starts), and stops the host afterwards. Use the returned getter inside tests.
 */
export function useHostSuite(
    options: HostOptions,
    constructs: ConstructRequest[],
    captureOptions?: CaptureOptions,
): () => HostSuite {
    let suite: HostSuite | undefined;
    before(async () => {
        const [host, registrations] = await Promise.all([ProviderHost.start(options), captureRegistrations(constructs, captureOptions)]);
        suite = {
            host,
            resources: Object.fromEntries(registrations.map((r) => [r.name, host.resource(r)])),
            async callsDuring(action) {
                const before = host.calls().length;
                await action();
                return countByOperation(host.calls().slice(before));
            },
        };
    });
    after(() => suite?.host.stop());
    return () => {
        if (!suite) {
            throw new Error("the host suite is not started: call useHostSuite inside a describe block");
        }
        return suite;
    };
}
