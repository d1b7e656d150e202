import type { CapacityReservation, EC2Client } from "@aws-sdk/client-ec2";
import { awsClientConfig } from "../shared/awsCredentials";
import type { AwsSettings } from "../shared/awsCredentials";
import { backoffDelays } from "../shared/backoff";
import { clock } from "../shared/clock";
import { regionOf } from "../shared/region";
import { isNotFoundError, isRetryableReadError } from "./errors";
import type { CapacityBlockInputs } from "./inputs";
import type { ExtensionOffer, Offering } from "./offerings";
import type { ExtensionFee } from "./outputs";
import { classifyState } from "./states";
import { CURRENCY_TAG, OFFERING_ID_TAG, PURCHASE_TOKEN_TAG, UPFRONT_FEE_TAG } from "./token";

// The EC2 calls of CapacityBlock. The SDK is loaded inside ec2For, never at module scope: the provider is serialized
// into Pulumi state and must capture no SDK module.

export interface Ec2 {
    sdk: typeof import("@aws-sdk/client-ec2");
    /** Reads (and idempotent tag writes): the SDK's adaptive retry handles throttling. */
    reads: EC2Client;
    /** PurchaseCapacityBlock(Extension) has no idempotency token: the SDK must never resend it. */
    purchases: EC2Client;
}

/**
 * Clients for the resource's region, signed with the stack's AWS account settings (the `aws` input).
 * `quick`: for preview, which must answer soon even without network or credentials.
 */
export async function ec2For(props: { region?: unknown; aws?: unknown }, quick = false): Promise<Ec2> {
    const region = regionOf(props);
    if (!region) throw new Error("CapacityBlock: no AWS region; run `pulumi config set aws:region <region>` (or set AWS_REGION)");
    const sdk = await import("@aws-sdk/client-ec2");
    const account = await awsClientConfig(props.aws as AwsSettings | undefined, region);
    const requestHandler = { connectionTimeout: 5000, requestTimeout: 60000 };
    return {
        sdk,
        reads: new sdk.EC2Client({ ...account, retryMode: "adaptive", maxAttempts: quick ? 2 : 5, requestHandler }),
        purchases: new sdk.EC2Client({ ...account, maxAttempts: 1, requestHandler }),
    };
}

/** Retries a read on throttling and transient errors (on top of the SDK's own retries), with the injectable clock. */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
    const delays = backoffDelays(1000, 8000, 30000);
    for (let attempt = 0; ; attempt++) {
        try {
            return await read();
        } catch (err) {
            if (!isRetryableReadError(err) || attempt >= delays.length) throw err;
            await clock().sleep(delays[attempt]);
        }
    }
}

/** Every page of DescribeCapacityBlockOfferings for the inputs; `patient`: retry reads (not in preview). */
export async function searchOfferings(ec2: Ec2, inputs: CapacityBlockInputs, now: number, patient = true): Promise<Offering[]> {
    const earliest = Math.max(now, inputs.startAfter ? new Date(inputs.startAfter).getTime() : now);
    const latestEnd = inputs.startBefore ? new Date(inputs.startBefore).getTime() + inputs.durationHours * 3600_000 : undefined;
    const search = async () => {
        const offerings: Offering[] = [];
        const pages = ec2.sdk.paginateDescribeCapacityBlockOfferings({ client: ec2.reads }, {
            InstanceType: inputs.instanceType,
            InstanceCount: inputs.instanceCount,
            CapacityDurationHours: inputs.durationHours,
            StartDateRange: new Date(earliest),
            EndDateRange: latestEnd === undefined ? undefined : new Date(latestEnd),
        });
        for await (const page of pages) {
            for (const o of page.CapacityBlockOfferings ?? []) {
                if (!o.CapacityBlockOfferingId || !o.StartDate || !o.EndDate || !o.AvailabilityZone || !o.UpfrontFee) continue;
                offerings.push({
                    offeringId: o.CapacityBlockOfferingId,
                    instanceType: o.InstanceType ?? inputs.instanceType,
                    instanceCount: o.InstanceCount ?? inputs.instanceCount,
                    availabilityZone: o.AvailabilityZone,
                    startDate: new Date(o.StartDate),
                    endDate: new Date(o.EndDate),
                    durationHours: o.CapacityBlockDurationHours ?? inputs.durationHours,
                    upfrontFee: o.UpfrontFee,
                    currencyCode: o.CurrencyCode ?? "USD",
                });
            }
        }
        return offerings;
    };
    return patient ? retryRead(search) : search();
}

/** Every page of DescribeCapacityBlockExtensionOfferings for extending block `id` by `hours`. */
export async function searchExtensionOffers(ec2: Ec2, id: string, hours: number): Promise<ExtensionOffer[]> {
    const offers: ExtensionOffer[] = [];
    const pages = ec2.sdk.paginateDescribeCapacityBlockExtensionOfferings({ client: ec2.reads }, {
        CapacityReservationId: id, CapacityBlockExtensionDurationHours: hours,
    });
    for await (const page of pages) {
        for (const o of page.CapacityBlockExtensionOfferings ?? []) {
            if (!o.CapacityBlockExtensionOfferingId || !o.UpfrontFee) continue;
            offers.push({
                offeringId: o.CapacityBlockExtensionOfferingId,
                hours: o.CapacityBlockExtensionDurationHours ?? hours,
                newEndDate: o.CapacityBlockExtensionEndDate ? new Date(o.CapacityBlockExtensionEndDate) : undefined,
                upfrontFee: o.UpfrontFee,
                currencyCode: o.CurrencyCode ?? "USD",
            });
        }
    }
    return offers;
}

