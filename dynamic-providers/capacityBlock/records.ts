import type { Offering } from "./offerings";
import { PURCHASE_TOKEN_TAG } from "./token";

// Purchase records. PurchaseCapacityBlock and PurchaseCapacityBlockExtension take no idempotency token, and a block just
// bought may not be listed for minutes, so "not listed" never proves "not bought". Before each purchase call capblocks
// writes what it is about to buy to an SSM parameter that it creates only if absent (PutParameter with Overwrite=false
// fails with ParameterAlreadyExists for a second writer: one writer wins). The record outlives a lost answer, a killed
// process, and another machine, and while it is open no second purchase is sent for the same block. Once EC2 answers
// with the block, the record is marked with its id and kept as the purchase's receipt: a lookup by id is one more
// witness while the listings lag, for this copy and any other. A record older than OPEN_PURCHASE_MS whose block is
// listed nowhere is deleted by the next purchase for its slot.

/** Every record lives under this path (the IAM permissions name it). */
const RECORD_PATH = "/capblocks/purchases/";

/**
 * How long a purchase that got no answer, and is not listed, stays open. AWS advises reading back with backoff "up to a
 * few minutes" after a change (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html; the zh-CN
 * and ko-KR editions say five minutes). Three times that: a user waits at most a quarter of an hour, where a bound too
 * short would buy a second block that cannot be cancelled. After it, nothing found means nothing was bought.
 */
export const OPEN_PURCHASE_MS = 15 * 60_000;

/** What was about to be bought: enough to find the block by its offering's facts when its tags are not listed yet. */
export interface OfferingFacts {
    offeringId: string;
    availabilityZone: string;
    instanceType: string;
    instanceCount: number;
    startDate: string;
    endDate: string;
    upfrontFee: string;
    currencyCode: string;
}

interface RecordBase {
    /** The copy of the stack that wrote it (the resource's `identity`). */
    identity: string;
    /** Tells this process's own write from anyone else's when a retried PutParameter answers ParameterAlreadyExists. */
    nonce: string;
    /** When the purchase was about to be sent (ISO). */
    sentAt: string;
}

export interface BlockRecord extends RecordBase {
    kind: "block";
    offering: OfferingFacts;
    /** The block EC2 answered with (or that was found after a lost answer): the purchase is done. */
    reservationId?: string;
}

export interface ExtensionRecord extends RecordBase {
    kind: "extension";
    reservationId: string;
    offeringId: string;
    hours: number;
    /** The block's end once this extension is paid: a live end at or past it shows the extension was bought. */
    expectedEndDate: string;
    upfrontFee: string;
    currencyCode: string;
    /** EC2 answered the purchase: it was bought, even while the extension history does not list it yet. */
    answered: boolean;
}

export type PurchaseRecord = BlockRecord | ExtensionRecord;

/** The record of the block purchase for a purchase token (one per project/stack/resource/generation, for every copy). */
export function blockRecordName(token: string): string {
    return `${RECORD_PATH}${token}`;
}

/** The record of an extension purchase for a block. */
export function extensionRecordName(reservationId: string): string {
    return `${RECORD_PATH}${reservationId}`;
}

export function factsOf(o: Offering): OfferingFacts {
    return {
        offeringId: o.offeringId, availabilityZone: o.availabilityZone, instanceType: o.instanceType, instanceCount: o.instanceCount,
        startDate: o.startDate.toISOString(), endDate: o.endDate.toISOString(), upfrontFee: o.upfrontFee, currencyCode: o.currencyCode,
    };
}

const strings = (o: Record<string, unknown>, keys: string[]) => keys.every((k) => typeof o[k] === "string");

/** The record a parameter holds, or undefined when it holds something else (then nothing is bought; see unreadableRecordMessage). */
export function decodeRecord(text: string): PurchaseRecord | undefined {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return undefined;
    }
    const r = (value ?? {}) as Record<string, unknown>;
    if (!strings(r, ["identity", "nonce", "sentAt"]) || Number.isNaN(Date.parse(String(r.sentAt)))) return undefined;
    if (r.kind === "block") {
        const o = (r.offering ?? {}) as Record<string, unknown>;
        const ok = strings(o, ["offeringId", "availabilityZone", "instanceType", "startDate", "endDate", "upfrontFee", "currencyCode"]) &&
            typeof o.instanceCount === "number" && (r.reservationId === undefined || typeof r.reservationId === "string");
        return ok ? (r as unknown as BlockRecord) : undefined;
    }
    if (r.kind === "extension") {
        const ok = strings(r, ["reservationId", "offeringId", "expectedEndDate", "upfrontFee", "currencyCode"]) && typeof r.hours === "number" && typeof r.answered === "boolean";
        return ok ? (r as unknown as ExtensionRecord) : undefined;
    }
    return undefined;
}

/** The purchase may still show up: it was sent less than OPEN_PURCHASE_MS ago. */
export function isOpen(record: PurchaseRecord, now: number): boolean {
    return now - Date.parse(record.sentAt) < OPEN_PURCHASE_MS;
}

/** When an unanswered purchase that is still not listed counts as not made. */
export function closesAt(record: PurchaseRecord): string {
    return new Date(Date.parse(record.sentAt) + OPEN_PURCHASE_MS).toISOString();
}

function describeFacts(o: OfferingFacts): string {
    return `${o.instanceCount} x ${o.instanceType} in ${o.availabilityZone}, ${o.startDate} → ${o.endDate}, ${o.upfrontFee} ${o.currencyCode}`;
}

/** A parameter under the records' path that capblocks cannot read: nothing is bought until someone looks at it. */
export function unreadableRecordMessage(name: string): string {
    return `SSM parameter ${name} does not hold a capblocks purchase record; nothing was bought. capblocks writes it just before a purchase ` +
        "and reads it to never buy twice. Look at it (aws ssm get-parameter --name " + name + "); delete it once you know no purchase is open, then run `pulumi up` again.";
}

const LISTING_LAG = "EC2 can take minutes to list a new block (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html)";

/** A block purchase recorded and not found, sent less than OPEN_PURCHASE_MS ago: nothing is bought until it closes. */
export function openPurchaseMessage(record: BlockRecord, name: string, token: string, identity: string): string {
    const sent = `a purchase of ${describeFacts(record.offering)} was sent at ${record.sentAt}` +
        (record.reservationId ? ` (EC2 answered with ${record.reservationId})` : "");
    const looked = `looked up by tag ${PURCHASE_TOKEN_TAG}=${token}, by the offering's zone, type, count and dates` +
        (record.reservationId ? ", and by its id" : "");
    if (record.identity === identity) {
        return `${sent} by this stack, and no block from it is listed yet (${looked}). Nothing more was bought. ` +
            `${LISTING_LAG}. Run \`pulumi up\` again after ${closesAt(record)}: it adopts the block if it shows by then; if not, the purchase ` +
            `did not happen, and up searches and buys again. (The purchase is recorded in SSM parameter ${name}.)`;
    }
    return `${sent} for this project, stack, resource and generation by another copy of this stack (identity ${record.identity}; ` +
        `this copy is ${identity}), and no block from it is listed yet (${looked}; SSM parameter ${name}). Nothing was bought. Run \`pulumi up\` ` +
        `again after ${closesAt(record)}: if that copy's block shows by then, it is not adopted and the message says whose it is; if not, the ` +
        "purchase did not happen and up buys. To stay clear of that copy, use another stack name or bump capblocks:reservation.generation.";
}
