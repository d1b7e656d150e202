import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { clock } from "../shared/clock";
import { isKnown } from "../shared/unknown";
import { ec2For, findByToken, searchExtensionOffers, searchOfferings } from "./ec2";
import { errorText } from "./errors";
import { CEILING_CURRENCY } from "./fees";
import type { CapacityBlockInputs } from "./inputs";
import { extensionQuoteText, filterOfferings, quoteText } from "./offerings";
import { judgeSlot, preferUsable, sortByOwner, tagOf } from "./ownership";
import { currentExtensionPlan, slotBlocks } from "./purchase";
import { readRecord, recordStoreFor } from "./recordStore";
import { blockRecordName, unreadableRecordMessage } from "./records";
import { IDENTITY_TAG, PURCHASE_TOKEN_TAG } from "./token";

// check's quotes, shown by `pulumi preview`: what `up` would buy, searched and never bought. Preview must answer soon,
// so no read here waits out retries, and any failure becomes quote text.

/** The quote for a block not bought yet (a new resource or a new generation): what create would do. */
export async function quoteFor(inputs: CapacityBlockInputs): Promise<string> {
    const needed = ["instanceType", "instanceTypes", "acceleratorsPerInstance", "instanceCount", "durationHours", "maxUpfrontFee", "startAfter", "startBefore",
        "availabilityZones", "selection", "region"] as const;
    const unknown = needed.filter((k) => !isKnown(inputs[k]));
    if (unknown.length > 0) return `quote not available yet: ${unknown.join(", ")} known only during update; up searches before buying`;
    try {
        const ec2 = await ec2For(inputs, true);
        // What the slot already holds decides first, as in create: a block to adopt, or a reason to buy nothing.
        const name = blockRecordName(inputs.purchaseToken);
        const held = await readRecord(await recordStoreFor(ec2, true), name, false);
        const record = held?.record?.kind === "block" ? held.record : undefined;
        if (held && !record) return `nothing to buy: ${unreadableRecordMessage(name)}`;
        const verdict = judgeSlot(await slotBlocks(ec2, inputs.purchaseToken, record, false), record, name, inputs, clock().now());
        if (verdict.kind === "adopt") {
            const r = verdict.block;
            return `nothing to buy: up adopts ${r.CapacityReservationId} (${r.State}), the block this stack already bought with purchase token ${inputs.purchaseToken}`;
        }
        if (verdict.kind === "refuse") return `nothing to buy: ${verdict.message}`;
        const offerings = await searchOfferings(ec2, inputs, clock().now(), false);
        return quoteText(inputs.selection, filterOfferings(offerings, inputs), inputs);
    } catch (err) {
        return `quote not available: searching offerings failed (${errorText(err)}); up searches again and buys nothing above ${inputs.maxUpfrontFee} ${CEILING_CURRENCY}`;
    }
}

/**
 * This copy's block among those with the purchase token; else the one block bought before blocks carried an identity
 * (update tags it with this copy's identity).
 */
function ownBlock(blocks: CapacityReservation[], inputs: CapacityBlockInputs): CapacityReservation | undefined {
    const { mine, others } = sortByOwner(blocks, inputs.purchaseToken, inputs.identity);
    const untagged = others.filter((r) => tagOf(r, IDENTITY_TAG) === undefined);
    return preferUsable(mine) ?? (untagged.length === 1 ? untagged[0] : undefined);
}

/**
 * The quote when a bought block's durationHours grows: what update would do, by the same plan (./extension.ts) from
 * the live block. Check gets the old inputs, not the state: the block is found by its purchase token and identity.
 */
export async function extensionQuoteFor(inputs: CapacityBlockInputs): Promise<string> {
    const unknown = (["durationHours", "maxUpfrontFee", "region", "purchaseToken", "identity"] as const).filter((k) => !isKnown(inputs[k]));
    if (unknown.length > 0) {
        return `extension quote not available yet: ${unknown.join(", ")} known only during update; ` +
            `if durationHours grows, up searches extension offerings before buying and buys nothing above maxUpfrontFee`;
    }
    const failed = (what: string) => `extension quote not available: ${what}; up searches again and buys nothing above ${inputs.maxUpfrontFee} ${CEILING_CURRENCY}`;
    try {
        const ec2 = await ec2For(inputs, true);
        const r = ownBlock(await findByToken(ec2, inputs.purchaseToken, false), inputs);
        if (!r?.CapacityReservationId || !r.StartDate || !r.EndDate) {
            return failed(`no block tagged ${PURCHASE_TOKEN_TAG}=${inputs.purchaseToken} is listed in ${String(inputs.region)}`);
        }
        const id = r.CapacityReservationId;
        const { plan } = await currentExtensionPlan(ec2, await recordStoreFor(ec2, true), r, inputs.durationHours, false);
        if (plan.kind === "none") return `nothing to buy: ${plan.message}`;
        if (plan.kind === "refuse") return plan.message;
        return extensionQuoteText(id, plan.hours, await searchExtensionOffers(ec2, id, plan.hours), inputs.maxUpfrontFee);
    } catch (err) {
        return failed(`searching extension offerings failed (${errorText(err)})`);
    }
}
