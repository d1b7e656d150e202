import * as pulumi from "@pulumi/pulumi";
import { keptInState } from "../shared/partialFailure";
import type { CapacityReservation, EC2Client } from "@aws-sdk/client-ec2";
import {
    backoffDelays, boughtBlockFailures, cancellationNotice, CapacityBlockInputs, checkFailures, classifyPurchaseError, classifyState, Clock,
    CLOCK_HOOK_KEY, CURRENCY_TAG, decideDiff, describeOffering, extensionClosedReason, extensionHoursMissing, ExtensionOffer,
    extensionQuoteText, filterOfferings, isKnown, isNotFoundError, isRetryableReadError, neverUsableMessage,
    noOfferingMessage, Offering, OFFERING_ID_TAG, parseFee, paymentPollDelays, PURCHASE_TOKEN_TAG, purchaseToken, quoteText,
    rankOfferings, Selection, tagChanges, UPFRONT_FEE_TAG, withDefaults, withoutUndefined,
} from "./rules";

export type { Selection } from "./rules";

export interface CapacityBlockArgs {
    instanceType: pulumi.Input<string>;
    instanceCount: pulumi.Input<number>;
    /** 24..336 in steps of 24, or 504..4368 in steps of 168. A longer value later buys an extension. */
    durationHours: pulumi.Input<number>;
    /** Price ceiling in USD, a decimal string. Nothing (block or extension) is bought above it. */
    maxUpfrontFee: pulumi.Input<string>;
    /** ISO 8601: the block starts no earlier than this. */
    startAfter?: pulumi.Input<string>;
    /** ISO 8601: the block starts no later than this. */
    startBefore?: pulumi.Input<string>;
    availabilityZones?: pulumi.Input<pulumi.Input<string>[]>;
    /** Default `Linux/UNIX`. */
    instancePlatform?: pulumi.Input<string>;
    /** Default `cheapest`. */
    selection?: pulumi.Input<Selection>;
    /** Default 1. Bump it to buy a new block on purpose (the old one is kept, it cannot be cancelled). */
    generation?: pulumi.Input<number>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Default: the stack's `aws:region`, then the AWS_REGION environment variable. */
    region?: pulumi.Input<string>;
}

/** How long create waits for payment (`payment-pending` → `scheduled`) before handing back with the id kept. */
const PAYMENT_WAIT_MS = 20 * 60 * 1000;
/** Offerings tried when the chosen one is sold between search and purchase. */
const MAX_PURCHASE_TRIES = 3;

type Ec2Sdk = typeof import("@aws-sdk/client-ec2");

interface Ec2 {
    sdk: Ec2Sdk;
    /** Reads (and idempotent tag writes): the SDK's adaptive retry handles throttling. */
    reads: EC2Client;
    /** PurchaseCapacityBlock(Extension) has no idempotency token: the SDK must never resend it. */
    purchases: EC2Client;
}

type Props = Record<string, unknown>;

function clock(): Clock {
    const hook = (globalThis as Record<string, unknown>)[CLOCK_HOOK_KEY] as Clock | undefined;
    return hook ?? {
        now: () => Date.now(),
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        notify: (message: string) => console.log(message),
    };
}

function regionOf(props: Props): string {
    const region = (props.region as string | undefined) ?? process.env.AWS_REGION;
    if (!region) throw new Error("CapacityBlock: no AWS region; run `pulumi config set aws:region <region>` (or set AWS_REGION)");
    return region;
}

/** `quick`: for preview, which must answer soon even without network or credentials. */
async function ec2For(region: string, quick = false): Promise<Ec2> {
    // Loaded here, not at module scope: the provider is serialized into state and must capture no SDK module.
    const sdk = await import("@aws-sdk/client-ec2");
    const requestHandler = { connectionTimeout: 5000, requestTimeout: 60000 };
    return {
        sdk,
        reads: new sdk.EC2Client({ region, retryMode: "adaptive", maxAttempts: quick ? 2 : 5, requestHandler }),
        purchases: new sdk.EC2Client({ region, maxAttempts: 1, requestHandler }),
    };
}

