import { compareFeesPer, feePerText } from "./fees";
import type { FeePer } from "./fees";

// What an offering costs per instance-hour and per accelerator-hour, over the time it runs as bought: every block ends
// at 11:30 UTC, so one starting today runs whole hours plus (or minus) some minutes
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html). Exact: fees and minutes stay
// whole numbers, and only the text is rounded.

interface Timed {
    startDate: Date;
    endDate: Date;
}

interface Priced extends Timed {
    upfrontFee: string;
    instanceCount: number;
}

/** Minutes from start to end: what the block runs as bought. */
export function minutesBought(o: Timed): number {
    return Math.round((o.endDate.getTime() - o.startDate.getTime()) / 60_000);
}

/** "24 h", or "23 h 35 min" for a same-day block. */
export function hoursBoughtText(minutes: number): string {
    const extra = minutes % 60;
    return `${Math.floor(minutes / 60)} h${extra ? ` ${extra} min` : ""}`;
}

/** The fee per instance-minute (fee over instances × minutes). */
export function perInstance(o: Priced): FeePer {
    return { fee: o.upfrontFee, units: o.instanceCount * Math.max(1, minutesBought(o)) };
}

/** The fee per accelerator-minute (fee over instances × accelerators per instance × minutes). */
export function perAccelerator(o: Priced, acceleratorsPerInstance: number): FeePer {
    return { fee: o.upfrontFee, units: o.instanceCount * acceleratorsPerInstance * Math.max(1, minutesBought(o)) };
}

/** A fee per unit-minute as a price per unit-hour, to the cent unless told. */
export function perHourText(price: FeePer, decimals = 2): string {
    return feePerText(price.fee, 60, price.units, decimals);
}

/** Cheaper per unit-minute first. */
export function byUnitPrice(a: FeePer, b: FeePer): number {
    return compareFeesPer(a, b);
}
