/** Rows as aligned text columns, a header first; numbers (right-aligned columns) as their header says. */
export function table(headers: string[], rows: string[][], rightAligned: number[] = []): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(headers), ...rows.map(line)].join("\n");
}

/** A date as the tables show it: UTC, to the minute ("2026-11-24 11:30"). */
export function utcMinute(date: Date): string {
    return date.toISOString().slice(0, 16).replace("T", " ");
}
