import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { withoutUndefined } from "../shared/checks";
import type { Offering } from "./offerings";
import { cancellationNotice } from "./states";
import { CURRENCY_TAG, OFFERING_ID_TAG, UPFRONT_FEE_TAG } from "./token";

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

/** What the purchase cost: from the offering bought now, or from the tags written then for a block adopted by its token. */
export function purchaseFields(reservation: CapacityReservation, offering: Offering | undefined): Props {
    const tag = (key: string) => reservation.Tags?.find((t) => t.Key === key)?.Value;
    return {
        offeringId: offering?.offeringId ?? tag(OFFERING_ID_TAG) ?? "unknown (adopted by purchase token)",
        upfrontFee: offering?.upfrontFee ?? tag(UPFRONT_FEE_TAG) ?? "unknown",
        currencyCode: offering?.currencyCode ?? tag(CURRENCY_TAG) ?? "USD",
    };
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Exact sum of decimal strings ("840.00" + "720.5" = "1560.50"); undefined when one is not a decimal. */
function decimalSum(fees: string[]): string | undefined {
    if (!fees.every((f) => DECIMAL.test(f))) return undefined;
    const places = Math.max(0, ...fees.map((f) => f.split(".")[1]?.length ?? 0));
    const scaled = (f: string) => BigInt(f.replace(".", "") + "0".repeat(places - (f.split(".")[1]?.length ?? 0)));
    const total = fees.reduce((sum, f) => sum + scaled(f), 0n).toString().padStart(places + 1, "0");
    return places === 0 ? total : `${total.slice(0, -places)}.${total.slice(-places)}`;
}

/** An extension as DescribeCapacityBlockExtensionHistory reports it. */
export interface ExtensionFee {
    upfrontFee?: string;
    currencyCode?: string;
    status?: string;
}

/**
 * What the block cost with its extensions: the purchase fee plus every extension bought and not payment-failed
 * (paid, or still being paid). "unknown" when a fee is unknown or the currencies differ.
 */
export function totalUpfrontFee(blockFee: string, currencyCode: string, extensions: ExtensionFee[]): string {
    const counted = extensions.filter((e) => e.status !== "payment-failed");
    if (counted.some((e) => (e.currencyCode ?? currencyCode) !== currencyCode)) return "unknown";
    return decimalSum([blockFee, ...counted.map((e) => e.upfrontFee ?? "unknown")]) ?? "unknown";
}

/** The inputs among stored properties: without the preview quote and the serialized provider. */
export function inputsOnly(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => k !== "quote" && k !== "__provider"));
}
