import { clock } from "../shared/clock";
import { isKnown } from "../shared/unknown";
import { hoursBetween, extensionHoursMissing } from "./durations";
import { ec2For, extensionHistoryHours, findByToken, searchExtensionOffers, searchOfferings } from "./ec2";
import { errorText } from "./errors";
import type { CapacityBlockInputs } from "./inputs";
import { extensionQuoteText, filterOfferings, quoteText } from "./offerings";
import { extensionClosedReason } from "./states";
import { PURCHASE_TOKEN_TAG } from "./token";

// check's quotes, shown by `pulumi preview`: what `up` would buy, searched and never bought. Preview must answer soon,
// so no read here waits out retries, and any failure becomes quote text.

/** The quote for a block not bought yet (a new resource or a new generation). */
export async function quoteFor(inputs: CapacityBlockInputs): Promise<string> {
    const needed = ["instanceType", "instanceCount", "durationHours", "maxUpfrontFee", "startAfter", "startBefore", "availabilityZones", "selection", "region"] as const;
    const unknown = needed.filter((k) => !isKnown(inputs[k]));
    if (unknown.length > 0) return `quote not available yet: ${unknown.join(", ")} known only during update; up searches before buying`;
    try {
        const ec2 = await ec2For(inputs, true);
        const offerings = await searchOfferings(ec2, inputs, clock().now(), false);
        return quoteText(inputs.selection, filterOfferings(offerings, inputs), inputs);
    } catch (err) {
        return `quote not available: searching offerings failed (${errorText(err)}); up searches again and buys nothing above ${inputs.maxUpfrontFee} USD`;
    }
}

/**
 * The quote when a bought block's durationHours grows: the extension update would buy. Check gets the old inputs,
 * not the state: the block is found by its purchase token.
 */
export async function extensionQuoteFor(inputs: CapacityBlockInputs): Promise<string> {
    const unknown = (["durationHours", "maxUpfrontFee", "region", "purchaseToken"] as const).filter((k) => !isKnown(inputs[k]));
    if (unknown.length > 0) {
        return `extension quote not available yet: ${unknown.join(", ")} known only during update; ` +
            `if durationHours grows, up searches extension offerings before buying and buys nothing above maxUpfrontFee`;
    }
    const failed = (what: string) => `extension quote not available: ${what}; up searches again and buys nothing above ${inputs.maxUpfrontFee} USD`;
    try {
        const ec2 = await ec2For(inputs, true);
        const r = await findByToken(ec2, inputs.purchaseToken, false);
        if (!r?.CapacityReservationId || !r.EndDate) {
            return failed(`no block tagged ${PURCHASE_TOKEN_TAG}=${inputs.purchaseToken} is listed in ${String(inputs.region)}`);
        }
        const id = r.CapacityReservationId;
        const closed = extensionClosedReason(id, r.State ?? "unknown", new Date(r.EndDate), new Date(clock().now()));
        if (closed) return closed;
        const liveHours = hoursBetween(r.StartDate, r.EndDate) ?? 0;
        // Bought but not yet paid: not in the end date yet, and not to be bought again.
        const pendingHours = await extensionHistoryHours(ec2, id, (status) => status === "payment-pending");
        const hours = extensionHoursMissing(inputs.durationHours, liveHours, pendingHours);
        if (hours === 0) return `nothing to buy: ${id} already has ${inputs.durationHours} h, counting extensions paid or pending; up buys no extension`;
        return extensionQuoteText(id, hours, await searchExtensionOffers(ec2, id, hours), inputs.maxUpfrontFee);
    } catch (err) {
        return failed(`searching extension offerings failed (${errorText(err)})`);
    }
}
