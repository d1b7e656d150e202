import { createHash } from "crypto";

/** Tag key that marks a Capacity Block with the token of the Pulumi resource that bought it. */
export const PURCHASE_TOKEN_TAG = "capblocks:purchase-token";

/**
 * The deterministic token a CapacityBlock resource tags its purchase with. The same inputs always give the
 * same token, so a retried `pulumi up` (or the program-time state lookup) finds the block already bought
 * instead of buying another; bumping `generation` is the one deliberate way to get a new token.
 */
export function purchaseTokenFor(project: string, stack: string, name: string, generation: number): string {
    return createHash("sha256").update(JSON.stringify([project, stack, name, generation])).digest("hex");
}
