import { createHash } from "crypto";

// Pure decisions behind the CapacityBlock provider. Facts cited from /work/shared/AWS-FACTS.md
// ("EC2 Capacity Blocks for ML"), which was checked against the EC2 API model and user guide.

export type Selection = "cheapest" | "earliest";

/** Platforms EC2 sells Capacity Blocks for through the API (default tenancy only). */
export const INSTANCE_PLATFORMS = ["Linux/UNIX", "Red Hat Enterprise Linux", "RHEL with HA", "SUSE Linux", "Ubuntu Pro"];
export const DEFAULT_PLATFORM = "Linux/UNIX";
export const MAX_INSTANCE_COUNT = 64;
/** Blocks start from 30 minutes to 8 weeks ahead. */
export const MAX_START_AHEAD_MS = 8 * 7 * 24 * 3600 * 1000;
/** Tag on the reservation that ties it to one Pulumi resource and generation. */
export const PURCHASE_TOKEN_TAG = "capblocks:purchase-token";
/** Tags written at purchase so a block adopted by its token still knows what it cost. */
export const OFFERING_ID_TAG = "capblocks:offering-id";
export const UPFRONT_FEE_TAG = "capblocks:upfront-fee";
export const CURRENCY_TAG = "capblocks:currency";
/** The Pulumi engine's marker for a value not known during preview (@pulumi/pulumi runtime/rpc unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Durations: 1-day steps up to 14 days (24…336 h), then 7-day steps up to 182 days (504…4368 h). */
export function isAllowedDuration(hours: number): boolean {
    if (!Number.isInteger(hours)) return false;
    if (hours >= 24 && hours <= 336) return hours % 24 === 0;
    if (hours >= 504 && hours <= 4368) return (hours - 504) % 168 === 0;
    return false;
}

/** The allowed durations closest to a rejected one, for the error message. */
export function nearestDurations(hours: number): number[] {
    const all: number[] = [];
    for (let h = 24; h <= 336; h += 24) all.push(h);
    for (let h = 504; h <= 4368; h += 168) all.push(h);
    const below = all.filter((h) => h < hours).pop();
    const above = all.find((h) => h > hours);
    return [below, above].filter((h): h is number => h !== undefined);
}

/** A positive decimal string in USD, e.g. "900" or "1234.56"; undefined when it is not one. */
export function parseFee(fee: unknown): number | undefined {
    if (typeof fee !== "string" || !/^\d+(\.\d+)?$/.test(fee.trim())) return undefined;
    return Number(fee.trim());
}

export function isKnown(value: unknown): boolean {
    if (value === UNKNOWN) return false;
    if (Array.isArray(value)) return value.every(isKnown);
    if (value !== null && typeof value === "object") return Object.values(value).every(isKnown);
    return true;
}

/** The inputs the provider sees after the class has filled in token and region. */
export interface CapacityBlockInputs {
    instanceType: string;
    instanceCount: number;
    durationHours: number;
    maxUpfrontFee: string;
    startAfter?: string;
    startBefore?: string;
    availabilityZones?: string[];
    instancePlatform: string;
    selection: Selection;
    generation: number;
    tags?: Record<string, string>;
    region?: string;
    purchaseToken: string;
    /** Set by check for a block not yet bought: what `up` would buy, shown by `pulumi preview`. */
    quote?: string;
}

export interface CheckFailure {
    property: string;
    reason: string;
}

/** Fills the documented defaults. */
export function withDefaults(news: Record<string, unknown>): Record<string, unknown> {
    return {
        ...news,
        instancePlatform: news.instancePlatform ?? DEFAULT_PLATFORM,
        selection: news.selection ?? "cheapest",
        generation: news.generation ?? 1,
    };
}

/**
 * Per-property validation. The window is only validated while a purchase is still to come
 * (`windowMatters`): once bought, a window in the past is history, not an error.
 */
