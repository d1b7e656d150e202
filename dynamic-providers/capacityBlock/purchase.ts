import { randomUUID } from "crypto";
import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { backoffDelays } from "../shared/backoff";
import { clock } from "../shared/clock";
import {
    describeReservation, extensionHistory, findByFacts, findByToken, purchaseBlock, purchaseExtension, retryRead, searchExtensionOffers, searchOfferings,
} from "./ec2";
import type { Ec2 } from "./ec2";
import { classifyPurchaseError, errorText, isOfferingGoneError } from "./errors";
import { planExtension } from "./extension";
import type { ExtensionPlan, LiveBlock } from "./extension";
import type { CapacityBlockInputs } from "./inputs";
import { acceleratorsFor, filterExtensionOffers, filterOfferings, noExtensionReason, noOfferingMessage, rankOfferings } from "./offerings";
import type { ExtensionOffer, Offering } from "./offerings";
import { judgeSlot, preferUsable, sortByOwner } from "./ownership";
import { claimRecord, clearRecord, readRecord, replaceRecord } from "./recordStore";
import type { RecordStore } from "./recordStore";
import { blockRecordName, closesAt, extensionRecordName, factsOf, openPurchaseMessage, unreadableRecordMessage } from "./records";
import type { BlockRecord, ExtensionRecord, PurchaseRecord } from "./records";
import { PURCHASE_TOKEN_TAG } from "./token";

// Buying blocks and extensions. Neither purchase call has an idempotency token and neither can be undone
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PurchaseCapacityBlock.html): each purchase is recorded
// first (./records.ts), sent at most once per offer, and an answer lost on the way is resolved by looking, never by
// buying again while the record is open.

/** Offerings tried when the chosen one is sold between search and purchase. */
const MAX_PURCHASE_TRIES = 3;

/** Why buying from a list of offers ended with nothing bought, or with no telling whether EC2 bought. */
type NotBought<O> =
    /** EC2 said no: nothing was bought. */
    | { refused: O; error: unknown }
    /** The answer was lost and nothing shows that EC2 bought. */
    | { unanswered: O; error: unknown }
    /** Every offer tried was gone (or refused as invalid) before it could be bought. */
    | { gone: { offer: O; error: unknown }[] };

interface PurchaseSteps<O, R> {
    /** Records the purchase about to be sent (`first`: claims the record); a failure stops before anything is sent. */
    record(offer: O, first: boolean): Promise<void>;
    purchase(offer: O): Promise<R>;
    /** What was bought with `offer`, if anything is listed. */
    lookForPurchase(offer: O): Promise<R | undefined>;
}

/**
 * Tries the offers in order, at most MAX_PURCHASE_TRIES: an offer gone meanwhile → the next one; a refusal → stop,
 * nothing bought; no answer → ask `lookForPurchase` a few times what was bought, and never buy again.
 */
async function purchaseFirstAvailable<O, R>(offers: O[], steps: PurchaseSteps<O, R>): Promise<{ bought: R } | NotBought<O>> {
    const gone: { offer: O; error: unknown }[] = [];
    for (const offer of offers.slice(0, MAX_PURCHASE_TRIES)) {
        await steps.record(offer, gone.length === 0);
        try {
            return { bought: await steps.purchase(offer) };
        } catch (error) {
            const outcome = classifyPurchaseError(error);
            if (outcome === "offering-gone") {
                gone.push({ offer, error });
                continue;
            }
            if (outcome === "rejected") return { refused: offer, error };
            const bought = await lookAgain(() => steps.lookForPurchase(offer));
            return bought === undefined ? { unanswered: offer, error } : { bought };
        }
    }
    return { gone };
}

/** Asks a few times, backing off: what was bought a moment ago may not be listed yet (eventual consistency). */
async function lookAgain<T>(look: () => Promise<T | undefined>): Promise<T | undefined> {
    for (const delay of [0, ...backoffDelays(2000, 15000, 60000)]) {
        await clock().sleep(delay);
        const found = await look().catch(() => undefined);
        if (found !== undefined) return found;
    }
    return undefined;
}

/** A read before any purchase failed even after retries: say so, and that no money was spent. */
async function beforePurchase<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
        return await read();
    } catch (err) {
        throw new Error(`CapacityBlock: ${what} failed (${errorText(err)}) after retries; nothing was bought. Run \`pulumi up\` again in a few minutes.`);
    }
}

/** A purchase record could not be read or written: nothing is bought without one. */
async function withRecord<T>(what: string, name: string, act: () => Promise<T>): Promise<T> {
    try {
        return await act();
    } catch (err) {
        const denied = /AccessDenied|Unauthorized/.test(String((err as Error)?.name));
        throw new Error(`CapacityBlock: ${what} SSM parameter ${name} failed (${errorText(err)}); nothing was bought. capblocks records every ` +
            "purchase there before sending it, so that a lost answer never buys twice" + (denied
            ? ": the AWS identity needs ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on parameter/capblocks/purchases/* in the " +
              "block's Region. Run `pulumi up` again once it has them."
            : ". Run `pulumi up` again in a few minutes."));
    }
}

