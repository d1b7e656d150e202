import { createHash } from "crypto";

/** Tag on the reservation that ties it to one Pulumi resource and generation. */
export const PURCHASE_TOKEN_TAG = "capblocks:purchase-token";
/** Tags written at purchase so a block adopted by its token still knows what it cost. */
export const OFFERING_ID_TAG = "capblocks:offering-id";
export const UPFRONT_FEE_TAG = "capblocks:upfront-fee";
export const CURRENCY_TAG = "capblocks:currency";

/** Deterministic purchase token: the same project/stack/resource/generation always maps to the same block. */
export function purchaseToken(project: string, stack: string, name: string, generation: number): string {
    return createHash("sha256").update(`${project}/${stack}/${name}/${generation}`).digest("hex").slice(0, 32);
}
