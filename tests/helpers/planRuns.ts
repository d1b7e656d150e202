/**
 * The offline plan's CLI entry run in-process, once per argument list for the whole test run (several suites plan
 * the same example stacks in the same states), with anything printed on the console around it captured.
 */
import { main } from "../../scripts/plan";

export interface PlanRun {
    code: number;
    out: string;
    err: string;
    /** What reached the console outside the plan's own output (nothing should). */
    console: string;
}

const runs = new Map<string, Promise<PlanRun>>();

async function runOnce(args: string[]): Promise<PlanRun> {
    let out = "";
    let err = "";
    let printed = "";
    const { log, warn, error } = console;
    const watch = (...parts: unknown[]) => void (printed += `${parts.join(" ")}\n`);
    Object.assign(console, { log: watch, warn: watch, error: watch });
    try {
        const code = await main(args, { write: (s: string) => void (out += s) }, { write: (s: string) => void (err += s) });
        return { code, out, err, console: printed };
    } finally {
        Object.assign(console, { log, warn, error });
    }
}

/** The plan with these arguments; planned once, however many tests ask. */
export function planRun(args: string[]): Promise<PlanRun> {
    const key = JSON.stringify(args);
    if (!runs.has(key)) runs.set(key, runOnce(args));
    return runs.get(key) as Promise<PlanRun>;
}
