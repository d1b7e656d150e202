/**
 * Capacity Block durations: 1-day steps up to 14 days, then 7-day steps up to 182 days; extensions use the same steps
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html). The only place the steps are written.
 */
const DURATION_STEPS = [
    { from: 24, to: 336, step: 24 },
    { from: 504, to: 4368, step: 168 },
];

/** The duration rule in words, for messages: "24..336 in steps of 24, or 504..4368 in steps of 168". */
export const DURATION_RULE = DURATION_STEPS.map((s) => `${s.from}..${s.to} in steps of ${s.step}`).join(", or ");

export function isAllowedDuration(hours: number): boolean {
    return Number.isInteger(hours) && DURATION_STEPS.some((s) => hours >= s.from && hours <= s.to && (hours - s.from) % s.step === 0);
}

/** The allowed durations closest to a rejected one, for the error message. */
export function nearestDurations(hours: number): number[] {
    const all: number[] = [];
    for (const s of DURATION_STEPS) for (let h = s.from; h <= s.to; h += s.step) all.push(h);
    const below = all.filter((h) => h < hours).pop();
    const above = all.find((h) => h > hours);
    return [below, above].filter((h): h is number => h !== undefined);
}

/** Hours to extend a block from `fromHours` to `toHours`; throws for a shorter block or a step EC2 does not sell. */
export function extensionHours(fromHours: number, toHours: number): number {
    if (toHours < fromHours) {
        throw new Error(`CapacityBlock: durationHours cannot go down from ${fromHours} to ${toHours}: a bought block cannot be shortened ` +
            `or cancelled. Set durationHours back to ${fromHours}.`);
    }
    const hours = toHours - fromHours;
    if (hours > 0 && !isAllowedDuration(hours)) {
        const steps = DURATION_STEPS.map((s) => `${s.from}..${s.to} step ${s.step}`).join(", ");
        throw new Error(`CapacityBlock: extending from ${fromHours} h to ${toHours} h needs a ${hours} h extension, which EC2 does not sell: ` +
            `extensions use the block duration steps (${steps}). Nearest: ${nearestDurations(hours).map((h) => fromHours + h).join(" or ")} h total.`);
    }
    return hours;
}

/**
 * How much shorter than asked a block may be. Every block ends at 11:30 UTC, so one that starts on the day of the
 * search runs a little more or a little less than the hours asked: "One block will have a duration that is slightly
 * less than your desired duration, while the other will have a duration slightly greater"
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html). capblocks takes a block at most
 * one hour short (of the same order as the 30 minutes before its end at which EC2 already stops instances), never
 * one shorter than that; the same hour is the slack when deciding whether a block already has the hours asked.
 */
export const SHORTFALL_HOURS = 1;

/** Exact hours from one date to a later one, minutes included; undefined when either is missing or not a date. */
export function spanHours(start: unknown, end: unknown): number | undefined {
    const ms = new Date(String(end)).getTime() - new Date(String(start)).getTime();
    return Number.isFinite(ms) && ms > 0 ? Math.round(ms / 60_000) / 60 : undefined;
}

/** A span of `hours` gives at least `wantedHours`, but for SHORTFALL_HOURS. */
export function covers(hours: number, wantedHours: number): boolean {
    return hours >= wantedHours - SHORTFALL_HOURS;
}

/** The whole days nearest a span, as hours: the duration a block of that span was sold as (same-day minutes aside). */
export function nominalHours(hours: number): number {
    return Math.max(24, Math.round(hours / 24) * 24);
}

/**
 * The extension a block needs to reach `wantedHours`, from what it has: the hours it spans now (paid extensions
 * included) and the hours of extensions bought but not yet paid. 0 when it already has them; otherwise the fewest
 * whole days reaching `wantedHours` (but for SHORTFALL_HOURS), and `sold: false` when EC2 sells no such extension.
 */
export function extensionNeeded(wantedHours: number, spannedHours: number, pendingHours: number): { hours: number; sold: boolean } {
    const missing = wantedHours - spannedHours - pendingHours;
    if (missing <= SHORTFALL_HOURS) return { hours: 0, sold: true };
    const hours = Math.ceil((missing - SHORTFALL_HOURS) / 24) * 24;
    return { hours, sold: isAllowedDuration(hours) };
}