export function checkFailures(inputs: Record<string, unknown>, now: Date, windowMatters: boolean): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (key: string) => inputs[key] !== undefined && isKnown(inputs[key]);

    if (known("instanceType") && (typeof inputs.instanceType !== "string" || inputs.instanceType.trim() === "")) {
        fail("instanceType", "instanceType must be an EC2 instance type such as trn2.3xlarge or p5.48xlarge");
    } else if (inputs.instanceType === undefined) {
        fail("instanceType", "instanceType is required");
    }
    if (known("instanceCount")) {
        const n = inputs.instanceCount;
        if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_INSTANCE_COUNT) {
            fail("instanceCount", `instanceCount ${String(n)} is not allowed: a Capacity Block holds 1 to ${MAX_INSTANCE_COUNT} instances`);
        }
    } else if (inputs.instanceCount === undefined) {
        fail("instanceCount", "instanceCount is required");
    }
    if (known("durationHours")) {
        const h = inputs.durationHours;
        if (typeof h !== "number" || !isAllowedDuration(h)) {
            const near = typeof h === "number" ? nearestDurations(h) : [];
            fail("durationHours", `durationHours ${String(h)} is not a Capacity Block duration: use 24..336 in steps of 24, or 504..4368 in steps of 168` +
                (near.length ? ` (nearest: ${near.join(" or ")})` : ""));
        }
    } else if (inputs.durationHours === undefined) {
        fail("durationHours", "durationHours is required");
    }
    if (known("maxUpfrontFee")) {
        const fee = parseFee(inputs.maxUpfrontFee);
        if (fee === undefined || fee <= 0) {
            fail("maxUpfrontFee", `maxUpfrontFee ${JSON.stringify(inputs.maxUpfrontFee)} must be a positive USD amount as a decimal string, e.g. "900"`);
        }
    } else if (inputs.maxUpfrontFee === undefined) {
        fail("maxUpfrontFee", "maxUpfrontFee (USD, decimal string) is required: it is the most a purchase may cost");
    }
    if (known("instancePlatform") && !INSTANCE_PLATFORMS.includes(String(inputs.instancePlatform))) {
        fail("instancePlatform", `instancePlatform ${JSON.stringify(inputs.instancePlatform)} is not sold as a Capacity Block; use one of: ${INSTANCE_PLATFORMS.join(", ")}`);
    }
    if (known("selection") && inputs.selection !== "cheapest" && inputs.selection !== "earliest") {
        fail("selection", `selection ${JSON.stringify(inputs.selection)} must be "cheapest" or "earliest"`);
    }
    if (known("generation")) {
        const g = inputs.generation;
        if (typeof g !== "number" || !Number.isInteger(g) || g < 1) fail("generation", `generation ${String(g)} must be a whole number ≥ 1`);
    }
    if (known("availabilityZones")) {
        const azs = inputs.availabilityZones;
        if (!Array.isArray(azs) || azs.some((az) => typeof az !== "string" || az === "")) {
            fail("availabilityZones", "availabilityZones must be a list of zone names such as sa-east-1b");
        }
    }
    if (windowMatters) failures.push(...windowFailures(inputs, now));
    return failures;
}

function windowFailures(inputs: Record<string, unknown>, now: Date): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const parsed: Record<string, Date | undefined> = {};
    for (const key of ["startAfter", "startBefore"]) {
        const value = inputs[key];
        if (value === undefined || !isKnown(value)) continue;
        const date = typeof value === "string" ? new Date(value) : new Date(NaN);
        if (Number.isNaN(date.getTime())) {
            failures.push({ property: key, reason: `${key} ${JSON.stringify(value)} is not an ISO 8601 date such as 2026-11-24T00:00:00Z` });
        } else {
            parsed[key] = date;
        }
    }
    const { startAfter, startBefore } = parsed;
    const latestStart = new Date(now.getTime() + MAX_START_AHEAD_MS);
    if (startBefore && startBefore.getTime() <= now.getTime()) {
        failures.push({ property: "startBefore", reason: `startBefore ${startBefore.toISOString()} is in the past (now ${now.toISOString()}): no block can start in this window; set a later startBefore or remove it` });
    }
    if (startAfter && startBefore && startBefore.getTime() <= startAfter.getTime()) {
        failures.push({ property: "startBefore", reason: `startBefore ${startBefore.toISOString()} is not after startAfter ${startAfter.toISOString()}; set startBefore later than startAfter` });
    }
    if (startAfter && startAfter.getTime() > latestStart.getTime()) {
        failures.push({ property: "startAfter", reason: `startAfter ${startAfter.toISOString()} is more than 8 weeks ahead; Capacity Blocks start at most 8 weeks out (latest ${latestStart.toISOString()}); set an earlier startAfter` });
    }
    return failures;
}

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

