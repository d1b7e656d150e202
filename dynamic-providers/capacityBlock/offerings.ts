import { covers, spanHours, SHORTFALL_HOURS } from "./durations";
import { CEILING_CURRENCY, compareFees, isFee } from "./fees";
import type { CapacityBlockInputs, Selection } from "./inputs";
import { typesOf } from "./inputs";
import { byUnitPrice, perAccelerator, perHourText } from "./unitPrices";

/** One offering as the provider needs it (EC2 CapacityBlockOffering, dates as Date, fee as the decimal string). */
export interface Offering {
    offeringId: string;
    instanceType: string;
    instanceCount: number;
    availabilityZone: string;
    startDate: Date;
    endDate: Date;
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
    durationHours: number;
    maxUpfrontFee: string;
    startAfter?: string;
    startBefore?: string;
}

type Priced = { upfrontFee: string; currencyCode: string };

/** Offers never compared with the ceiling, and why: the messages say what was left out. */
interface SetAside<T> {
    /** Priced in another currency than the ceiling's (USD). */
    otherCurrency: T[];
    /** A fee that is not a plain decimal. */
    unreadableFee: T[];
    /** More than SHORTFALL_HOURS shorter than asked. */
    tooShort: T[];
}

interface Affordable<T> {
    /** Those at or under the ceiling (and, for blocks, in the zones and window). */
    affordable: T[];
    /** The cheapest of those compared with the ceiling, whatever its price (for "nothing under the ceiling"). */
    cheapest?: T;
    setAside: SetAside<T>;
}

/** Cheapest first, exactly (only offers whose fee isFee are compared). */
function byFee(a: { upfrontFee: string }, b: { upfrontFee: string }): number {
    return compareFees(a.upfrontFee, b.upfrontFee);
}

/** Splits offers into those comparable with a USD ceiling and those set aside, then compares. */
function affordableUnder<T extends Priced>(offers: T[], ceiling: string, tooShort: (o: T) => boolean, rank: (o: T[]) => T[]): Affordable<T> {
    const setAside: SetAside<T> = { otherCurrency: [], unreadableFee: [], tooShort: [] };
    const comparable = offers.filter((o) => {
        const reason = !isFee(o.upfrontFee) ? "unreadableFee" : o.currencyCode !== CEILING_CURRENCY ? "otherCurrency" : tooShort(o) ? "tooShort" : undefined;
        if (reason) setAside[reason].push(o);
        return reason === undefined;
    });
    const ranked = rank(comparable);
    return { affordable: ranked.filter((o) => compareFees(o.upfrontFee, ceiling) <= 0), cheapest: [...comparable].sort(byFee)[0], setAside };
}

/** Offerings in the zones and window, split by the ceiling; ranking is left to rankOfferings. */
export function filterOfferings(offerings: Offering[], filter: OfferingFilter): Affordable<Offering> {
    const after = filter.startAfter ? new Date(filter.startAfter).getTime() : -Infinity;
    const before = filter.startBefore ? new Date(filter.startBefore).getTime() : Infinity;
    const zones = filter.availabilityZones && filter.availabilityZones.length > 0 ? filter.availabilityZones : undefined;
    const fitting = offerings.filter((o) =>
        (!zones || zones.includes(o.availabilityZone)) && o.startDate.getTime() >= after && o.startDate.getTime() <= before);
    const short = (o: Offering) => !covers(spanHours(o.startDate, o.endDate) ?? 0, filter.durationHours);
    return affordableUnder(fitting, filter.maxUpfrontFee, short, (o) => o);
}

/** Extension offers cheapest first: those at or under the ceiling, and the cheapest of all comparable ones. */
export function filterExtensionOffers(offers: ExtensionOffer[], maxUpfrontFee: string): Affordable<ExtensionOffer> {
    return affordableUnder(offers, maxUpfrontFee, () => false, (o) => [...o].sort(byFee));
}

/** Accelerators per instance of each type searched, when several types are acceptable (instanceTypes). */
export type Accelerators = Record<string, number>;