/** Retries a read on throttling and transient errors (on top of the SDK's own retries), with the injectable clock. */
async function retryRead<T>(read: () => Promise<T>): Promise<T> {
    const delays = backoffDelays(1000, 8000, 30000);
    for (let attempt = 0; ; attempt++) {
        try {
            return await read();
        } catch (err) {
            if (!isRetryableReadError(err) || attempt >= delays.length) throw err;
            await clock().sleep(delays[attempt]);
        }
    }
}

function errorText(err: unknown): string {
    const e = err as { name?: string; message?: string };
    return `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
}

/** An error the dynamic provider host turns into ErrorResourceInitFailed: the block stays in state under `id`. */
function blockKeptInState(message: string, id: string, outs: Props): Error {
    return keptInState(message, id, outs, forgetNotice(id, outs));
}

async function searchOfferings(ec2: Ec2, inputs: CapacityBlockInputs, now: number, patient = true): Promise<Offering[]> {
    const earliest = Math.max(now, inputs.startAfter ? new Date(inputs.startAfter).getTime() : now);
    const latestEnd = inputs.startBefore ? new Date(inputs.startBefore).getTime() + inputs.durationHours * 3600_000 : undefined;
    const search = async () => {
        const offerings: Offering[] = [];
        const pages = ec2.sdk.paginateDescribeCapacityBlockOfferings({ client: ec2.reads }, {
            InstanceType: inputs.instanceType,
            InstanceCount: inputs.instanceCount,
            CapacityDurationHours: inputs.durationHours,
            StartDateRange: new Date(earliest),
            EndDateRange: latestEnd === undefined ? undefined : new Date(latestEnd),
        });
        for await (const page of pages) {
            for (const o of page.CapacityBlockOfferings ?? []) {
                if (!o.CapacityBlockOfferingId || !o.StartDate || !o.EndDate || !o.AvailabilityZone || !o.UpfrontFee) continue;
                offerings.push({
                    offeringId: o.CapacityBlockOfferingId,
                    instanceType: o.InstanceType ?? inputs.instanceType,
                    instanceCount: o.InstanceCount ?? inputs.instanceCount,
                    availabilityZone: o.AvailabilityZone,
                    startDate: new Date(o.StartDate),
                    endDate: new Date(o.EndDate),
                    durationHours: o.CapacityBlockDurationHours ?? inputs.durationHours,
                    upfrontFee: o.UpfrontFee,
                    currencyCode: o.CurrencyCode ?? "USD",
                });
            }
        }
        return offerings;
    };
    return patient ? retryRead(search) : search();
}

/** Blocks tagged with this resource's purchase token; a usable one before a payment-failed one. */
async function findByToken(ec2: Ec2, token: string, patient = true): Promise<CapacityReservation | undefined> {
    const lookup = async () => {
        const all: CapacityReservation[] = [];
        const pages = ec2.sdk.paginateDescribeCapacityReservations({ client: ec2.reads }, {
            Filters: [{ Name: `tag:${PURCHASE_TOKEN_TAG}`, Values: [token] }],
        });
        for await (const page of pages) all.push(...(page.CapacityReservations ?? []));
        // The API model has no reservation-type filter: filter on ReservationType in code.
        return all.filter((r) => r.ReservationType === undefined || r.ReservationType === "capacity-block");
    };
    const found = patient ? await retryRead(lookup) : await lookup();
    return found.find((r) => classifyState(r.State ?? "") !== "payment-failed") ?? found[0];
}

/** Polls the token lookup a few times: a block bought a moment ago may not be listed yet (eventual consistency). */
async function findByTokenWithPatience(ec2: Ec2, token: string): Promise<CapacityReservation | undefined> {
    for (const delay of [0, ...backoffDelays(2000, 15000, 60000)]) {
        await clock().sleep(delay);
        const found = await findByToken(ec2, token).catch(() => undefined);
        if (found) return found;
    }
    return undefined;
}

async function describeReservation(ec2: Ec2, id: string): Promise<CapacityReservation | undefined> {
    try {
        const out = await retryRead(() => ec2.reads.send(new ec2.sdk.DescribeCapacityReservationsCommand({ CapacityReservationIds: [id] })));
        return out.CapacityReservations?.find((r) => r.CapacityReservationId === id);
    } catch (err) {
        if (isNotFoundError(err)) return undefined;
        throw err;
    }
}

function tagValue(r: CapacityReservation, key: string): string | undefined {
    return r.Tags?.find((t) => t.Key === key)?.Value;
}

function liveFields(r: CapacityReservation): Props {
    const start = r.StartDate ? new Date(r.StartDate).toISOString() : "";
    const end = r.EndDate ? new Date(r.EndDate).toISOString() : "";
    return withoutUndefined({
        reservationId: r.CapacityReservationId,
        // What the block really is: a block adopted by its token after the inputs changed shows the truth,
        // and diff then refuses the mismatch instead of hiding it.
        instanceType: r.InstanceType,
        instanceCount: r.TotalInstanceCount,
        instancePlatform: r.InstancePlatform,
        availabilityZone: r.AvailabilityZone,
        startDate: start,
        endDate: end,
        state: r.State ?? "unknown",
        totalInstanceCount: r.TotalInstanceCount ?? 0,
        availableInstanceCount: r.AvailableInstanceCount ?? 0,
        cancellationNotice: cancellationNotice(r.CapacityReservationId ?? "", end),
    });
}

function inputsOnly(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => k !== "quote" && k !== "__provider"));
}

/** A read before any purchase failed even after retries: say so, and that no money was spent. */
async function beforePurchase<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
        return await read();
    } catch (err) {
        throw new Error(`CapacityBlock: ${what} failed (${errorText(err)}) after retries; nothing was bought. Run \`pulumi up\` again in a few minutes.`);
    }
}

