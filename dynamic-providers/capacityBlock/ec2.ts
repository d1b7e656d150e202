import type { CapacityReservation, EC2Client } from "@aws-sdk/client-ec2";
import { awsClientConfig } from "../shared/awsCredentials";
import type { AwsSettings } from "../shared/awsCredentials";
import { backoffDelays } from "../shared/backoff";
import { clock } from "../shared/clock";
import { allPages } from "../shared/pages";
import { regionOf } from "../shared/region";
import { isNotFoundError, isRetryableReadError } from "./errors";
import type { HistoryEntry } from "./extension";
import type { CapacityBlockInputs } from "./inputs";
import { typesOf } from "./inputs";
import type { ExtensionOffer, Offering } from "./offerings";
import type { OfferingFacts } from "./records";
import { CURRENCY_TAG, DURATION_TAG, IDENTITY_TAG, OFFERING_ID_TAG, PROJECT_TAG, PURCHASE_TOKEN_TAG, STACK_TAG, UPFRONT_FEE_TAG } from "./token";

/** The currency of an offer EC2 gave none for: never the ceiling's, so never bought. */
const NO_CURRENCY = "(no currency stated)";

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

/** What a search asks for: the types (one search each), the count and hours, and the window of starts. */
export type OfferingSearch = Pick<CapacityBlockInputs, "instanceType" | "instanceTypes" | "instanceCount" | "durationHours" | "startAfter" | "startBefore">;

/**
 * Every page of DescribeCapacityBlockOfferings for each type asked, one type after another; `patient`: retry reads
 * (not in preview). Only reads: `npm run offerings` searches with it too.
 */
export async function searchOfferings(ec2: Pick<Ec2, "sdk" | "reads">, inputs: OfferingSearch, now: number, patient = true): Promise<Offering[]> {
    const found: Offering[] = [];
    for (const instanceType of typesOf(inputs)) found.push(...await searchOfferingsOf(ec2, instanceType, inputs, now, patient));
    return found;
}

async function searchOfferingsOf(ec2: Pick<Ec2, "sdk" | "reads">, instanceType: string, inputs: OfferingSearch, now: number, patient: boolean): Promise<Offering[]> {
    const earliest = Math.max(now, inputs.startAfter ? new Date(inputs.startAfter).getTime() : now);
    const latestEnd = inputs.startBefore ? new Date(inputs.startBefore).getTime() + inputs.durationHours * 3600_000 : undefined;
    const search = () => allPages("DescribeCapacityBlockOfferings", (settings) => ec2.sdk.paginateDescribeCapacityBlockOfferings({ client: ec2.reads, ...settings }, {
        InstanceType: instanceType,
        InstanceCount: inputs.instanceCount,
        CapacityDurationHours: inputs.durationHours,
        StartDateRange: new Date(earliest),
        EndDateRange: latestEnd === undefined ? undefined : new Date(latestEnd),
    }));
    const pages = patient ? await retryRead(search) : await search();
    return pages.flatMap((page) => (page.CapacityBlockOfferings ?? []).flatMap((o): Offering[] => {
        if (!o.CapacityBlockOfferingId || !o.StartDate || !o.EndDate || !o.AvailabilityZone || o.UpfrontFee === undefined) return [];
        return [{
            offeringId: o.CapacityBlockOfferingId,
            instanceType: o.InstanceType ?? instanceType,
            instanceCount: o.InstanceCount ?? inputs.instanceCount,
            availabilityZone: o.AvailabilityZone,
            startDate: new Date(o.StartDate),
            endDate: new Date(o.EndDate),
            upfrontFee: o.UpfrontFee,
            currencyCode: o.CurrencyCode ?? NO_CURRENCY,
        }];
    }));
}

/** Every page of DescribeCapacityBlockExtensionOfferings for extending block `id` by `hours`. */
export async function searchExtensionOffers(ec2: Ec2, id: string, hours: number): Promise<ExtensionOffer[]> {
    const pages = await allPages("DescribeCapacityBlockExtensionOfferings", (settings) =>
        ec2.sdk.paginateDescribeCapacityBlockExtensionOfferings({ client: ec2.reads, ...settings }, {
            CapacityReservationId: id, CapacityBlockExtensionDurationHours: hours,
        }));
    return pages.flatMap((page) => (page.CapacityBlockExtensionOfferings ?? []).flatMap((o): ExtensionOffer[] => {
        if (!o.CapacityBlockExtensionOfferingId || o.UpfrontFee === undefined) return [];
        return [{
            offeringId: o.CapacityBlockExtensionOfferingId,
            hours: o.CapacityBlockExtensionDurationHours ?? hours,
            newEndDate: o.CapacityBlockExtensionEndDate ? new Date(o.CapacityBlockExtensionEndDate) : undefined,
            upfrontFee: o.UpfrontFee,
            currencyCode: o.CurrencyCode ?? NO_CURRENCY,
        }];
    }));
}