/** Blocks tagged with this resource's purchase token; a usable one before a payment-failed one. */
export async function findByToken(ec2: Ec2, token: string, patient = true): Promise<CapacityReservation | undefined> {
    const lookup = async () => {
        const all: CapacityReservation[] = [];
        const pages = ec2.sdk.paginateDescribeCapacityReservations({ client: ec2.reads }, {
            Filters: [{ Name: `tag:${PURCHASE_TOKEN_TAG}`, Values: [token] }],
        });
        for await (const page of pages) all.push(...(page.CapacityReservations ?? []));
        // The API model has no reservation-type filter: filter on ReservationType in code.
        return all.filter((r) => r.ReservationType === undefined || r.ReservationType === "capacity-block");
    };
    const found = patient ? await retryRead(lookup) : await lookup();
    return found.find((r) => classifyState(r.State ?? "") !== "payment-failed") ?? found[0];
}

/** The block as EC2 describes it now, or undefined when EC2 no longer knows it. */
export async function describeReservation(ec2: Ec2, id: string): Promise<CapacityReservation | undefined> {
    try {
        const describe = () => ec2.reads.send(new ec2.sdk.DescribeCapacityReservationsCommand({ CapacityReservationIds: [id] }));
        const out = await retryRead(describe);
        return out.CapacityReservations?.find((r) => r.CapacityReservationId === id);
    } catch (err) {
        if (isNotFoundError(err)) return undefined;
        throw err;
    }
}

/**
 * Hours of extension in the block's DescribeCapacityBlockExtensionHistory whose status `counts`, e.g. bought and not
 * failed, or bought and still payment-pending.
 */
export async function extensionHistoryHours(ec2: Ec2, id: string, counts: (status: string | undefined) => boolean): Promise<number> {
    let hours = 0;
    const pages = ec2.sdk.paginateDescribeCapacityBlockExtensionHistory({ client: ec2.reads }, { CapacityReservationIds: [id] });
    for await (const page of pages) {
        for (const e of page.CapacityBlockExtensions ?? []) {
            if (e.CapacityReservationId !== id || !counts(e.CapacityBlockExtensionStatus)) continue;
            hours += e.CapacityBlockExtensionDurationHours ?? 0;
        }
    }
    return hours;
}

/** Every extension in the block's DescribeCapacityBlockExtensionHistory, with its fee and payment status. */
export async function extensionFees(ec2: Ec2, id: string): Promise<ExtensionFee[]> {
    const read = async () => {
        const fees: ExtensionFee[] = [];
        const pages = ec2.sdk.paginateDescribeCapacityBlockExtensionHistory({ client: ec2.reads }, { CapacityReservationIds: [id] });
        for await (const page of pages) {
            for (const e of page.CapacityBlockExtensions ?? []) {
                if (e.CapacityReservationId !== id) continue;
                fees.push({ upfrontFee: e.UpfrontFee, currencyCode: e.CurrencyCode, status: e.CapacityBlockExtensionStatus });
            }
        }
        return fees;
    };
    return retryRead(read);
}

/** Hours of extension bought for the block and not failed (paid or payment still pending). */
export function extensionHoursBought(ec2: Ec2, id: string): Promise<number> {
    return retryRead(() => extensionHistoryHours(ec2, id, (status) => status !== "payment-failed"));
}

/**
 * PurchaseCapacityBlock: buys `offering`, tagging the block with the user's tags, the purchase token and what it cost.
 * Sent once: an answer without a reservation counts as a lost answer (EmptyAnswer).
 */
export async function purchaseBlock(ec2: Ec2, inputs: CapacityBlockInputs, offering: Offering): Promise<CapacityReservation> {
    const tags = [
        ...Object.entries(inputs.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        { Key: PURCHASE_TOKEN_TAG, Value: inputs.purchaseToken },
        { Key: OFFERING_ID_TAG, Value: offering.offeringId },
        { Key: UPFRONT_FEE_TAG, Value: offering.upfrontFee },
        { Key: CURRENCY_TAG, Value: offering.currencyCode },
    ];
    const out = await ec2.purchases.send(new ec2.sdk.PurchaseCapacityBlockCommand({
        CapacityBlockOfferingId: offering.offeringId,
        InstancePlatform: inputs.instancePlatform as never,
        TagSpecifications: [{ ResourceType: "capacity-reservation", Tags: tags }],
    }));
    if (out.CapacityReservation?.CapacityReservationId) return out.CapacityReservation;
    throw Object.assign(new Error("PurchaseCapacityBlock answered without a CapacityReservation"), { name: "EmptyAnswer" });
}

/** PurchaseCapacityBlockExtension: extends block `id` with `offer`. Sent once. */
export async function purchaseExtension(ec2: Ec2, id: string, offer: ExtensionOffer): Promise<void> {
    await ec2.purchases.send(new ec2.sdk.PurchaseCapacityBlockExtensionCommand({
        CapacityReservationId: id, CapacityBlockExtensionOfferingId: offer.offeringId,
    }));
}

/** Sets and removes the user's tags on the block (capblocks' own tags are never in `set` or `remove`). */
export async function retag(ec2: Ec2, id: string, set: Record<string, string>, remove: string[]): Promise<void> {
    if (Object.keys(set).length > 0) {
        const tags = Object.entries(set).map(([Key, Value]) => ({ Key, Value }));
        await retryRead(() => ec2.reads.send(new ec2.sdk.CreateTagsCommand({ Resources: [id], Tags: tags })));
    }
    if (remove.length > 0) {
        await retryRead(() => ec2.reads.send(new ec2.sdk.DeleteTagsCommand({ Resources: [id], Tags: remove.map((Key) => ({ Key })) })));
    }
}