/** Buys the policy's pick, falling to the next offering if it was sold meanwhile; never resends a purchase. */
async function buy(ec2: Ec2, inputs: CapacityBlockInputs): Promise<{ reservation: CapacityReservation; offering?: Offering }> {
    const offerings = await beforePurchase("searching Capacity Block offerings (DescribeCapacityBlockOfferings)", () => searchOfferings(ec2, inputs, clock().now()));
    const found = filterOfferings(offerings, inputs);
    const ranked = rankOfferings(found.affordable, inputs.selection);
    if (ranked.length === 0) throw new Error(`CapacityBlock: ${noOfferingMessage(inputs, found.cheapest)}`);

    const gone: string[] = [];
    for (const offering of ranked.slice(0, MAX_PURCHASE_TRIES)) {
        const tags = [
            ...Object.entries(inputs.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
            { Key: PURCHASE_TOKEN_TAG, Value: inputs.purchaseToken },
            { Key: OFFERING_ID_TAG, Value: offering.offeringId },
            { Key: UPFRONT_FEE_TAG, Value: offering.upfrontFee },
            { Key: CURRENCY_TAG, Value: offering.currencyCode },
        ];
        try {
            const out = await ec2.purchases.send(new ec2.sdk.PurchaseCapacityBlockCommand({
                CapacityBlockOfferingId: offering.offeringId,
                InstancePlatform: inputs.instancePlatform as never,
                TagSpecifications: [{ ResourceType: "capacity-reservation", Tags: tags }],
            }));
            if (out.CapacityReservation?.CapacityReservationId) return { reservation: out.CapacityReservation, offering };
            throw Object.assign(new Error("PurchaseCapacityBlock answered without a CapacityReservation"), { name: "EmptyAnswer" });
        } catch (err) {
            const outcome = classifyPurchaseError(err);
            if (outcome === "offering-gone") {
                gone.push(offering.offeringId);
                continue;
            }
            if (outcome === "rejected") {
                throw new Error(`CapacityBlock: EC2 refused to buy ${offering.offeringId} (${errorText(err)}); nothing was bought.`);
            }
            // The answer is lost: EC2 may have bought. Only the token tag can tell; never purchase again.
            const adopted = await findByTokenWithPatience(ec2, inputs.purchaseToken);
            if (adopted) return { reservation: adopted, offering };
            throw new Error(`CapacityBlock: the purchase of ${offering.offeringId} (${offering.upfrontFee} ${offering.currencyCode}) got no answer ` +
                `(${errorText(err)}) and no block tagged ${PURCHASE_TOKEN_TAG}=${inputs.purchaseToken} is listed yet. ` +
                `It may or may not have been bought. Nothing more was bought. Run \`pulumi up\` again in a few minutes: ` +
                `it adopts the block by its token if it was bought, and searches again only if it was not.`);
        }
    }
    throw new Error(`CapacityBlock: the offerings ${gone.join(", ")} were sold before they could be bought; nothing was bought. ` +
        `Run \`pulumi up\` again to search anew.`);
}

/** Polls until the block is paid (`scheduled`/`active`); payment-failed or the bound keeps the id in state. */
async function waitUntilPaid(ec2: Ec2, outs: Props): Promise<Props> {
    const id = outs.reservationId as string;
    let current = outs;
    for (const delay of [0, ...paymentPollDelays(PAYMENT_WAIT_MS)]) {
        await clock().sleep(delay);
        const r = await describeReservation(ec2, id).catch((err) => {
            if (isRetryableReadError(err)) return undefined;
            throw blockKeptInState(`CapacityBlock ${id} was bought but could not be read (${errorText(err)}); run \`pulumi refresh\`.`, id, current);
        });
        if (!r) continue;
        current = { ...current, ...liveFields(r) };
        const cls = classifyState(String(current.state));
        if (cls === "paid") return current;
        if (cls === "payment-failed") {
            throw blockKeptInState(neverUsableMessage(id, "payment-failed", current.generation) as string, id, current);
        }
        if (cls !== "pending") {
            throw blockKeptInState(`CapacityBlock ${id} is in state ${String(current.state)}, not usable.`, id, current);
        }
    }
    throw blockKeptInState(`CapacityBlock ${id} was bought and is still ${String(current.state)} after ${PAYMENT_WAIT_MS / 60000} minutes. ` +
        `It is kept in state; run \`pulumi up\` or \`pulumi refresh\` later to see it paid.`, id, current);
}

async function quoteFor(inputs: CapacityBlockInputs): Promise<string> {
    const needed = ["instanceType", "instanceCount", "durationHours", "maxUpfrontFee", "startAfter", "startBefore", "availabilityZones", "selection", "region"] as const;
    const unknown = needed.filter((k) => !isKnown(inputs[k]));
    if (unknown.length > 0) return `quote not available yet: ${unknown.join(", ")} known only during update; up searches before buying`;
    try {
        const ec2 = await ec2For(regionOf({ region: inputs.region }), true);
        const offerings = await searchOfferings(ec2, inputs, clock().now(), false);
        return quoteText(inputs.selection, filterOfferings(offerings, inputs), inputs);
    } catch (err) {
        return `quote not available: searching offerings failed (${errorText(err)}); up searches again and buys nothing above ${inputs.maxUpfrontFee} USD`;
    }
}

/** Hours of extension bought for a block whose payment is still pending (not yet in its end date). Preview: no retries. */
async function pendingExtensionHours(ec2: Ec2, id: string): Promise<number> {
    let hours = 0;
    const pages = ec2.sdk.paginateDescribeCapacityBlockExtensionHistory({ client: ec2.reads }, { CapacityReservationIds: [id] });
    for await (const page of pages) {
        for (const e of page.CapacityBlockExtensions ?? []) {
            if (e.CapacityReservationId === id && e.CapacityBlockExtensionStatus === "payment-pending") hours += e.CapacityBlockExtensionDurationHours ?? 0;
        }
    }
    return hours;
}

async function searchExtensionOffers(ec2: Ec2, id: string, hours: number): Promise<ExtensionOffer[]> {
    const offers: ExtensionOffer[] = [];
    const pages = ec2.sdk.paginateDescribeCapacityBlockExtensionOfferings({ client: ec2.reads }, {
        CapacityReservationId: id, CapacityBlockExtensionDurationHours: hours,
    });
    for await (const page of pages) {
        for (const o of page.CapacityBlockExtensionOfferings ?? []) {
            if (!o.CapacityBlockExtensionOfferingId || !o.UpfrontFee) continue;
            offers.push({
                offeringId: o.CapacityBlockExtensionOfferingId,
                hours: o.CapacityBlockExtensionDurationHours ?? hours,
                newEndDate: o.CapacityBlockExtensionEndDate ? new Date(o.CapacityBlockExtensionEndDate) : undefined,
                upfrontFee: o.UpfrontFee,
                currencyCode: o.CurrencyCode ?? "USD",
            });
        }
    }
    return offers;
}

/**
 * check's quote when a bought block's durationHours grows: the extension update would buy, searched and not bought.
 * Check gets the old inputs, not the state: the block is found by its purchase token. Preview must answer soon, so
 * no read here waits out retries, and any failure becomes quote text.
 */
async function extensionQuoteFor(inputs: CapacityBlockInputs): Promise<string> {
    const unknown = (["durationHours", "maxUpfrontFee", "region", "purchaseToken"] as const).filter((k) => !isKnown(inputs[k]));
    if (unknown.length > 0) {
        return `extension quote not available yet: ${unknown.join(", ")} known only during update; ` +
            `if durationHours grows, up searches extension offerings before buying and buys nothing above maxUpfrontFee`;
    }
    const failed = (what: string) => `extension quote not available: ${what}; up searches again and buys nothing above ${inputs.maxUpfrontFee} USD`;
    try {
        const ec2 = await ec2For(regionOf({ region: inputs.region }), true);
        const r = await findByToken(ec2, inputs.purchaseToken, false);
        if (!r?.CapacityReservationId || !r.EndDate) {
            return failed(`no block tagged ${PURCHASE_TOKEN_TAG}=${inputs.purchaseToken} is listed in ${String(inputs.region)}`);
        }
        const id = r.CapacityReservationId;
        const closed = extensionClosedReason(id, r.State ?? "unknown", new Date(r.EndDate), new Date(clock().now()));
        if (closed) return closed;
        const liveHours = hoursBetween(r.StartDate, r.EndDate) ?? 0;
        const hours = extensionHoursMissing(inputs.durationHours, liveHours, await pendingExtensionHours(ec2, id));
        if (hours === 0) return `nothing to buy: ${id} already has ${inputs.durationHours} h, counting extensions paid or pending; up buys no extension`;
        return extensionQuoteText(id, hours, await searchExtensionOffers(ec2, id, hours), inputs.maxUpfrontFee);
    } catch (err) {
        return failed(`searching extension offerings failed (${errorText(err)})`);
    }
}

async function buyExtension(ec2: Ec2, id: string, hours: number, ceiling: string): Promise<void> {
    const history = await extensionHistory(ec2, id);
    // Every page, as the preview's quote searched them: up buys what preview showed.
    const all = (await retryRead(() => searchExtensionOffers(ec2, id, hours)))
        .filter((o) => parseFee(o.upfrontFee) !== undefined)
        .sort((a, b) => (parseFee(a.upfrontFee) as number) - (parseFee(b.upfrontFee) as number));
    const affordable = all.filter((o) => (parseFee(o.upfrontFee) as number) <= (parseFee(ceiling) as number));
    if (affordable.length === 0) {
        const cheapest = all[0] ? `the cheapest found is ${all[0].upfrontFee} ${all[0].currencyCode}` : "none is offered now (extensions are sold from 56 days to 1 hour before the end, while scheduled or active)";
        throw new Error(`CapacityBlock ${id}: no ${hours} h extension at or under maxUpfrontFee ${ceiling} USD; ${cheapest}. Nothing was bought.`);
    }
    for (const offer of affordable.slice(0, MAX_PURCHASE_TRIES)) {
        try {
            await ec2.purchases.send(new ec2.sdk.PurchaseCapacityBlockExtensionCommand({
                CapacityReservationId: id, CapacityBlockExtensionOfferingId: offer.offeringId,
            }));
            return;
        } catch (err) {
            const outcome = classifyPurchaseError(err);
            if (outcome === "offering-gone") continue;
            if (outcome === "rejected") throw new Error(`CapacityBlock ${id}: EC2 refused the ${hours} h extension (${errorText(err)}); nothing was bought.`);
            // Lost answer: the extension history tells whether it was bought; never purchase again.
            for (const delay of [0, ...backoffDelays(2000, 15000, 60000)]) {
                await clock().sleep(delay);
                const now = await extensionHistory(ec2, id).catch(() => history);
                if (now.purchasedHours > history.purchasedHours) return;
            }
            throw new Error(`CapacityBlock ${id}: the ${hours} h extension purchase got no answer (${errorText(err)}) and the extension history ` +
                `does not show it yet. Nothing more was bought. Run \`pulumi up\` again in a few minutes: it checks the history before buying.`);
        }
    }
    throw new Error(`CapacityBlock ${id}: the ${hours} h extension offerings were sold before they could be bought; nothing was bought. Run \`pulumi up\` again.`);
}

/** Hours of extension bought for a block and not failed (DescribeCapacityBlockExtensionHistory). */
async function extensionHistory(ec2: Ec2, id: string): Promise<{ purchasedHours: number }> {
    return retryRead(async () => {
        let purchasedHours = 0;
        const pages = ec2.sdk.paginateDescribeCapacityBlockExtensionHistory({ client: ec2.reads }, { CapacityReservationIds: [id] });
        for await (const page of pages) {
            for (const e of page.CapacityBlockExtensions ?? []) {
                if (e.CapacityReservationId === id && e.CapacityBlockExtensionStatus !== "payment-failed") {
                    purchasedHours += e.CapacityBlockExtensionDurationHours ?? 0;
                }
            }
        }
        return { purchasedHours };
    });
}

function hoursBetween(startIso: unknown, endIso: unknown): number | undefined {
    const hours = (new Date(String(endIso)).getTime() - new Date(String(startIso)).getTime()) / 3600_000;
    return Number.isFinite(hours) && hours > 0 ? Math.round(hours) : undefined;
}

/**
 * Fails an update of a block that can never be used (payment-failed, cancelled, …): an update that succeeded would
 * clear the engine's init error and leave the block silently unusable. A plain error: the engine keeps the state as
 * it was, and the message does not depend on an init-failure trailer, which must carry the whole serialized provider.
 * Reads only when the state last seen was not paid (a paid block does not go back to payment-failed).
 */
async function refuseNeverUsable(ec2: Ec2, id: string, olds: Props): Promise<void> {
    const seen = classifyState(String(olds.state ?? "unknown"));
    if (seen === "paid" || seen === "ended") return;
    const r = await describeReservation(ec2, id);
    const message = neverUsableMessage(id, r?.State ?? "not-found", olds.generation);
    if (message) throw new Error(message);
}

/** What destroy tells the user: a block that was never usable was not paid for; any other cannot be cancelled. */
function forgetNotice(id: string, props: Props): string {
    const state = String(props.state ?? "");
    if (state === "payment-failed") return `CapacityBlock ${id}: payment failed, so EC2 released it and it cost nothing; destroy only forgets it.`;
    if (neverUsableMessage(id, state, props.generation)) return `CapacityBlock ${id} is ${state}; destroy only forgets it (no AWS call).`;
    return cancellationNotice(id, String(props.endDate ?? "its end date"));
}

/** A bought block's durationHours grows (or is not known yet): update may buy an extension. Valid steps passed check. */
function extensionMayBeComing(oldInputs: Props, inputs: Props): boolean {
    if (!isKnown(inputs.durationHours)) return true;
    return typeof oldInputs.durationHours === "number" && Number(inputs.durationHours) > oldInputs.durationHours;
}

export const capacityBlockProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const inputs = withDefaults(news);
        if (inputs.region === undefined && process.env.AWS_REGION) inputs.region = process.env.AWS_REGION;
        // A purchase is still to come for a new resource or a new generation (a new token); else the block is bought.
        const purchaseComing = olds.purchaseToken !== news.purchaseToken;
        const failures = checkFailures(inputs, new Date(clock().now()), purchaseComing);
        if (!purchaseComing) failures.push(...boughtBlockFailures(olds, inputs));
        if (inputs.region === undefined) failures.push({ property: "region", reason: "no AWS region: run `pulumi config set aws:region <region>` (or set AWS_REGION)" });
        if (news.purchaseToken === undefined) failures.push({ property: "purchaseToken", reason: "purchaseToken is required (the CapacityBlock class derives it)" });
        delete inputs.quote;
        if (failures.length > 0) return { inputs: withoutUndefined(inputs), failures };
        if (purchaseComing) {
            inputs.quote = await quoteFor(inputs as unknown as CapacityBlockInputs);
        } else if (extensionMayBeComing(olds, inputs)) {
            inputs.quote = await extensionQuoteFor(inputs as unknown as CapacityBlockInputs);
        } else if (olds.quote !== undefined) {
            inputs.quote = olds.quote;
        }
        return { inputs: withoutUndefined(inputs) };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const decision = decideDiff(olds, withDefaults(news));
        // A block that can never be used keeps diffing as a change (so update fails with the way out) until a new
        // generation replaces it: after a refresh the engine has no init error left to force that update.
        const stuck = decision.replaces.length === 0 && neverUsableMessage("", String(olds.state ?? ""), olds.generation) !== undefined;
        // delete makes no AWS call, so the order of delete and create on replacement does not matter.
        return { changes: decision.changes || stuck, replaces: decision.replaces, deleteBeforeReplace: false };
    },

    async create(props: Props): Promise<pulumi.dynamic.CreateResult> {
        const inputs = props as unknown as CapacityBlockInputs;
        const ec2 = await ec2For(regionOf(props));
        const adopted = await beforePurchase(`looking up a block already bought with purchase token ${inputs.purchaseToken} (DescribeCapacityReservations)`,
            () => findByToken(ec2, inputs.purchaseToken));
        const { reservation, offering } = adopted ? { reservation: adopted, offering: undefined } : await buy(ec2, inputs);
        const id = reservation.CapacityReservationId as string;
        const bought: Props = withoutUndefined({
            ...inputsOnly(props),
            ...liveFields(reservation),
            offeringId: offering?.offeringId ?? tagValue(reservation, OFFERING_ID_TAG) ?? "unknown (adopted by purchase token)",
            upfrontFee: offering?.upfrontFee ?? tagValue(reservation, UPFRONT_FEE_TAG) ?? "unknown",
            currencyCode: offering?.currencyCode ?? tagValue(reservation, CURRENCY_TAG) ?? "USD",
        });
        clock().notify(adopted
            ? `CapacityBlock: adopted ${id}, found by its purchase token ${inputs.purchaseToken}; nothing was bought.`
            : `CapacityBlock: bought ${id}: ${describeOffering(offering as Offering)}. It cannot be cancelled.`);
        const outs = await waitUntilPaid(ec2, bought);
        const purchased = hoursBetween(outs.startDate, outs.endDate) ?? inputs.durationHours;
        return { id, outs: { ...outs, durationHours: purchased, purchasedDurationHours: purchased } };
    },

    async read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
        const current = props ?? {};
        const ec2 = await ec2For(regionOf(current));
        const r = await describeReservation(ec2, id);
        // An expired or vanished block stays in state as such: dropping it would make the next up buy again.
        const live = r ? liveFields(r) : { state: "not-found", availableInstanceCount: 0 };
        // Refresh reports a block that can never be used; it does not fail, and the next up does.
        const unusable = neverUsableMessage(id, String(live.state), current.generation);
        if (unusable) clock().notify(unusable);
        return { id, props: { ...inputsOnly(current), ...live } };
    },

    async update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        const inputs = withDefaults(news);
        const decision = decideDiff(olds, inputs);
        const ec2 = await ec2For(regionOf(olds));
        await refuseNeverUsable(ec2, id, olds);
        const { set, remove } = tagChanges(olds.tags as Record<string, string> | undefined, inputs.tags as Record<string, string> | undefined);
        const resource = [id];
        if (Object.keys(set).length > 0) {
            await retryRead(() => ec2.reads.send(new ec2.sdk.CreateTagsCommand({ Resources: resource, Tags: Object.entries(set).map(([Key, Value]) => ({ Key, Value })) })));
        }
        if (remove.length > 0) {
            await retryRead(() => ec2.reads.send(new ec2.sdk.DeleteTagsCommand({ Resources: resource, Tags: remove.map((Key) => ({ Key })) })));
        }
        // The block keeps its token: a token can only change with the generation, and that replaces.
        const outs: Props = { ...inputsOnly(olds), ...inputsOnly(inputs), purchaseToken: olds.purchaseToken };
        if (decision.extensionHours > 0) {
            const base = Number(olds.purchasedDurationHours ?? olds.durationHours);
            const bought = await extensionHistory(ec2, id);
            const missing = Number(inputs.durationHours) - base - bought.purchasedHours;
            if (missing > 0) await buyExtension(ec2, id, missing, String(inputs.maxUpfrontFee));
        }
        try {
            const r = await describeReservation(ec2, id);
            return { outs: withoutUndefined({ ...outs, ...(r ? liveFields(r) : { state: "not-found", availableInstanceCount: 0 }) }) };
        } catch (err) {
            throw blockKeptInState(`CapacityBlock ${id} was updated but could not be read back (${errorText(err)}); run \`pulumi refresh\`.`, id, withoutUndefined(outs));
        }
    },

    async delete(id: string, props: Props): Promise<void> {
        // A Capacity Block cannot be cancelled (CancelCapacityReservation: "You can't modify or cancel a Capacity
        // Block"): destroy only forgets it. No AWS call; the notice, the cancellationNotice output and the docs say so.
        clock().notify(forgetNotice(id, props));
    },
};