/** The record a parameter holds, refusing to go on when it holds something else (or another kind of record). */
async function heldRecord<K extends PurchaseRecord["kind"]>(store: RecordStore, name: string, kind: K, patient = true): Promise<{ present: boolean; record?: Extract<PurchaseRecord, { kind: K }> }> {
    const held = await withRecord("reading", name, () => readRecord(store, name, patient));
    if (!held) return { present: false };
    if (held.record?.kind !== kind) throw new Error(`CapacityBlock: ${unreadableRecordMessage(name)}`);
    return { present: true, record: held.record as Extract<PurchaseRecord, { kind: K }> };
}

/**
 * Writes the record of the purchase about to be sent: claims it for the first offer tried (answering what someone else
 * wrote there meanwhile, if anything), rewrites it for the next ones.
 */
async function recordPurchase(store: RecordStore, name: string, record: PurchaseRecord, first: boolean): Promise<"written" | { record?: PurchaseRecord }> {
    if (!first) return withRecord("rewriting the purchase record", name, () => replaceRecord(store, name, record)).then(() => "written" as const);
    return withRecord("writing the purchase record", name, () => claimRecord(store, name, record));
}

/** Deletes a record whose purchase is settled; a failure only leaves a harmless record behind, so it is reported, not thrown. */
async function forgetRecord(store: RecordStore, name: string): Promise<void> {
    await clearRecord(store, name).catch((err) => clock().notify(`CapacityBlock: could not delete the settled purchase record SSM parameter ${name} ` +
        `(${errorText(err)}); it is harmless (the next purchase for this block finds the block first), and you may delete it.`));
}

/**
 * The slot's blocks: found by the purchase-token tag and, for a recorded purchase, by the offering's facts and by the
 * id EC2 answered with: three witnesses, in case one listing lags.
 */
export async function slotBlocks(ec2: Ec2, token: string, record?: Pick<BlockRecord, "offering" | "reservationId">, patient = true): Promise<CapacityReservation[]> {
    const tagged = await findByToken(ec2, token, patient);
    if (!record) return tagged;
    const byId = record.reservationId ? await describeReservation(ec2, record.reservationId, patient) : undefined;
    return [...tagged, ...await findByFacts(ec2, record.offering, patient), ...(byId ? [byId] : [])];
}

/** Marks this copy's record with the block EC2 answered with; a failure only weakens a later lookup, so it is reported, not thrown. */
async function markBought(store: RecordStore, name: string, record: BlockRecord, reservationId: string): Promise<void> {
    if (record.reservationId === reservationId) return;
    await replaceRecord(store, name, { ...record, reservationId }).catch((err) => clock().notify(`CapacityBlock: could not mark the purchase record ` +
        `SSM parameter ${name} with ${reservationId} (${errorText(err)}); the block is found by its tags and dates all the same.`));
}

/**
 * Before buying a block: what its slot holds (./ownership.ts judgeSlot): this copy's block to adopt (undefined when
 * there is none), a refusal (nothing bought), or nothing, after deleting a record whose purchase did not happen.
 */
export async function findBoughtBlock(ec2: Ec2, store: RecordStore, inputs: CapacityBlockInputs): Promise<CapacityReservation | undefined> {
    const name = blockRecordName(inputs.purchaseToken);
    const { record } = await heldRecord(store, name, "block");
    const blocks = await beforePurchase(`looking up a block already bought with purchase token ${inputs.purchaseToken} (DescribeCapacityReservations)`,
        () => slotBlocks(ec2, inputs.purchaseToken, record));
    const verdict = judgeSlot(blocks, record, name, inputs, clock().now());
    if (verdict.kind === "refuse") throw new Error(`CapacityBlock: ${verdict.message}`);
    if (verdict.kind === "adopt") {
        // This copy's own lost answer, resolved: its record learns the id (another copy's record is not this copy's to touch).
        if (record?.identity === inputs.identity) await markBought(store, name, record, verdict.block.CapacityReservationId as string);
        return verdict.block;
    }
    if (record && verdict.recordClosed) {
        await withRecord("deleting the closed purchase record", name, () => clearRecord(store, name));
        clock().notify(`CapacityBlock: the purchase sent at ${record.sentAt} is still not listed after ${closesAt(record)}: it did not happen; searching again.`);
    }
    return undefined;
}

