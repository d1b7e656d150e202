/**
 * Settings that are valid but probably not meant: a warning, never an error, since only the user knows.
 */
import type { StackConfig } from "./types";

/**
 * A ceiling above this many USD per instance-hour is far beyond any Capacity Block price (the largest types cost tens
 * of USD per instance-hour): more likely extra digits (1e9, 90000 for 900) than a budget.
 */
const SUSPICIOUS_USD_PER_INSTANCE_HOUR = 1000;

function ceilingWarning(cfg: StackConfig): string | undefined {
    const r = cfg.reservation;
    if (r?.kind !== "buy") return undefined;
    const perInstanceHour = Number(r.maxUpfrontFee) / (r.instanceCount * r.durationHours);
    if (!(perInstanceHour > SUSPICIOUS_USD_PER_INSTANCE_HOUR)) return undefined;
    return (
        `capblocks:reservation.maxUpfrontFee: ${r.maxUpfrontFee} USD is ${perInstanceHour.toFixed(2)} USD per instance-hour for ` +
        `${r.instanceCount} x ${r.instanceType} for ${r.durationHours} h, far above what Capacity Blocks cost (tens of USD per ` +
        "instance-hour); it still caps the purchase, and up pays the offering's price, but check the ceiling for extra digits"
    );
}

/** What the checked config probably did not mean, one line each. */
export function configWarnings(cfg: StackConfig): string[] {
    return [ceilingWarning(cfg)].filter((w): w is string => w !== undefined);
}