export interface OfferingFilter {
    availabilityZones?: string[];
    maxUpfrontFee: string;
    startAfter?: string;
    startBefore?: string;
}

export interface FilteredOfferings {
    /** In the zones and window, and at or under the ceiling. */
    affordable: Offering[];
    /** The cheapest offering in the zones and window, whatever its price (for "nothing under the ceiling"). */
    cheapest?: Offering;
}

export function filterOfferings(offerings: Offering[], filter: OfferingFilter): FilteredOfferings {
    const ceiling = parseFee(filter.maxUpfrontFee) ?? 0;
    const after = filter.startAfter ? new Date(filter.startAfter).getTime() : -Infinity;
    const before = filter.startBefore ? new Date(filter.startBefore).getTime() : Infinity;
    const zones = filter.availabilityZones && filter.availabilityZones.length > 0 ? filter.availabilityZones : undefined;
    const fitting = offerings.filter((o) =>
        (!zones || zones.includes(o.availabilityZone)) &&
        o.startDate.getTime() >= after && o.startDate.getTime() <= before &&
        parseFee(o.upfrontFee) !== undefined);
    const byPrice = [...fitting].sort(compareBy("cheapest"));
    return {
        affordable: fitting.filter((o) => (parseFee(o.upfrontFee) as number) <= ceiling),
        cheapest: byPrice[0],
    };
}

function compareBy(selection: Selection): (a: Offering, b: Offering) => number {
    const fee = (o: Offering) => parseFee(o.upfrontFee) as number;
    const start = (o: Offering) => o.startDate.getTime();
    return selection === "cheapest"
        ? (a, b) => fee(a) - fee(b) || start(a) - start(b) || a.availabilityZone.localeCompare(b.availabilityZone)
        : (a, b) => start(a) - start(b) || fee(a) - fee(b) || a.availabilityZone.localeCompare(b.availabilityZone);
}

/** Offerings in the order they should be tried: the policy's pick first, then the next best. */
export function rankOfferings(offerings: Offering[], selection: Selection): Offering[] {
    return [...offerings].sort(compareBy(selection));
}

export function describeOffering(o: Offering): string {
    return `${o.instanceCount} x ${o.instanceType} in ${o.availabilityZone}, ${o.startDate.toISOString()} → ${o.endDate.toISOString()}, ${o.upfrontFee} ${o.currencyCode}`;
}

export function noOfferingMessage(inputs: Pick<CapacityBlockInputs, "instanceType" | "instanceCount" | "durationHours" | "maxUpfrontFee">, cheapest: Offering | undefined): string {
    const what = `${inputs.instanceCount} x ${inputs.instanceType} for ${inputs.durationHours} h`;
    if (!cheapest) {
        return `no Capacity Block offering for ${what} in the requested zones and window; nothing was bought. ` +
            `Widen startAfter/startBefore or availabilityZones, or try another duration.`;
    }
    return `no Capacity Block offering for ${what} at or under the ceiling maxUpfrontFee ${inputs.maxUpfrontFee} USD; ` +
        `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode} (${describeOffering(cheapest)}). Nothing was bought. ` +
        `Raise maxUpfrontFee or change the window to buy.`;
}

export function quoteText(selection: Selection, found: FilteredOfferings, inputs: CapacityBlockInputs): string {
    const [pick] = rankOfferings(found.affordable, selection);
    if (!pick) return `nothing to buy: ${noOfferingMessage(inputs, found.cheapest)}`;
    return `up would buy (${selection}, if still offered): ${describeOffering(pick)}; ceiling ${inputs.maxUpfrontFee} USD`;
}

/** How the provider treats an EC2 reservation state. */
export type StateClass = "paid" | "pending" | "payment-failed" | "ended" | "not-usable";

export function classifyState(state: string): StateClass {
    switch (state) {
        case "scheduled":
        case "active":
            return "paid";
        case "payment-pending":
            return "pending";
        case "payment-failed":
            return "payment-failed";
        case "expired":
            return "ended";
        default:
            // assessing, delayed, unsupported, cancelling, pending, failed, cancelled, unavailable, not-found:
            // undocumented for blocks, reported as they are.
            return "not-usable";
    }
}

/** What a failed PurchaseCapacityBlock call means for the money. */
export type PurchaseOutcome = "offering-gone" | "rejected" | "unknown";

