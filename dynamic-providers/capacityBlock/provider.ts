import type * as pulumi from "@pulumi/pulumi";
import { awsSettingsFailures } from "../shared/awsCredentials";
import { withoutUndefined } from "../shared/checks";
import { clock } from "../shared/clock";
import { regionOf } from "../shared/region";
import { isKnown } from "../shared/unknown";
import { boughtBlockFailures, decideDiff, PURCHASE_ONLY_KEYS, tagChanges } from "./diff";
import { describeReservation, ec2For, extensionHistory, retag } from "./ec2";
import type { Ec2 } from "./ec2";
import { errorText } from "./errors";
import { checkFailures, withDefaults } from "./inputs";
import type { CapacityBlockInputs } from "./inputs";
import { describeOffering } from "./offerings";
import { inputsOnly, liveFields, NOT_FOUND, purchaseFields, totalUpfrontFee } from "./outputs";
import { waitUntilPaid } from "./payment";
import { buyBlock, extendBlock, findBoughtBlock } from "./purchase";
import { extensionQuoteFor, quoteFor } from "./quote";
import { recordStoreFor } from "./recordStore";
import { blockKeptInState, forgetNotice, isSettled, neverUsableMessage } from "./states";
import { IDENTITY_TAG } from "./token";

type Props = Record<string, unknown>;
type Tags = Record<string, string>;

/**
 * Fails an update of a block that can never be used (payment-failed, cancelled, …): an update that succeeded would
 * clear the engine's init error and leave the block silently unusable. A plain error: the engine keeps the state as
 * it was, and the message does not travel in an init-failure trailer (../shared/partialFailure.ts).
 * Reads only when the state last seen was not paid (a paid block does not go back to payment-failed).
 */
async function refuseNeverUsable(ec2: Ec2, id: string, olds: Props): Promise<void> {
    if (isSettled(olds.state)) return;
    const r = await describeReservation(ec2, id);
    const message = neverUsableMessage(id, r?.State ?? "not-found", olds.generation);
    if (message) throw new Error(message);
}

/** What the block cost with every extension EC2 lists for it; "unknown" when the history cannot be read. */
async function totalWithExtensions(ec2: Ec2, id: string, cost: Props): Promise<string> {
    const extensions = await extensionHistory(ec2, id).catch(() => undefined);
    return extensions ? totalUpfrontFee(String(cost.upfrontFee), String(cost.currencyCode ?? "USD"), extensions) : "unknown";
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
        // A purchase is still to come for a new resource or a new generation; else the block is bought, whatever its
        // token now (a renamed stack or project changes the token, and buys nothing).
        const purchaseComing = olds.purchaseToken === undefined || (olds.generation ?? 1) !== inputs.generation;
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
        // A block not yet paid, or never usable, keeps diffing as a change until it is paid or a new generation
        // replaces it: update reads it again and fails with the way out if its payment failed. After a refresh the
        // engine has no init error left to force that update, and refresh itself may have run the state-only provider.
        const unsettled = decision.replaces.length === 0 && !isSettled(olds.state);
        // delete makes no AWS call, so the order of delete and create on replacement does not matter.
        return { changes: decision.changes || unsettled, replaces: decision.replaces, deleteBeforeReplace: false };
    },

    async create(props: Props): Promise<pulumi.dynamic.CreateResult> {
        const inputs = props as unknown as CapacityBlockInputs;
        const ec2 = await ec2For(props);
        const store = await recordStoreFor(ec2);
        const adopted = await findBoughtBlock(ec2, store, inputs);
        const { reservation, offering } = adopted ? { reservation: adopted, offering: undefined } : await buyBlock(ec2, store, inputs);
        const id = reservation.CapacityReservationId as string;
        const cost = purchaseFields(reservation, offering, inputs.durationHours);
        // A block adopted by its token may have been extended since: its extensions count too.
        cost.totalUpfrontFee = offering ? cost.upfrontFee : await totalWithExtensions(ec2, id, cost);
        const bought = withoutUndefined({ ...inputsOnly(props), ...liveFields(reservation), ...cost });
        clock().notify(offering
            ? `CapacityBlock: bought ${id}: ${describeOffering(offering)}. It cannot be cancelled.`
            : `CapacityBlock: adopted ${id}, found by its purchase token ${inputs.purchaseToken}; nothing was bought.`);
        return { id, outs: await waitUntilPaid(ec2, bought) };
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
        // A block bought before blocks carried an identity gets this copy's, so this copy finds it as its own.
        if (typeof inputs.identity === "string" && inputs.identity !== olds.identity) set[IDENTITY_TAG] = inputs.identity;
        await retag(ec2, id, set, remove);
        // The block keeps its token: only a new generation buys another block, and that replaces. A purchase setting the
        // inputs no longer name is dropped, or diff would see it removed again on every up.
        const outs: Props = { ...inputsOnly(olds), ...inputsOnly(inputs), purchaseToken: olds.purchaseToken ?? inputs.purchaseToken };
        for (const key of PURCHASE_ONLY_KEYS) if (!(key in inputs)) delete outs[key];
        if (decision.extensionHours > 0) {
            await extendBlock(ec2, await recordStoreFor(ec2), id, inputs as unknown as CapacityBlockInputs);
            outs.totalUpfrontFee = await totalWithExtensions(ec2, id, olds);
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
