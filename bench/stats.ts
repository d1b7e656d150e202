import { performance } from "perf_hooks";

export function median(values: number[]): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const start = performance.now();
    const value = await work();
    return { ms: performance.now() - start, value };
}

export type CallCounts = Record<string, number>;

/** Per-operation counts after minus before (operations with no calls left out). */
export function callsBetween(before: CallCounts, after: CallCounts): CallCounts {
    return Object.fromEntries(Object.entries(after).map(([op, n]) => [op, n - (before[op] ?? 0)] as const).filter(([, n]) => n > 0));
}

/** The per-operation medians of several runs' counts. */
export function medianCounts(runs: CallCounts[]): CallCounts {
    const ops = [...new Set(runs.flatMap((r) => Object.keys(r)))];
    return Object.fromEntries(ops.map((op) => [op, median(runs.map((r) => r[op] ?? 0))]));
}