const OFFERING_GONE_CODES = [
    // EC2 API error codes (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):
    // "InvalidCapacityBlockOfferingIdExpired: The Capacity Block offering ID is no longer available."
    "InvalidCapacityBlockOfferingIdExpired",
    "InvalidCapacityBlockOfferingIdNotFound",
    "InvalidCapacityBlockOfferingId.NotFound",
];

const THROTTLING_CODES = ["RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException"];

interface AwsLikeError {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
}

function errorCode(err: unknown): string {
    const e = err as AwsLikeError;
    return e?.Code ?? e?.name ?? "";
}

function httpStatus(err: unknown): number | undefined {
    return (err as AwsLikeError)?.$metadata?.httpStatusCode;
}

/**
 * An offering gone is a definite "not bought"; any other 4xx client error (bad parameter, no permission) too.
 * Throttling, 5xx, timeouts and network errors leave it open whether EC2 bought: only the token lookup can tell.
 */
export function classifyPurchaseError(err: unknown): PurchaseOutcome {
    const code = errorCode(err);
    if (OFFERING_GONE_CODES.includes(code)) return "offering-gone";
    if (THROTTLING_CODES.includes(code)) return "unknown";
    const status = httpStatus(err);
    if (status !== undefined && status >= 400 && status < 500) return "rejected";
    return "unknown";
}

/** Reads may be retried: throttling, 5xx, timeouts and network errors. */
export function isRetryableReadError(err: unknown): boolean {
    const code = errorCode(err);
    if (THROTTLING_CODES.includes(code)) return true;
    const status = httpStatus(err);
    if (status !== undefined) return status >= 500 || status === 429;
    return ["TimeoutError", "RequestTimeout", "ECONNRESET", "ETIMEDOUT", "EPIPE", "NetworkingError"].includes(code);
}

export function isNotFoundError(err: unknown): boolean {
    return errorCode(err) === "InvalidCapacityReservationId.NotFound";
}

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

/** Inputs whose change would mean another block: replaced only with a generation bump. */
export const BLOCK_IDENTITY_KEYS = ["instanceType", "instanceCount", "instancePlatform", "region"] as const;
/** Inputs that only steer a purchase: changing them after purchase buys nothing. */
export const PURCHASE_ONLY_KEYS = ["maxUpfrontFee", "startAfter", "startBefore", "availabilityZones", "selection"] as const;

export interface DiffDecision {
    changes: boolean;
    replaces: string[];
    /** Hours of extension the update must buy (0: none). */
    extensionHours: number;
}

function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Diff of a bought block. Throws (with the reason and the way out) when the change would buy a second,
 * non-cancellable block without a generation bump, or shorten a block.
 */
export function decideDiff(olds: Record<string, unknown>, news: Record<string, unknown>): DiffDecision {
    const oldGeneration = olds.generation ?? 1;
    const newGeneration = news.generation ?? 1;
    const generationChanged = !same(oldGeneration, newGeneration);
    // A value unknown during preview is not yet a change: update re-runs this decision with the real value.
    const identityChanges = BLOCK_IDENTITY_KEYS.filter((k) => news[k] !== undefined && isKnown(news[k]) && !same(olds[k], news[k]));
    const unknownIdentity = BLOCK_IDENTITY_KEYS.some((k) => !isKnown(news[k]));
    if (generationChanged) {
        return { changes: true, replaces: [...identityChanges, "generation"], extensionHours: 0 };
    }
    if (identityChanges.length > 0) {
        const detail = identityChanges.map((k) => `${k} ${JSON.stringify(olds[k])} → ${JSON.stringify(news[k])}`).join(", ");
        throw new Error(`CapacityBlock: ${secondBlockRefusal(detail, oldGeneration, `block ${String(olds.reservationId)} stays paid until ${String(olds.endDate)}`)}`);
    }
    const extensionHours = extensionHoursFor(olds, news);
    const otherChanges = [...PURCHASE_ONLY_KEYS, "tags"].some((k) => isKnown(news[k]) ? !same(olds[k], news[k]) : true);
    return { changes: extensionHours > 0 || otherChanges || unknownIdentity, replaces: [], extensionHours };
}

function secondBlockRefusal(detail: string, oldGeneration: unknown, paidUntil: string): string {
    return `changing ${detail} would buy a second Capacity Block, and blocks cannot be cancelled (${paidUntil}). ` +
        `To buy the new block on purpose, also bump generation (${String(oldGeneration)} → ${Number(oldGeneration) + 1}); ` +
        `otherwise revert the change.`;
}

