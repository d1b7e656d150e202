/** Capped exponential backoff delays, e.g. 2 s, 4 s, 8 s … up to `maxMs`, summing to at most `totalMs`. */
export function backoffDelays(firstMs: number, maxMs: number, totalMs: number): number[] {
    const delays: number[] = [];
    let sum = 0;
    for (let d = firstMs; sum + Math.min(d, maxMs) <= totalMs; d *= 2) {
        delays.push(Math.min(d, maxMs));
        sum += Math.min(d, maxMs);
    }
    return delays;
}

/**
 * Waits between polls for a purchase's payment: each a quarter of the time waited so far (a paid block is
 * seen at most ~25% late, and within a second of a short payment), 1 s … 60 s, summing to at most `totalMs`.
 */
export function paymentPollDelays(totalMs: number): number[] {
    const delays: number[] = [];
    for (let waited = 0; ;) {
        const delay = Math.min(60_000, Math.max(1000, Math.round(waited / 4)));
        if (waited + delay > totalMs) return delays;
        delays.push(delay);
        waited += delay;
    }
}

/**
 * Adaptive polling of a running command: the next wait is 3% of the time spent so far (so a result is noticed at
 * most ~3% late), never under 150 ms (short runs end soon after the ~1.5 s dispatch) nor over 5 s.
 */
export function nextPollDelayMs(elapsedMs: number): number {
    return Math.min(5000, Math.max(150, Math.round(elapsedMs * 0.03)));
}