function compareBy(selection: Selection, accelerators?: Accelerators): (a: Offering, b: Offering) => number {
    const start = (o: Offering) => o.startDate.getTime();
    // Several types: the price per accelerator-hour (as bought) compares them; one type: the fee, as it always did.
    const price = accelerators
        ? (a: Offering, b: Offering) => byUnitPrice(perAccelerator(a, accelerators[a.instanceType]), perAccelerator(b, accelerators[b.instanceType]))
        : byFee;
    return selection === "cheapest"
        ? (a, b) => price(a, b) || start(a) - start(b) || a.availabilityZone.localeCompare(b.availabilityZone)
        : (a, b) => start(a) - start(b) || price(a, b) || a.availabilityZone.localeCompare(b.availabilityZone);
}

/**
 * Offerings in the order they should be tried: the policy's pick first, then the next best. With `accelerators`
 * (several acceptable types), "cheapest" means cheapest per accelerator-hour, ties to the earliest.
 */
export function rankOfferings(offerings: Offering[], selection: Selection, accelerators?: Accelerators): Offering[] {
    return [...offerings].sort(compareBy(selection, accelerators));
}

/** The accelerators to rank by: only when the inputs list several acceptable types (instanceTypes). */
export function acceleratorsFor(inputs: Pick<CapacityBlockInputs, "instanceTypes" | "acceleratorsPerInstance">): Accelerators | undefined {
    return inputs.instanceTypes ? inputs.acceleratorsPerInstance ?? {} : undefined;
}

export function describeOffering(o: Offering): string {
    return `${o.instanceCount} x ${o.instanceType} in ${o.availabilityZone}, ${o.startDate.toISOString()} → ${o.endDate.toISOString()}, ${o.upfrontFee} ${o.currencyCode}`;
}

/** What was left out and why, as a sentence for the messages; "" when nothing was. */
function setAsideNote<T extends Priced>(setAside: SetAside<T>, wantedHours?: number): string {
    const parts: string[] = [];
    const { otherCurrency, unreadableFee, tooShort } = setAside;
    if (otherCurrency.length > 0) {
        const currencies = [...new Set(otherCurrency.map((o) => o.currencyCode))].join(", ");
        parts.push(`${otherCurrency.length} priced in ${currencies}, never bought under a ceiling in ${CEILING_CURRENCY}`);
    }
    if (unreadableFee.length > 0) parts.push(`${unreadableFee.length} whose fee is not a decimal amount (${unreadableFee.map((o) => JSON.stringify(o.upfrontFee)).join(", ")})`);
    if (tooShort.length > 0) parts.push(`${tooShort.length} more than ${SHORTFALL_HOURS} h shorter than the ${wantedHours} h asked (a block starting today ends at 11:30 UTC)`);
    return parts.length > 0 ? ` Left out: ${parts.join("; ")}.` : "";
}

type Request = Pick<CapacityBlockInputs, "instanceType" | "instanceTypes" | "instanceCount" | "durationHours" | "maxUpfrontFee">;

export function noOfferingMessage(inputs: Request, found: Affordable<Offering>): string {
    const types = typesOf(inputs);
    const what = `${inputs.instanceCount} x ${types.length > 1 ? `(${types.join(" or ")})` : types[0]} for ${inputs.durationHours} h`;
    const note = setAsideNote(found.setAside, inputs.durationHours);
    const { cheapest } = found;
    if (!cheapest && note) {
        return `no Capacity Block offering for ${what} in the requested zones and window can be bought under the ceiling maxUpfrontFee ` +
            `${inputs.maxUpfrontFee} ${CEILING_CURRENCY}; nothing was bought.${note} Widen startAfter/startBefore or availabilityZones, or try another duration.`;
    }
    if (!cheapest) {
        return `no Capacity Block offering for ${what} in the requested zones and window; nothing was bought. ` +
            `Widen startAfter/startBefore or availabilityZones, or try another duration.`;
    }
    return `no Capacity Block offering for ${what} at or under the ceiling maxUpfrontFee ${inputs.maxUpfrontFee} ${CEILING_CURRENCY}; ` +
        `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode} (${describeOffering(cheapest)}). Nothing was bought.${note} ` +
        `Raise maxUpfrontFee or change the window to buy.`;
}

