import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { isKnown } from "../shared/unknown";
import { isOpen, openPurchaseMessage } from "./records";
import type { BlockRecord } from "./records";
import { classifyState } from "./states";
import { IDENTITY_TAG, PURCHASE_TOKEN_TAG } from "./token";

// Whose block is it? The purchase token names a slot (project/stack/resource/generation) that every copy of a stack
// shares: two people's `dev` stacks of this project in one account, or this stack before `pulumi destroy` (which drops
// its identity). The identity tag tells the copies apart. This copy adopts only its own block; another copy's is never
// adopted (it is someone else's, or needs an explicit adoption) and never ignored (buying beside it would be a second
// block for the same slot, perhaps by accident): the purchase is refused with the way out.

export function tagOf(r: CapacityReservation, key: string): string | undefined {
    return r.Tags?.find((t) => t.Key === key)?.Value;
}

/** Blocks of the slot `token`, split into this copy's (`identity`) and any other copy's. Blocks of other slots are dropped. */
export function sortByOwner(blocks: CapacityReservation[], token: string, identity: string): { mine: CapacityReservation[]; others: CapacityReservation[] } {
    const seen = new Set<string>();
    const slot = blocks.filter((r) => {
        const id = r.CapacityReservationId ?? "";
        if (seen.has(id) || tagOf(r, PURCHASE_TOKEN_TAG) !== token) return false;
        seen.add(id);
        return true;
    });
    return { mine: slot.filter((r) => tagOf(r, IDENTITY_TAG) === identity), others: slot.filter((r) => tagOf(r, IDENTITY_TAG) !== identity) };
}

/** The block to take among several: a usable one before one whose payment failed. */
export function preferUsable(blocks: CapacityReservation[]): CapacityReservation | undefined {
    return blocks.find((r) => classifyState(r.State ?? "") !== "payment-failed") ?? blocks[0];
}

function describeBlock(r: CapacityReservation): string {
    const date = (d: unknown) => (d ? new Date(d as Date).toISOString() : "?");
    return `${r.CapacityReservationId} (${r.State ?? "unknown"}: ${r.TotalInstanceCount} x ${r.InstanceType} in ${r.AvailabilityZone}, ` +
        `${date(r.StartDate)} → ${date(r.EndDate)})`;
}

/** What to do about a block this slot already has that can no longer serve: buy a new one with the next generation. */
function overMessage(r: CapacityReservation, generation: number): string | undefined {
    const cls = classifyState(r.State ?? "");
    if (cls === "paid" || cls === "pending") return undefined;
    const why = cls === "ended" ? "it has ended" : "it can never be used";
    return `${why}: to buy a new block, bump capblocks:reservation.generation (${generation} → ${generation + 1})`;
}

/**
 * This copy's own block has ended: it is not adopted (nothing could run on it, and an up that kept it would go on
 * quietly), and nothing is bought. One whose payment failed is adopted, kept in state, and fails every up with its way out.
 */
function ownBlockOverMessage(r: CapacityReservation, generation: number): string | undefined {
    if (classifyState(r.State ?? "") !== "ended") return undefined;
    return `${describeBlock(r)} is the block this stack bought for generation ${generation}; ${overMessage(r, generation) as string}. Nothing was bought.`;
}

/** Another copy of the stack has a block for this slot: refused, naming it and both ways out. */
function otherCopyMessage(r: CapacityReservation, token: string, identity: string, generation: number): string {
    const theirs = tagOf(r, IDENTITY_TAG);
    const whose = theirs ? `by another copy of this stack (identity ${theirs})` : "before capblocks tagged blocks with an identity";
    const head = `${describeBlock(r)} was bought for this project, stack, resource and generation ` +
        `(tag ${PURCHASE_TOKEN_TAG}=${token}) ${whose}, not by this copy (identity ${identity}). It is not adopted, and nothing was bought`;
    const over = overMessage(r, generation);
    if (over) return `${head}; ${over}.`;
    return `${head}. If it is yours (this stack before \`pulumi destroy\`, which forgets the identity, or your copy on another machine), ` +
        `adopt it: set capblocks:reservation.id to ${r.CapacityReservationId} in place of the buy settings. If it is someone else's, ` +
        `use another stack name (\`pulumi stack init\`) or bump capblocks:reservation.generation (${generation} → ${generation + 1}) to buy your own.`;
}

/** Who asks: the slot (purchase token and generation) and this copy's identity (unknown in the preview of a new stack). */
interface Asker {
    purchaseToken: string;
    identity: string;
    generation: number;
}

export type SlotVerdict =
    | { kind: "adopt"; block: CapacityReservation }
    | { kind: "refuse"; message: string }
    /** Nothing bought for this slot: buy. `recordClosed`: a record whose purchase did not happen is to be deleted first. */
    | { kind: "buy"; recordClosed: boolean };

/**
 * What a new block resource does, from what its slot holds: this copy's block is adopted (unless it has ended);
 * another copy's block, or a purchase recorded less than OPEN_PURCHASE_MS ago and not listed, refuses; else it buys.
 * create acts on it, and preview's quote says it.
 */
export function judgeSlot(blocks: CapacityReservation[], record: BlockRecord | undefined, recordName: string, asker: Asker, now: number): SlotVerdict {
    const identity = isKnown(asker.identity) ? asker.identity : "not made yet";
    const { mine, others } = sortByOwner(blocks, asker.purchaseToken, identity);
    const own = preferUsable(mine);
    if (own) {
        const over = ownBlockOverMessage(own, asker.generation);
        return over ? { kind: "refuse", message: over } : { kind: "adopt", block: own };
    }
    const other = preferUsable(others);
    if (other) return { kind: "refuse", message: otherCopyMessage(other, asker.purchaseToken, identity, asker.generation) };
    if (record && isOpen(record, now)) return { kind: "refuse", message: openPurchaseMessage(record, recordName, asker.purchaseToken, identity) };
    return { kind: "buy", recordClosed: record !== undefined };
}