/**
 * diff's refusals, as check failures on the property, for a block already bought (old inputs → new inputs, same
 * purchase token). The dynamic-provider host prints a Diff error's JavaScript stack trace to the user; a check
 * failure shows as that property's problem, in preview too. diff still refuses against what the block really is.
 */
export function boughtBlockFailures(oldInputs: Record<string, unknown>, newInputs: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const comparable = (k: string) => oldInputs[k] !== undefined && newInputs[k] !== undefined && isKnown(newInputs[k]);
    const generation = oldInputs.generation ?? 1;
    if (!same(generation, newInputs.generation ?? 1)) return failures;
    for (const k of BLOCK_IDENTITY_KEYS) {
        if (!comparable(k) || same(oldInputs[k], newInputs[k])) continue;
        const detail = `${k} ${JSON.stringify(oldInputs[k])} → ${JSON.stringify(newInputs[k])}`;
        failures.push({ property: k, reason: secondBlockRefusal(detail, generation, "the bought block stays paid until its end date") });
    }
    if (comparable("durationHours") && typeof oldInputs.durationHours === "number" && typeof newInputs.durationHours === "number") {
        try {
            extensionHours(oldInputs.durationHours, newInputs.durationHours);
        } catch (err) {
            failures.push({ property: "durationHours", reason: (err as Error).message.replace(/^CapacityBlock: /, "") });
        }
    }
    return failures;
}

function extensionHoursFor(olds: Record<string, unknown>, news: Record<string, unknown>): number {
    const before = Number(olds.durationHours);
    const after = news.durationHours;
    if (!isKnown(after) || after === undefined || Number(after) === before) return 0;
    return extensionHours(before, Number(after));
}

/** Hours to extend a block from `fromHours` to `toHours`; throws for a shorter block or a step EC2 does not sell. */
export function extensionHours(fromHours: number, toHours: number): number {
    if (toHours < fromHours) {
        throw new Error(`CapacityBlock: durationHours cannot go down from ${fromHours} to ${toHours}: a bought block cannot be shortened ` +
            `or cancelled. Set durationHours back to ${fromHours}.`);
    }
    const hours = toHours - fromHours;
    if (hours > 0 && !isAllowedDuration(hours)) {
        throw new Error(`CapacityBlock: extending from ${fromHours} h to ${toHours} h needs a ${hours} h extension, which EC2 does not sell: ` +
            `extensions use the block duration steps (24..336 step 24, 504..4368 step 168). Nearest: ${nearestDurations(hours).map((h) => fromHours + h).join(" or ")} h total.`);
    }
    return hours;
}

/** Tag changes for the reservation; capblocks' own tags (the purchase token above all) are never touched. */
export function tagChanges(oldTags: Record<string, string> | undefined, newTags: Record<string, string> | undefined): { set: Record<string, string>; remove: string[] } {
    const mine = (k: string) => k.startsWith("capblocks:");
    const before = oldTags ?? {};
    const after = newTags ?? {};
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(after)) if (!mine(k) && before[k] !== v) set[k] = v;
    const remove = Object.keys(before).filter((k) => !mine(k) && !(k in after));
    return { set, remove };
}

/** Deterministic purchase token: the same project/stack/resource/generation always maps to the same block. */
export function purchaseToken(project: string, stack: string, name: string, generation: number): string {
    return createHash("sha256").update(`${project}/${stack}/${name}/${generation}`).digest("hex").slice(0, 32);
}

export function cancellationNotice(reservationId: string, endDate: string): string {
    return `Capacity Block ${reservationId} cannot be cancelled: destroying this resource only forgets it; ` +
        `the block stays paid and reserved until ${endDate}.`;
}

/** Drops undefined values: the dynamic provider host rejects them in outputs. */
export function withoutUndefined<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** Time (and the notice channel) as the provider sees it. Tests and harnesses put a fake on `globalThis[CLOCK_HOOK_KEY]`. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /**
     * A notice for the user. The engine shows a dynamic provider's stdout as info diagnostics (pulumi/pulumi
     * sdk/go/common/resource/plugin/plugin.go hides unstructured output only for non-dynamic resource plugins).
     */
    notify(message: string): void;
}

export const CLOCK_HOOK_KEY = "__capblocksClock";

