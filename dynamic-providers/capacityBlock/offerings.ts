import { parseFee } from "./inputs";
import type { CapacityBlockInputs, Selection } from "./inputs";

/** One offering as the provider needs it (EC2 CapacityBlockOffering, dates as Date, fee as the decimal string). */
export interface Offering {
    offeringId: string;
    instanceType: string;
    instanceCount: number;
    availabilityZone: string;
    startDate: Date;
    endDate: Date;
    durationHours: number;
    upfrontFee: string;
    currencyCode: string;
}

/** One extension offering as the provider needs it (EC2 CapacityBlockExtensionOffering). */
export interface ExtensionOffer {
    offeringId: string;
    hours: number;
    newEndDate?: Date;
    upfrontFee: string;
    currencyCode: string;
}

interface OfferingFilter {
    availabilityZones?: string[];
    maxUpfrontFee: string;
    startAfter?: string;
    startBefore?: string;
}

interface Affordable<T> {
    /** Those at or under the ceiling (and, for blocks, in the zones and window). */
    affordable: T[];
    /** The cheapest of those in the zones and window, whatever its price (for "nothing under the ceiling"). */
    cheapest?: T;
}

/** Cheapest first: the one order offers are compared by price in (only offers with a fee that parses are compared). */
function byFee(a: { upfrontFee: string }, b: { upfrontFee: string }): number {
    return (parseFee(a.upfrontFee) as number) - (parseFee(b.upfrontFee) as number);
}

export function filterOfferings(offerings: Offering[], filter: OfferingFilter): Affordable<Offering> {
    const ceiling = parseFee(filter.maxUpfrontFee) ?? 0;
    const after = filter.startAfter ? new Date(filter.startAfter).getTime() : -Infinity;
    const before = filter.startBefore ? new Date(filter.startBefore).getTime() : Infinity;
    const zones = filter.availabilityZones && filter.availabilityZones.length > 0 ? filter.availabilityZones : undefined;
    const fitting = offerings.filter((o) =>
        (!zones || zones.includes(o.availabilityZone)) &&
        o.startDate.getTime() >= after && o.startDate.getTime() <= before &&
        parseFee(o.upfrontFee) !== undefined);
    return {
        affordable: fitting.filter((o) => (parseFee(o.upfrontFee) as number) <= ceiling),
        cheapest: rankOfferings(fitting, "cheapest")[0],
    };
}

/** Extension offers cheapest first: those at or under the ceiling, and the cheapest of all. */
export function filterExtensionOffers(offers: ExtensionOffer[], maxUpfrontFee: string): Affordable<ExtensionOffer> {
    const ceiling = parseFee(maxUpfrontFee) ?? 0;
    const cheapestFirst = offers.filter((o) => parseFee(o.upfrontFee) !== undefined).sort(byFee);
    return { affordable: cheapestFirst.filter((o) => (parseFee(o.upfrontFee) as number) <= ceiling), cheapest: cheapestFirst[0] };
}

function compareBy(selection: Selection): (a: Offering, b: Offering) => number {
    const start = (o: Offering) => o.startDate.getTime();
    return selection === "cheapest"
        ? (a, b) => byFee(a, b) || start(a) - start(b) || a.availabilityZone.localeCompare(b.availabilityZone)
        : (a, b) => start(a) - start(b) || byFee(a, b) || a.availabilityZone.localeCompare(b.availabilityZone);
}

/** Offerings in the order they should be tried: the policy's pick first, then the next best. */
export function rankOfferings(offerings: Offering[], selection: Selection): Offering[] {
    return [...offerings].sort(compareBy(selection));
}

export function describeOffering(o: Offering): string {
    return `${o.instanceCount} x ${o.instanceType} in ${o.availabilityZone}, ${o.startDate.toISOString()} → ${o.endDate.toISOString()}, ${o.upfrontFee} ${o.currencyCode}`;
}

type Request = Pick<CapacityBlockInputs, "instanceType" | "instanceCount" | "durationHours" | "maxUpfrontFee">;

export function noOfferingMessage(inputs: Request, cheapest: Offering | undefined): string {
    const what = `${inputs.instanceCount} x ${inputs.instanceType} for ${inputs.durationHours} h`;
    if (!cheapest) {
        return `no Capacity Block offering for ${what} in the requested zones and window; nothing was bought. ` +
            `Widen startAfter/startBefore or availabilityZones, or try another duration.`;
    }
    return `no Capacity Block offering for ${what} at or under the ceiling maxUpfrontFee ${inputs.maxUpfrontFee} USD; ` +
        `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode} (${describeOffering(cheapest)}). Nothing was bought. ` +
        `Raise maxUpfrontFee or change the window to buy.`;
}

/** check's quote for a block not bought yet: what `up` would buy, or why nothing fits. */
export function quoteText(selection: Selection, found: Affordable<Offering>, inputs: Request): string {
    const [pick] = rankOfferings(found.affordable, selection);
    if (!pick) return `nothing to buy: ${noOfferingMessage(inputs, found.cheapest)}`;
    return `up would buy (${selection}, if still offered): ${describeOffering(pick)}; ceiling ${inputs.maxUpfrontFee} USD`;
}

/** The quote for extending block `id` by `hours`: the cheapest offer at or under the ceiling, or why none fits. */
export function extensionQuoteText(id: string, hours: number, offers: ExtensionOffer[], maxUpfrontFee: string): string {
    const { affordable: [pick], cheapest } = filterExtensionOffers(offers, maxUpfrontFee);
    const newEnd = (o: ExtensionOffer) => `new end ${o.newEndDate ? o.newEndDate.toISOString() : "not stated"}`;
    if (pick) return `up would extend ${id} by ${hours} h (if still offered): ${newEnd(pick)}, ${pick.upfrontFee} ${pick.currencyCode}; ceiling ${maxUpfrontFee} USD`;
    if (cheapest) {
        return `nothing to buy: no ${hours} h extension of ${id} at or under the ceiling maxUpfrontFee ${maxUpfrontFee} USD; ` +
            `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode} (${newEnd(cheapest)}). Raise maxUpfrontFee to extend.`;
    }
    return `nothing to buy: EC2 offers no ${hours} h extension of ${id} now. Try another duration, or run up again later.`;
}