/** Capacity Blocks among reservations (the API model has no reservation-type filter: filtered in code). */
export function blocksIn(pages: { CapacityReservations?: CapacityReservation[] }[]): CapacityReservation[] {
    return pages.flatMap((p) => p.CapacityReservations ?? []).filter((r) => r.ReservationType === undefined || r.ReservationType === "capacity-block");
}

/** Every block tagged with the purchase token, whichever copy of the stack bought it (see ./ownership.ts). */
export async function findByToken(ec2: Ec2, token: string, patient = true): Promise<CapacityReservation[]> {
    const lookup = () => allPages("DescribeCapacityReservations", (settings) => ec2.sdk.paginateDescribeCapacityReservations({ client: ec2.reads, ...settings }, {
        Filters: [{ Name: `tag:${PURCHASE_TOKEN_TAG}`, Values: [token] }],
    }));
    return blocksIn(patient ? await retryRead(lookup) : await lookup());
}

/**
 * Blocks with an offering's type, zone, count and start, ending at or after its end (a paid extension moves the
 * end): a second witness of a purchase whose tags the tag filter does not list yet.
 */
export async function findByFacts(ec2: Ec2, facts: OfferingFacts, patient = true): Promise<CapacityReservation[]> {
    const lookup = () => allPages("DescribeCapacityReservations", (settings) => ec2.sdk.paginateDescribeCapacityReservations({ client: ec2.reads, ...settings }, {
        Filters: [{ Name: "instance-type", Values: [facts.instanceType] }, { Name: "availability-zone", Values: [facts.availabilityZone] }],
    }));
    const pages = patient ? await retryRead(lookup) : await lookup();
    const at = (d: unknown) => (d ? new Date(d as Date).getTime() : NaN);
    return blocksIn(pages).filter((r) => r.TotalInstanceCount === facts.instanceCount &&
        at(r.StartDate) === Date.parse(facts.startDate) && at(r.EndDate) >= Date.parse(facts.endDate));
}

/** The block as EC2 describes it now, or undefined when EC2 no longer knows it. */
export async function describeReservation(ec2: Ec2, id: string, patient = true): Promise<CapacityReservation | undefined> {
    try {
        const describe = () => ec2.reads.send(new ec2.sdk.DescribeCapacityReservationsCommand({ CapacityReservationIds: [id] }));
        const out = await (patient ? retryRead(describe) : describe());
        return out.CapacityReservations?.find((r) => r.CapacityReservationId === id);
    } catch (err) {
        if (isNotFoundError(err)) return undefined;
        throw err;
    }
}

/** Every extension DescribeCapacityBlockExtensionHistory lists for block `id`. */
export async function extensionHistory(ec2: Ec2, id: string, patient = true): Promise<HistoryEntry[]> {
    const read = () => allPages("DescribeCapacityBlockExtensionHistory", (settings) =>
        ec2.sdk.paginateDescribeCapacityBlockExtensionHistory({ client: ec2.reads, ...settings }, { CapacityReservationIds: [id] }));
    const pages = patient ? await retryRead(read) : await read();
    return pages.flatMap((p) => p.CapacityBlockExtensions ?? []).filter((e) => e.CapacityReservationId === id).map((e) => ({
        offeringId: e.CapacityBlockExtensionOfferingId, hours: e.CapacityBlockExtensionDurationHours ?? 0, status: e.CapacityBlockExtensionStatus,
        upfrontFee: e.UpfrontFee, currencyCode: e.CurrencyCode,
    }));
}

/**
 * PurchaseCapacityBlock: buys `offering`, tagging the block with the user's tags, the purchase token, the identity of
 * this copy of the stack, and what it cost. Sent once: an answer without a reservation counts as a lost answer (EmptyAnswer).
 */
export async function purchaseBlock(ec2: Ec2, inputs: CapacityBlockInputs, offering: Offering): Promise<CapacityReservation> {
    const tags = [
        ...Object.entries(inputs.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        { Key: PURCHASE_TOKEN_TAG, Value: inputs.purchaseToken },
        { Key: IDENTITY_TAG, Value: inputs.identity },
        { Key: OFFERING_ID_TAG, Value: offering.offeringId },
        { Key: UPFRONT_FEE_TAG, Value: offering.upfrontFee },
        { Key: CURRENCY_TAG, Value: offering.currencyCode },
        { Key: DURATION_TAG, Value: String(inputs.durationHours) },
        ...(inputs.project ? [{ Key: PROJECT_TAG, Value: inputs.project }] : []),
        ...(inputs.stack ? [{ Key: STACK_TAG, Value: inputs.stack }] : []),
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
