/**
 * What `npm run offerings` prints (pure): every offering found, in one order, with its price per instance-hour and per
 * accelerator-hour over the time it runs as bought; and how to buy one with capblocks. Fees are compared exactly and
 * only within one currency: USD offerings first (the currency of capblocks' ceiling), any other after, never ranked
 * against USD.
 */
import { CEILING_CURRENCY, compareFees, isFee } from "../../dynamic-providers/capacityBlock/fees";
import type { Offering } from "../../dynamic-providers/capacityBlock/offerings";
import { byUnitPrice, hoursBoughtText, minutesBought, perAccelerator, perHourText, perInstance } from "../../dynamic-providers/capacityBlock/unitPrices";
import { table, utcMinute } from "./table";

/** An offering and the Region it was found in. */
export interface FoundOffering extends Offering {
    region: string;
}

/** One row as `--json` gives it. Prices per hour are decimal strings in the offering's currency, rounded to the cent. */
export interface OfferingRow {
    region: string;
    availabilityZone: string;
    instanceType: string;
    instanceCount: number;
    offeringId: string;
    startDate: string;
    endDate: string;
    /** Minutes the block runs as bought (whole hours, plus or minus a same-day block's minutes). */
    minutes: number;
    hours: string;
    upfrontFee: string;
    currencyCode: string;
    acceleratorsPerInstance: number | null;
    perInstanceHour: string | null;
    perAcceleratorHour: string | null;
}

type Accelerators = (instanceType: string) => number | undefined;

/** How an offering is priced for ranking: per accelerator when its accelerators are known, else per instance, else not at all. */
function priceBasis(o: Offering, accelerators: Accelerators): { rank: number; price?: ReturnType<typeof perInstance> } {
    if (!isFee(o.upfrontFee)) return { rank: 2 };
    const count = accelerators(o.instanceType);
    return count ? { rank: 0, price: perAccelerator(o, count) } : { rank: 1, price: perInstance(o) };
}

function currencyOrder(a: string, b: string): number {
    return Number(b === CEILING_CURRENCY) - Number(a === CEILING_CURRENCY) || a.localeCompare(b);
}

/**
 * The offerings in the order the table shows them: per currency (USD first), cheapest per accelerator-hour first
 * (ties: the earliest start), then those whose accelerators are not known (per instance-hour), then unreadable fees.
 */
export function sortOfferings(found: FoundOffering[], accelerators: Accelerators): FoundOffering[] {
    return [...found].sort((a, b) => {
        const pa = priceBasis(a, accelerators);
        const pb = priceBasis(b, accelerators);
        return currencyOrder(a.currencyCode, b.currencyCode) || pa.rank - pb.rank ||
            (pa.price && pb.price ? byUnitPrice(pa.price, pb.price) : 0) ||
            a.startDate.getTime() - b.startDate.getTime() || a.availabilityZone.localeCompare(b.availabilityZone) || a.instanceType.localeCompare(b.instanceType);
    });
}

export function rowOf(o: FoundOffering, accelerators: Accelerators): OfferingRow {
    const minutes = minutesBought(o);
    const count = accelerators(o.instanceType);
    const readable = isFee(o.upfrontFee) && minutes > 0;
    return {
        region: o.region, availabilityZone: o.availabilityZone, instanceType: o.instanceType, instanceCount: o.instanceCount, offeringId: o.offeringId,
        startDate: o.startDate.toISOString(), endDate: o.endDate.toISOString(), minutes, hours: hoursBoughtText(minutes),
        upfrontFee: o.upfrontFee, currencyCode: o.currencyCode, acceleratorsPerInstance: count ?? null,
        perInstanceHour: readable ? perHourText(perInstance(o)) : null,
        perAcceleratorHour: readable && count ? perHourText(perAccelerator(o, count)) : null,
    };
}

const money = (amount: string | null, currency: string) => (amount === null ? "?" : `${amount} ${currency}`);

export function offeringsTable(rows: OfferingRow[]): string {
    const headers = ["AZ", "TYPE", "COUNT", "START (UTC)", "END (UTC)", "HOURS", "FEE", "PER INSTANCE-HOUR", "PER ACCELERATOR-HOUR"];
    const cells = rows.map((r) => [
        r.availabilityZone, r.instanceType, String(r.instanceCount), utcMinute(new Date(r.startDate)), utcMinute(new Date(r.endDate)), r.hours,
        `${r.upfrontFee} ${r.currencyCode}`, money(r.perInstanceHour, r.currencyCode),
        r.acceleratorsPerInstance === null ? "? (accelerators unknown)" : `${money(r.perAcceleratorHour, r.currencyCode)} (${r.acceleratorsPerInstance}/instance)`,
    ]);
    return table(headers, cells, [2, 6, 7]);
}

/** The fee as a ceiling capblocks accepts (at most 2 decimals), never below the fee: rounded up to the cent. */
function ceilingFor(fee: string): string {
    const [whole, fraction = ""] = fee.trim().split(".");
    if (fraction.length <= 2) return fee.trim();
    const cents = BigInt(whole + fraction.slice(0, 2)) + (/[1-9]/.test(fraction.slice(2)) ? BigInt(1) : BigInt(0));
    const text = cents.toString().padStart(3, "0");
    return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/**
 * The stack settings that make `pulumi up` buy this offering if it is still there when it searches (capblocks buys by
 * its own search, never by an offering id, which changes on every search); undefined for one capblocks cannot buy
 * (priced in another currency than USD, or an unreadable fee).
 */
export function buyHint(row: OfferingRow, durationHours: number): string | undefined {
    if (row.currencyCode !== CEILING_CURRENCY || !isFee(row.upfrontFee)) return undefined;
    const start = new Date(row.startDate);
    const ceiling = ceilingFor(row.upfrontFee);
    if (compareFees(ceiling, row.upfrontFee) < 0) return undefined;
    const window = `startAfter: "${start.toISOString()}", startBefore: "${new Date(start.getTime() + 3600_000).toISOString()}"`;
    return `aws:region ${row.region}; capblocks:reservation: { instanceType: ${row.instanceType}, instanceCount: ${row.instanceCount}, ` +
        `durationHours: ${durationHours}, availabilityZones: [${row.availabilityZone}], ${window}, maxUpfrontFee: "${ceiling}" }`;
}
