/**
 * "Did you mean …?" for config: the known word nearest a misspelt one (a key, an enum value, an instance type).
 * Plain edit distance over a handful of candidates; nothing here knows about any particular key.
 */

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
export function editDistance(a: string, b: string): number {
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
    }
    return row[b.length];
}

/**
 * The candidate `word` most likely meant: one that differs only in case, else the only one it begins (`timeout` for
 * timeoutSeconds), else the single nearest within a distance that grows with the word (1 for short words, at most
 * 3), so unrelated words are never suggested. Undefined when nothing is that close, or two are equally close.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    const lower = word.toLowerCase();
    const sameLetters = candidates.find((c) => c.toLowerCase() === lower);
    if (sameLetters !== undefined) return sameLetters;
    const longer = candidates.filter((c) => lower.length >= 4 && c.toLowerCase().startsWith(lower));
    if (longer.length === 1) return longer[0];
    const limit = Math.min(3, Math.max(1, Math.floor(word.length / 4)));
    const scored = candidates.map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) })).filter((s) => s.d <= limit);
    const best = Math.min(...scored.map((s) => s.d));
    const winners = scored.filter((s) => s.d === best);
    return winners.length === 1 ? winners[0].c : undefined;
}

/** "; did you mean X?" when a candidate is near `word`, else "". */
export function didYouMean(word: string, candidates: readonly string[], show: (s: string) => string = (s) => s): string {
    const found = nearest(word, candidates);
    return found === undefined ? "" : `; did you mean ${show(found)}?`;
}