/** Buys the policy's pick, falling to the next offering if it was sold meanwhile; records each purchase before sending it. */
export async function buyBlock(ec2: Ec2, store: RecordStore, inputs: CapacityBlockInputs): Promise<{ reservation: CapacityReservation; offering: Offering }> {
    const offerings = await beforePurchase("searching Capacity Block offerings (DescribeCapacityBlockOfferings)", () => searchOfferings(ec2, inputs, clock().now()));
    const found = filterOfferings(offerings, inputs);
    const ranked = rankOfferings(found.affordable, inputs.selection, acceleratorsFor(inputs));
    if (ranked.length === 0) throw new Error(`CapacityBlock: ${noOfferingMessage(inputs, found)}`);
    const name = blockRecordName(inputs.purchaseToken);
    const nonce = randomUUID();
    const recordOf = (o: Offering): BlockRecord => ({ kind: "block", identity: inputs.identity, nonce, sentAt: new Date(clock().now()).toISOString(), offering: factsOf(o) });
    let sent: BlockRecord | undefined;
    const result = await purchaseFirstAvailable(ranked, {
        record: async (o, first) => {
            sent = recordOf(o);
            const claim = await recordPurchase(store, name, sent, first);
            if (claim === "written") return;
            // Another process wrote it since findBoughtBlock looked: it is buying for this slot right now.
            const held = claim.record;
            throw new Error(`CapacityBlock: ${held?.kind === "block" ? openPurchaseMessage(held, name, inputs.purchaseToken, inputs.identity) : unreadableRecordMessage(name)}`);
        },
        purchase: async (o) => ({ reservation: await purchaseBlock(ec2, inputs, o), offering: o }),
        lookForPurchase: async (o) => {
            const blocks = await slotBlocks(ec2, inputs.purchaseToken, { offering: factsOf(o) });
            const reservation = preferUsable(sortByOwner(blocks, inputs.purchaseToken, inputs.identity).mine);
            return reservation && { reservation, offering: o };
        },
    });
    if ("bought" in result) {
        await markBought(store, name, sent as BlockRecord, result.bought.reservation.CapacityReservationId as string);
        return result.bought;
    }
    if ("unanswered" in result) {
        const o = result.unanswered;
        throw new Error(`CapacityBlock: the purchase of ${o.offeringId} (${o.upfrontFee} ${o.currencyCode}) got no answer (${errorText(result.error)}) ` +
            `and no block tagged ${PURCHASE_TOKEN_TAG}=${inputs.purchaseToken} is listed yet. It may or may not have been bought. Nothing more was bought. ` +
            "Run `pulumi up` again in a few minutes: it adopts the block once EC2 lists it, and buys again only if nothing is listed by " +
            `${closesAt(sent as BlockRecord)} (the purchase is recorded in SSM parameter ${name} until then).`);
    }
    await forgetRecord(store, name);
    if ("refused" in result) {
        throw new Error(`CapacityBlock: EC2 refused to buy ${result.refused.offeringId} (${errorText(result.error)}); nothing was bought.`);
    }
    throw new Error(`CapacityBlock: ${goneText(result.gone.map(({ offer, error }) => ({ id: offer.offeringId, error })))}; ` +
        "nothing was bought. Run `pulumi up` again to search anew.");
}

/**
 * Offers gone between search and purchase. EC2 names a sold offering InvalidCapacityBlockOfferingIdExpired; it may also
 * answer InvalidParameterValue (seen from an independent fake; the real answer is not documented), said with its text.
 */
function goneText(gone: { id: string; error: unknown }[]): string {
    const ids = gone.map((g) => g.id).join(", ");
    const other = gone.find((g) => !isOfferingGoneError(g.error));
    if (!other) return `the offerings ${ids} were sold before they could be bought`;
    return `EC2 answered that the offerings ${ids} are gone or invalid (last: ${errorText(gone[gone.length - 1].error)})`;
}

/**
 * What up would do about block `r`'s duration now: its extension record, its history, and the one formula
 * (./extension.ts). Preview's quote and update both call this, so they cannot disagree.
 */
export async function currentExtensionPlan(ec2: Ec2, store: RecordStore, r: CapacityReservation, wantedHours: number, patient = true): Promise<{ block: LiveBlock; plan: ExtensionPlan }> {
    const id = r.CapacityReservationId as string;
    const { record } = await heldRecord(store, extensionRecordName(id), "extension", patient);
    const history = await beforePurchase(`reading the extension history of ${id} (DescribeCapacityBlockExtensionHistory)`, () => extensionHistory(ec2, id, patient));
    const block = { id, state: r.State ?? "unknown", startDate: new Date(r.StartDate as Date), endDate: new Date(r.EndDate as Date) };
    return { block, plan: planExtension({ block, wantedHours, history, record, now: clock().now() }) };
}

