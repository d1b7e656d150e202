import type { Clock } from "../../dynamic-providers/shared/clock";
import { CLOCK_HOOK_KEY } from "../../dynamic-providers/shared/clock";

/**
 * A provider clock on the SSM fake's time scale (its `msPerSecond` option): one SSM second passes in `msPerSecond`
 * real milliseconds, so the provider's waits of minutes (agent re-checks, the lost-agent limit) pass as fast as the
 * fake's timeouts, while the fake's instances still run real processes.
 */
export function scaledClock(msPerSecond: number): Clock {
    const start = Date.now();
    const speed = 1000 / msPerSecond;
    return {
        now: () => start + (Date.now() - start) * speed,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / speed)),
        notify: (message) => console.log(message),
    };
}

/** For the provider host's preload (a "fake" it installs): puts a scaled clock on the providers' clock hook. */
export function installScaledClock(options: { msPerSecond: number }): { restore(): void } {
    const globals = globalThis as Record<string, unknown>;
    const previous = globals[CLOCK_HOOK_KEY];
    globals[CLOCK_HOOK_KEY] = scaledClock(options.msPerSecond);
    return {
        restore: () => {
            globals[CLOCK_HOOK_KEY] = previous;
        },
    };
}
