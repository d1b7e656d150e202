import { keptInState } from "../shared/partialFailure";

// Reservation states of a Capacity Block (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks.html):
// payment-pending → scheduled → active → expired; payment-failed when EC2 could not take the payment in time.

/** How the provider treats an EC2 reservation state. */
type StateClass = "paid" | "pending" | "payment-failed" | "ended" | "not-usable";

export function classifyState(state: string): StateClass {
    switch (state) {
        case "scheduled":
        case "active":
            return "paid";
        case "payment-pending":
            return "pending";
        case "payment-failed":
            return "payment-failed";
        // not-found: what read and update store for a block EC2 no longer returns (./outputs.ts NOT_FOUND); nothing more happens to it.
        case "expired":
        case "not-found":
            return "ended";
        default:
            // assessing, delayed, unsupported, cancelling, pending, failed, cancelled, unavailable:
            // undocumented for blocks, reported as they are.
            return "not-usable";
    }
}

/**
 * The stored state will not change by itself into something up must act on: paid, or over. Any other (payment-pending,
 * payment-failed, undocumented) makes diff report a change, so update reads the block again (a refresh after a
 * partial failure runs the state-only provider, which cannot).
 */
export function isSettled(state: unknown): boolean {
    const cls = classifyState(String(state ?? "unknown"));
    return cls === "paid" || cls === "ended";
}

/**
 * States a bought block never leaves for a usable one. `payment-failed`: the upfront payment was not processed in
 * time and EC2 released the block (`State` in https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CapacityReservation.html).
 * The others belong to other reservation kinds but are terminal there too.
 */
const NEVER_USABLE_STATES = ["payment-failed", "cancelling", "cancelled", "failed", "unsupported"];

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

export function cancellationNotice(reservationId: string, endDate: string): string {
    return `Capacity Block ${reservationId} cannot be cancelled: destroying this resource only forgets it; ` +
        `the block stays paid and reserved until ${endDate}.`;
}

/** What destroy tells the user: a block that was never usable was not paid for; any other cannot be cancelled. */
export function forgetNotice(id: string, props: Record<string, unknown>): string {
    const state = String(props.state ?? "");
    if (state === "payment-failed") return `CapacityBlock ${id}: payment failed, so EC2 released it and it cost nothing; destroy only forgets it.`;
    if (neverUsableMessage(id, state, props.generation)) return `CapacityBlock ${id} is ${state}; destroy only forgets it (no AWS call).`;
    return cancellationNotice(id, String(props.endDate ?? "its end date"));
}

/** An error the dynamic provider host turns into ErrorResourceInitFailed: the block stays in state under `id`. */
export function blockKeptInState(message: string, id: string, outs: Record<string, unknown>): Error {
    return keptInState(message, id, outs, forgetNotice(id, outs));
}

// Extensions are sold from 56 days to 1 hour before a block's end, while it is scheduled or active
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-extend.html).
const EXTENSION_OPENS_BEFORE_END_MS = 56 * 24 * 3600_000;
const EXTENSION_CLOSES_BEFORE_END_MS = 3600_000;

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