/**
 * Extends block `id` to `inputs.durationHours` when it falls short: nothing when it has them, an error saying why when
 * none can be bought now, else one extension bought at or under the ceiling. A kept record of an extension that is now
 * listed, or that did not happen, is deleted first.
 */
export async function extendBlock(ec2: Ec2, store: RecordStore, id: string, inputs: CapacityBlockInputs): Promise<void> {
    const r = await beforePurchase(`reading block ${id} (DescribeCapacityReservations)`, () => describeReservation(ec2, id));
    if (!r?.StartDate || !r.EndDate) throw new Error(`CapacityBlock ${id}: EC2 does not list this block, so it cannot be extended; nothing was bought.`);
    const { block, plan } = await currentExtensionPlan(ec2, store, r, inputs.durationHours);
    const name = extensionRecordName(id);
    if (plan.recordDone) await withRecord("deleting the settled extension record", name, () => clearRecord(store, name));
    if (plan.kind === "refuse") throw new Error(`CapacityBlock: ${plan.message}. Nothing ${plan.afterLostAnswer ? "more " : ""}was bought.`);
    if (plan.kind === "buy") await buyExtension(ec2, store, block, plan.hours, inputs);
}

/** Buys a `hours` extension of `block` at or under the ceiling, the cheapest offer first, recording it before sending. */
async function buyExtension(ec2: Ec2, store: RecordStore, block: LiveBlock, hours: number, inputs: CapacityBlockInputs): Promise<void> {
    const { id } = block;
    const ceiling = inputs.maxUpfrontFee;
    // Every page, as the preview's quote searched them: up buys what preview showed.
    const offers = await beforePurchase(`searching extension offerings for ${id} (DescribeCapacityBlockExtensionOfferings)`,
        () => retryRead(() => searchExtensionOffers(ec2, id, hours)));
    const found = filterExtensionOffers(offers, ceiling);
    const none = noExtensionReason(id, hours, found, ceiling);
    if (none) throw new Error(`CapacityBlock: ${none} Nothing was bought.`);
    const name = extensionRecordName(id);
    const nonce = randomUUID();
    const recordOf = (o: ExtensionOffer): ExtensionRecord => ({
        kind: "extension", identity: inputs.identity, nonce, sentAt: new Date(clock().now()).toISOString(), reservationId: id, offeringId: o.offeringId,
        hours: o.hours, expectedEndDate: (o.newEndDate ?? new Date(block.endDate.getTime() + o.hours * 3600_000)).toISOString(),
        upfrontFee: o.upfrontFee, currencyCode: o.currencyCode, answered: false,
    });
    let sent: ExtensionRecord | undefined;
    const result = await purchaseFirstAvailable(found.affordable, {
        record: async (o, first) => {
            sent = recordOf(o);
            if (await recordPurchase(store, name, sent, first) !== "written") {
                throw new Error(`CapacityBlock ${id}: another process recorded an extension of this block just now (SSM parameter ${name}); nothing was bought. ` +
                    "Run `pulumi up` again in a few minutes.");
            }
        },
        purchase: async (o) => {
            await purchaseExtension(ec2, id, o);
            return o;
        },
        // The extension history tells whether it was bought (the end date moves only once it is paid).
        lookForPurchase: async (o) => {
            const listed = (await extensionHistory(ec2, id)).some((e) => e.offeringId === o.offeringId);
            return listed ? o : undefined;
        },
    });
    if ("bought" in result) {
        // Deleted once the history lists it; until then kept as answered, so a later up counts it as bought, not yet paid.
        const listed = await extensionHistory(ec2, id).then((h) => h.some((e) => e.offeringId === result.bought.offeringId), () => false);
        if (listed) return forgetRecord(store, name);
        await replaceRecord(store, name, { ...(sent as ExtensionRecord), answered: true }).catch((err) => clock().notify(
            `CapacityBlock ${id}: the ${hours} h extension was bought, but its record (SSM parameter ${name}) could not be marked answered (${errorText(err)}); ` +
            "a later up waits for the extension history to list it before buying more."));
        return;
    }
    if ("unanswered" in result) {
        throw new Error(`CapacityBlock ${id}: the ${hours} h extension purchase got no answer (${errorText(result.error)}) and the extension history ` +
            "does not show it yet. Nothing more was bought. Run `pulumi up` again in a few minutes: it checks the history and the block's end date " +
            `before buying, and buys again only if neither shows it by ${closesAt(sent as ExtensionRecord)} (recorded in SSM parameter ${name}).`);
    }
    await forgetRecord(store, name);
    if ("refused" in result) throw new Error(`CapacityBlock ${id}: EC2 refused the ${hours} h extension (${errorText(result.error)}); nothing was bought.`);
    throw new Error(`CapacityBlock ${id}: the ${hours} h extension offerings were sold before they could be bought; nothing was bought. Run \`pulumi up\` again.`);
}