/**
 * An EC2 Capacity Block for ML, bought (or adopted by its purchase token) with a price ceiling.
 *
 * - `pulumi preview` shows the offering `up` would buy in the `quote` input, or why nothing fits.
 * - A retried or crashed `up` adopts the block tagged `capblocks:purchase-token` instead of buying again.
 * - Changing type, count or platform fails unless `generation` is bumped too (that buys a new block).
 * - A longer `durationHours` buys an extension, bounded by `maxUpfrontFee`.
 * - **Destroying this resource does not cancel the block**: it cannot be cancelled, and runs, already paid,
 *   until `endDate`. See `cancellationNotice`.
 */
export class CapacityBlock extends pulumi.dynamic.Resource {
    declare public readonly reservationId: pulumi.Output<string>;
    declare public readonly offeringId: pulumi.Output<string>;
    declare public readonly instanceType: pulumi.Output<string>;
    declare public readonly instanceCount: pulumi.Output<number>;
    declare public readonly durationHours: pulumi.Output<number>;
    declare public readonly purchasedDurationHours: pulumi.Output<number>;
    declare public readonly availabilityZone: pulumi.Output<string>;
    declare public readonly startDate: pulumi.Output<string>;
    declare public readonly endDate: pulumi.Output<string>;
    declare public readonly upfrontFee: pulumi.Output<string>;
    declare public readonly maxUpfrontFee: pulumi.Output<string>;
    declare public readonly currencyCode: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;
    declare public readonly totalInstanceCount: pulumi.Output<number>;
    declare public readonly availableInstanceCount: pulumi.Output<number>;
    declare public readonly purchaseToken: pulumi.Output<string>;
    declare public readonly generation: pulumi.Output<number>;
    declare public readonly region: pulumi.Output<string>;
    declare public readonly cancellationNotice: pulumi.Output<string>;

    constructor(name: string, args: CapacityBlockArgs, opts?: pulumi.CustomResourceOptions) {
        const generation = args.generation ?? 1;
        const token = pulumi.output(generation).apply((g) => purchaseToken(pulumi.getProject(), pulumi.getStack(), name, g));
        const region = args.region ?? new pulumi.Config("aws").get("region");
        const outputsFilledByProvider = {
            reservationId: undefined, offeringId: undefined, availabilityZone: undefined, startDate: undefined, endDate: undefined,
            upfrontFee: undefined, currencyCode: undefined, state: undefined, totalInstanceCount: undefined,
            availableInstanceCount: undefined, purchasedDurationHours: undefined, cancellationNotice: undefined,
        };
        super(capacityBlockProvider, name, { ...outputsFilledByProvider, ...args, generation, region, purchaseToken: token }, opts, "capblocks", "CapacityBlock");
    }
}