/** check's quote for a block not bought yet: what `up` would buy, or why nothing fits. */
export function quoteText(selection: Selection, found: Affordable<Offering>, inputs: Request & Pick<CapacityBlockInputs, "acceleratorsPerInstance">): string {
    const accelerators = acceleratorsFor(inputs);
    const ranked = rankOfferings(found.affordable, selection, accelerators);
    const [pick] = ranked;
    if (!pick) return `nothing to buy: ${noOfferingMessage(inputs, found)}`;
    const ceiling = `ceiling ${inputs.maxUpfrontFee} ${CEILING_CURRENCY}`;
    if (!accelerators) return `up would buy (${selection}, if still offered): ${describeOffering(pick)}; ${ceiling}`;
    const policy = selection === "cheapest" ? "cheapest per accelerator-hour, then earliest" : "earliest, then cheapest per accelerator-hour";
    return `up would buy (${policy}, among ${typesOf(inputs).join(", ")}, if still offered): ${describeOffering(pick)}; ` +
        `${typeChoiceWhy(pick, ranked, typesOf(inputs), accelerators)}; ${ceiling}`;
}

/** A price per accelerator-hour as the quote says it. */
function perAcceleratorHourText(o: Offering, accelerators: Accelerators): string {
    return `${perHourText(perAccelerator(o, accelerators[o.instanceType]))} ${o.currencyCode} per accelerator-hour`;
}

/** Why this type: the pick's price per accelerator-hour against the best offering of another type (the runner-up). */
function typeChoiceWhy(pick: Offering, ranked: Offering[], types: string[], accelerators: Accelerators): string {
    const head = `${pick.instanceType}: ${perAcceleratorHourText(pick, accelerators)} (${accelerators[pick.instanceType]} per instance)`;
    const runnerUp = ranked.find((o) => o.instanceType !== pick.instanceType);
    const others = types.filter((t) => t !== pick.instanceType);
    if (!runnerUp) {
        return others.length === 0 ? head : `${head}; no ${others.join(" or ")} offering fits the zones, window and ceiling`;
    }
    return `${head}; runner-up ${runnerUp.instanceType}: ${perAcceleratorHourText(runnerUp, accelerators)} ` +
        `(${runnerUp.upfrontFee} ${runnerUp.currencyCode} in ${runnerUp.availabilityZone} from ${runnerUp.startDate.toISOString()})`;
}

/** Why no `hours` h extension of block `id` can be bought under the ceiling; undefined when one can. */
export function noExtensionReason(id: string, hours: number, found: Affordable<ExtensionOffer>, maxUpfrontFee: string): string | undefined {
    if (found.affordable.length > 0) return undefined;
    const note = setAsideNote(found.setAside);
    const { cheapest } = found;
    if (cheapest) {
        const end = cheapest.newEndDate ? cheapest.newEndDate.toISOString() : "not stated";
        return `no ${hours} h extension of ${id} at or under the ceiling maxUpfrontFee ${maxUpfrontFee} ${CEILING_CURRENCY}; ` +
            `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode} (new end ${end}).${note} Raise maxUpfrontFee to extend.`;
    }
    return `EC2 offers no ${hours} h extension of ${id} now.${note} Try another duration, or run up again later.`;
}

/** The quote for extending block `id` by `hours`: the cheapest offer at or under the ceiling, or why none fits. */
export function extensionQuoteText(id: string, hours: number, offers: ExtensionOffer[], maxUpfrontFee: string): string {
    const found = filterExtensionOffers(offers, maxUpfrontFee);
    const [pick] = found.affordable;
    if (!pick) return `nothing to buy: ${noExtensionReason(id, hours, found, maxUpfrontFee) as string}`;
    const end = pick.newEndDate ? pick.newEndDate.toISOString() : "not stated";
    return `up would extend ${id} by ${hours} h (if still offered): new end ${end}, ${pick.upfrontFee} ${pick.currencyCode}; ceiling ${maxUpfrontFee} ${CEILING_CURRENCY}`;
}