/**
 * States a bought block never leaves for a usable one. `payment-failed`: EC2 released the block (AWS-FACTS: not paid
 * within 12 h or 5 min before start). The others belong to other reservation kinds but are terminal there too.
 */
export const NEVER_USABLE_STATES = ["payment-failed", "cancelling", "cancelled", "failed", "unsupported"];

/** Why a block in `state` can never be used and what to do, or undefined for a block that is or may become usable. */
export function neverUsableMessage(id: string, state: string, generation: unknown): string | undefined {
    if (!NEVER_USABLE_STATES.includes(state)) return undefined;
    const g = Number(generation ?? 1);
    const bump = `bump generation (${g} → ${g + 1}) to buy a new block`;
    if (state === "payment-failed") {
        return `CapacityBlock ${id}: payment failed (state payment-failed). EC2 released the block and it cost nothing; it can never be used. ` +
            `Check the AWS account's billing and payment method, then ${bump}. Until generation changes, every up fails here.`;
    }
    return `CapacityBlock ${id} is ${state} and can never be used. Look it up in the EC2 console (Capacity Reservations), then ${bump}. ` +
        `Until generation changes, every up fails here.`;
}

/** Extensions are sold from 56 days to 1 hour before a block's end, while it is scheduled or active (AWS-FACTS "Extensions"). */
export const EXTENSION_OPENS_BEFORE_END_MS = 56 * 24 * 3600_000;
export const EXTENSION_CLOSES_BEFORE_END_MS = 3600_000;

/** Why no extension of a block can be bought now, or undefined inside the window. */
export function extensionClosedReason(id: string, state: string, endDate: Date, now: Date): string | undefined {
    const end = endDate.toISOString();
    if (state !== "scheduled" && state !== "active") {
        return `no extension can be bought now: ${id} is ${state}, and extensions are sold only while a block is scheduled or active`;
    }
    const opens = new Date(endDate.getTime() - EXTENSION_OPENS_BEFORE_END_MS);
    if (now.getTime() < opens.getTime()) {
        return `no extension can be bought now: ${id} ends ${end}, and extensions are sold from 56 days before the end ` +
            `(from ${opens.toISOString()}); run up again then`;
    }
    if (endDate.getTime() - now.getTime() < EXTENSION_CLOSES_BEFORE_END_MS) {
        return `no extension can be bought now: ${id} ends ${end}, and extensions are sold until 1 hour before the end`;
    }
    return undefined;
}

/** One extension offering as the provider needs it (EC2 CapacityBlockExtensionOffering). */
export interface ExtensionOffer {
    offeringId: string;
    hours: number;
    newEndDate?: Date;
    upfrontFee: string;
    currencyCode: string;
}

/** The quote for extending block `id` by `hours`: the cheapest offer at or under the ceiling, or why none fits. */
export function extensionQuoteText(id: string, hours: number, offers: ExtensionOffer[], maxUpfrontFee: string): string {
    const ceiling = parseFee(maxUpfrontFee) ?? 0;
    const priced = offers.filter((o) => parseFee(o.upfrontFee) !== undefined)
        .sort((a, b) => (parseFee(a.upfrontFee) as number) - (parseFee(b.upfrontFee) as number));
    const newEnd = (o: ExtensionOffer) => `new end ${o.newEndDate ? o.newEndDate.toISOString() : "not stated"}`;
    const [pick] = priced.filter((o) => (parseFee(o.upfrontFee) as number) <= ceiling);
    if (pick) return `up would extend ${id} by ${hours} h (if still offered): ${newEnd(pick)}, ${pick.upfrontFee} ${pick.currencyCode}; ceiling ${maxUpfrontFee} USD`;
    const [cheapest] = priced;
    if (cheapest) {
        return `nothing to buy: no ${hours} h extension of ${id} at or under the ceiling maxUpfrontFee ${maxUpfrontFee} USD; ` +
            `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode} (${newEnd(cheapest)}). Raise maxUpfrontFee to extend.`;
    }
    return `nothing to buy: EC2 offers no ${hours} h extension of ${id} now. Try another duration, or run up again later.`;
}

/** Hours `up` still has to buy to reach `wantedHours`, given the block's hours now and extensions bought but not yet paid. */
export function extensionHoursMissing(wantedHours: number, liveHours: number, pendingHours: number): number {
    return Math.max(0, wantedHours - liveHours - pendingHours);
}
