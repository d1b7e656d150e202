import type * as pulumi from "@pulumi/pulumi";
import { awsSettingsFailures } from "../shared/awsCredentials";
import { withoutUndefined } from "../shared/checks";
import { clock } from "../shared/clock";
import { regionOf } from "../shared/region";
import { isKnown } from "../shared/unknown";
import { boughtBlockFailures, decideDiff, tagChanges } from "./diff";
import { hoursBetween } from "./durations";
import { describeReservation, ec2For, extensionFees, extensionHoursBought, findByToken, retag } from "./ec2";
import type { Ec2 } from "./ec2";
import { errorText } from "./errors";
import { checkFailures, withDefaults } from "./inputs";
import type { CapacityBlockInputs } from "./inputs";
import { describeOffering } from "./offerings";
import { inputsOnly, liveFields, NOT_FOUND, purchaseFields, totalUpfrontFee } from "./outputs";
import { waitUntilPaid } from "./payment";
import { beforePurchase, buyBlock, buyExtension } from "./purchase";
import { extensionQuoteFor, quoteFor } from "./quote";
import { blockKeptInState, classifyState, forgetNotice, neverUsableMessage } from "./states";

type Props = Record<string, unknown>;
type Tags = Record<string, string>;

/**
 * Fails an update of a block that can never be used (payment-failed, cancelled, …): an update that succeeded would
 * clear the engine's init error and leave the block silently unusable. A plain error: the engine keeps the state as
 * it was, and the message does not travel in an init-failure trailer (../shared/partialFailure.ts).
 * Reads only when the state last seen was not paid (a paid block does not go back to payment-failed).
 */
async function refuseNeverUsable(ec2: Ec2, id: string, olds: Props): Promise<void> {
    const seen = classifyState(String(olds.state ?? "unknown"));
    if (seen === "paid" || seen === "ended") return;
    const r = await describeReservation(ec2, id);
    const message = neverUsableMessage(id, r?.State ?? "not-found", olds.generation);
    if (message) throw new Error(message);
}

/** A bought block's durationHours grows (or is not known yet): update may buy an extension. Valid steps passed check. */
function extensionMayBeComing(oldInputs: Props, inputs: Props): boolean {
    if (!isKnown(inputs.durationHours)) return true;
    return typeof oldInputs.durationHours === "number" && Number(inputs.durationHours) > oldInputs.durationHours;
}

export const capacityBlockProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const inputs = withDefaults(news);
        if (inputs.region === undefined) inputs.region = regionOf(inputs);
        // A purchase is still to come for a new resource or a new generation (a new token); else the block is bought.
        const purchaseComing = olds.purchaseToken !== news.purchaseToken;
        const failures = checkFailures(inputs, new Date(clock().now()), purchaseComing);
        if (!purchaseComing) failures.push(...boughtBlockFailures(olds, inputs));
        if (inputs.region === undefined) failures.push({ property: "region", reason: "no AWS region: run `pulumi config set aws:region <region>` (or set AWS_REGION)" });
        if (news.purchaseToken === undefined) failures.push({ property: "purchaseToken", reason: "purchaseToken is required (the CapacityBlock class derives it)" });
        failures.push(...awsSettingsFailures(inputs.aws));
        delete inputs.quote;
        if (failures.length > 0) return { inputs: withoutUndefined(inputs), failures };
        // The quote rides in the checked inputs only when up may buy: the engine answers a preview's create or update
        // with them and the program logs it (docs/aws-notes.md#the-preview-quote). An old quote is never carried on.
        if (purchaseComing) {
            inputs.quote = await quoteFor(inputs as unknown as CapacityBlockInputs);
        } else if (extensionMayBeComing(olds, inputs)) {
            inputs.quote = await extensionQuoteFor(inputs as unknown as CapacityBlockInputs);
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
        const ec2 = await ec2For(props);
        const adopted = await beforePurchase(`looking up a block already bought with purchase token ${inputs.purchaseToken} (DescribeCapacityReservations)`,
            () => findByToken(ec2, inputs.purchaseToken));
        const { reservation, offering } = adopted ? { reservation: adopted, offering: undefined } : await buyBlock(ec2, inputs);
        const id = reservation.CapacityReservationId as string;
        const cost = purchaseFields(reservation, offering);
        // A block adopted by its token may have been extended since: its extensions count too.
        const extensions = offering ? [] : await extensionFees(ec2, id).catch(() => [{ upfrontFee: "unknown" }]);
        cost.totalUpfrontFee = totalUpfrontFee(String(cost.upfrontFee), String(cost.currencyCode), extensions);
        const bought = withoutUndefined({ ...inputsOnly(props), ...liveFields(reservation), ...cost });
        clock().notify(offering
            ? `CapacityBlock: bought ${id}: ${describeOffering(offering)}. It cannot be cancelled.`
            : `CapacityBlock: adopted ${id}, found by its purchase token ${inputs.purchaseToken}; nothing was bought.`);
        const outs = await waitUntilPaid(ec2, bought);
        const purchased = hoursBetween(outs.startDate, outs.endDate) ?? inputs.durationHours;
        return { id, outs: { ...outs, durationHours: purchased, purchasedDurationHours: purchased } };
    },

    async read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
        const current = props ?? {};
        const ec2 = await ec2For(current);
        const r = await describeReservation(ec2, id);
        const live = r ? liveFields(r) : NOT_FOUND;
        // Refresh reports a block that can never be used; it does not fail, and the next up does.
        const unusable = neverUsableMessage(id, String(live.state), current.generation);
        if (unusable) clock().notify(unusable);
        return { id, props: { ...inputsOnly(current), ...live } };
    },

    async update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        const inputs = withDefaults(news);
        const decision = decideDiff(olds, inputs);
        // The region cannot change without a new generation; the credentials are the new ones.
        const ec2 = await ec2For({ region: olds.region, aws: inputs.aws });
        await refuseNeverUsable(ec2, id, olds);
        const { set, remove } = tagChanges(olds.tags as Tags | undefined, inputs.tags as Tags | undefined);
        await retag(ec2, id, set, remove);
        // The block keeps its token: a token can only change with the generation, and that replaces.
        const outs: Props = { ...inputsOnly(olds), ...inputsOnly(inputs), purchaseToken: olds.purchaseToken };
        if (decision.extensionHours > 0) {
            const base = Number(olds.purchasedDurationHours ?? olds.durationHours);
            const missing = Number(inputs.durationHours) - base - await extensionHoursBought(ec2, id);
            if (missing > 0) await buyExtension(ec2, id, missing, String(inputs.maxUpfrontFee));
            outs.totalUpfrontFee = totalUpfrontFee(String(olds.upfrontFee), String(olds.currencyCode ?? "USD"),
                await extensionFees(ec2, id).catch(() => [{ upfrontFee: "unknown" }]));
        }
        try {
            const r = await describeReservation(ec2, id);
            return { outs: withoutUndefined({ ...outs, ...(r ? liveFields(r) : NOT_FOUND) }) };
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
