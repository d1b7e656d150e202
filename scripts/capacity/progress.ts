/** Where the CLIs write: stdout for results, stderr for progress and problems. */
export interface Sink {
    write(chunk: string): unknown;
    /** A terminal: progress is one line rewritten in place; otherwise a line per step. */
    isTTY?: boolean;
}

/** "searching 6 …: 4 done" on stderr while searches run side by side; ends with a line that stays. */
export function progressLine(err: Sink, what: string, total: number): { step(label: string): void; done(): void } {
    let finished = 0;
    const show = (text: string, final = false) => {
        if (err.isTTY) err.write(`\r\x1b[K${text}${final ? "\n" : ""}`);
        else err.write(`${text}\n`);
    };
    if (err.isTTY) show(`${what}: 0 of ${total} done`);
    return {
        step(label: string) {
            finished += 1;
            show(`${what}: ${finished} of ${total} done (${label})`);
        },
        done() {
            if (err.isTTY) show(`${what}: ${finished} of ${total} done`, true);
        },
    };
}

/** Runs `tasks` at most `limit` at a time, in order of start; each result in its task's place. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array(tasks.length);
    let next = 0;
    const worker = async () => {
        while (next < tasks.length) {
            const i = next++;
            results[i] = await tasks[i]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    return results;
}
