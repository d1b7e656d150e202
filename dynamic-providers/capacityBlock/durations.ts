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

/** Hours `up` still has to buy to reach `wantedHours`, given the block's hours now and extensions bought but not yet paid. */
export function extensionHoursMissing(wantedHours: number, liveHours: number, pendingHours: number): number {
    return Math.max(0, wantedHours - liveHours - pendingHours);
}

/** Whole hours from one ISO date to a later one, or undefined when either is missing or not a date. */
export function hoursBetween(startIso: unknown, endIso: unknown): number | undefined {
    const hours = (new Date(String(endIso)).getTime() - new Date(String(startIso)).getTime()) / 3600_000;
    return Number.isFinite(hours) && hours > 0 ? Math.round(hours) : undefined;
}
