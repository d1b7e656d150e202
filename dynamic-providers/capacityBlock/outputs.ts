import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { withoutUndefined } from "../shared/checks";
import { covers, nominalHours, spanHours } from "./durations";
import type { HistoryEntry } from "./extension";
import { sumFees } from "./fees";
import type { Offering } from "./offerings";
import { tagOf } from "./ownership";
import { cancellationNotice } from "./states";
import { CURRENCY_TAG, DURATION_TAG, OFFERING_ID_TAG, UPFRONT_FEE_TAG } from "./token";

type Props = Record<string, unknown>;

/** What read and update report for a block EC2 no longer returns: kept in state, never dropped (the next up would buy again). */
export const NOT_FOUND: Props = { state: "not-found", availableInstanceCount: 0 };

/** The outputs EC2 decides: what the block really is now. */
export function liveFields(r: CapacityReservation): Props {
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

/**
 * What the purchase cost and the hours bought: from the offering bought now (the hours asked), or for a block adopted
 * by its token from the tags written then. An adopted block that already has the hours asked keeps them as its
 * duration; a shorter one gets the whole days it fully spans, so diff sees the difference and update extends it.
 * Never hours rounded from its dates (a block starting today has extra minutes).
 */
export function purchaseFields(reservation: CapacityReservation, offering: Offering | undefined, wantedHours: number): Props {
    const tag = (key: string) => tagOf(reservation, key);
    const spanned = spanHours(reservation.StartDate, reservation.EndDate) ?? wantedHours;
    return {
        offeringId: offering?.offeringId ?? tag(OFFERING_ID_TAG) ?? "unknown (adopted by purchase token)",
        upfrontFee: offering?.upfrontFee ?? tag(UPFRONT_FEE_TAG) ?? "unknown",
        currencyCode: offering?.currencyCode ?? tag(CURRENCY_TAG) ?? "unknown",
        durationHours: offering || covers(spanned, wantedHours) ? wantedHours : Math.floor(spanned / 24) * 24,
        purchasedDurationHours: offering ? wantedHours : Number(tag(DURATION_TAG)) || nominalHours(spanned),
    };
}

/**
 * What the block cost with its extensions: the purchase fee plus every extension bought and not payment-failed
 * (paid, or still being paid). "unknown" when a fee is unknown or the currencies differ.
 */
export function totalUpfrontFee(blockFee: string, currencyCode: string, extensions: Pick<HistoryEntry, "upfrontFee" | "currencyCode" | "status">[]): string {
    const counted = extensions.filter((e) => e.status !== "payment-failed");
    if (counted.some((e) => (e.currencyCode ?? currencyCode) !== currencyCode)) return "unknown";
    return sumFees([blockFee, ...counted.map((e) => e.upfrontFee ?? "unknown")]) ?? "unknown";
}

/** The inputs among stored properties: without the preview quote and the serialized provider. */
export function inputsOnly(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => k !== "quote" && k !== "__provider"));
}
