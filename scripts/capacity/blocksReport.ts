/**
 * What `npm run blocks` prints (pure): the account's Capacity Blocks, and whose each one is by the tags capblocks
 * writes at purchase (purchase token and copy identity; project and stack since capblocks tags them).
 */
import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { tagOf } from "../../dynamic-providers/capacityBlock/ownership";
import { CURRENCY_TAG, IDENTITY_TAG, PROJECT_TAG, PURCHASE_TOKEN_TAG, STACK_TAG, UPFRONT_FEE_TAG } from "../../dynamic-providers/capacityBlock/token";
import { table, utcMinute } from "./table";

/** The capblocks stack that bought a block, as its tags say. */
export interface CapblocksOwner {
    purchaseToken: string;
    /** The copy of the stack (a random id in its state); null for blocks bought before copies were tagged. */
    identity: string | null;
    /** Null for blocks bought before capblocks tagged them. */
    project: string | null;
    stack: string | null;
}

export interface BlockRow {
    region: string;
    id: string;
    state: string;
    startDate: string | null;
    endDate: string | null;
    instanceType: string;
    instanceCount: number;
    availableInstanceCount: number;
    availabilityZone: string;
    instancePlatform: string | null;
    /** What the purchase cost, from the tag capblocks writes; null for a block bought otherwise. */
    upfrontFee: string | null;
    currencyCode: string | null;
    /** Null: no capblocks stack bought it (console, CLI, another tool). */
    capblocks: CapblocksOwner | null;
    /** The SSM parameters (the seed scripts' names) that hold this block's id. */
    publishedIn: string[];
}

/** A parameter of the seed scripts' names found in a Region: the block id (reservation-id) or the subnet (subnet-id) it holds. */
export interface PublishedId {
    region: string;
    kind: "reservation-id" | "subnet-id";
    name: string;
    value: string;
}

export function blockRow(region: string, r: CapacityReservation, published: PublishedId[]): BlockRow {
    const tag = (key: string) => tagOf(r, key) ?? null;
    const token = tag(PURCHASE_TOKEN_TAG);
    const id = r.CapacityReservationId ?? "";
    const date = (d: Date | undefined) => (d ? new Date(d).toISOString() : null);
    return {
        region, id, state: r.State ?? "unknown", startDate: date(r.StartDate), endDate: date(r.EndDate),
        instanceType: r.InstanceType ?? "unknown", instanceCount: r.TotalInstanceCount ?? 0, availableInstanceCount: r.AvailableInstanceCount ?? 0,
        availabilityZone: r.AvailabilityZone ?? "unknown", instancePlatform: r.InstancePlatform ?? null,
        upfrontFee: tag(UPFRONT_FEE_TAG), currencyCode: tag(CURRENCY_TAG),
        capblocks: token === null ? null : { purchaseToken: token, identity: tag(IDENTITY_TAG), project: tag(PROJECT_TAG), stack: tag(STACK_TAG) },
        publishedIn: published.filter((p) => p.kind === "reservation-id" && p.region === region && p.value.trim() === id).map((p) => p.name),
    };
}

/** Earliest start first (undated last), then by Region and id. */
export function sortBlocks(rows: BlockRow[]): BlockRow[] {
    const start = (r: BlockRow) => (r.startDate ? Date.parse(r.startDate) : Infinity);
    return [...rows].sort((a, b) => start(a) - start(b) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
}

/** "capblocks ml/dev", "capblocks (stack not tagged)", or "-" for a block no capblocks stack bought. */
export function ownerText(owner: CapblocksOwner | null): string {
    if (!owner) return "-";
    const copy = owner.identity ? `, copy ${owner.identity.slice(0, 8)}` : "";
    return owner.project && owner.stack ? `capblocks ${owner.project}/${owner.stack}${copy}` : `capblocks (stack not tagged${copy})`;
}

export function blocksTable(rows: BlockRow[]): string {
    const headers = ["ID", "STATE", "START (UTC)", "END (UTC)", "TYPE", "INSTANCES", "AZ", "FEE", "BOUGHT BY"];
    const cells = rows.map((r) => [
        r.id + (r.publishedIn.length ? " *" : ""), r.state, r.startDate ? utcMinute(new Date(r.startDate)) : "?", r.endDate ? utcMinute(new Date(r.endDate)) : "?",
        r.instanceType, `${r.availableInstanceCount}/${r.instanceCount}`, r.availabilityZone,
        r.upfrontFee ? `${r.upfrontFee} ${r.currencyCode ?? ""}`.trim() : "-", ownerText(r.capblocks),
    ]);
    return table(headers, cells, [5]);
}

/** What each seed parameter holds, under the table: the block marked *, an id not listed above, or the subnet. */
export function publishedNotes(published: PublishedId[], rows: BlockRow[]): string[] {
    return published.map((p) => {
        if (p.kind === "subnet-id") return `${p.name} holds ${p.value.trim()}`;
        const listed = rows.some((r) => r.region === p.region && r.id === p.value.trim());
        return listed ? `* ${p.name} holds ${p.value.trim()}` : `${p.name} holds ${JSON.stringify(p.value)}, which is not a Capacity Block listed in ${p.region}`;
    });
}
