import { createHash } from "crypto";

/**
 * Tag on the reservation that ties it to one Pulumi resource and generation of a stack (project/stack/name/generation).
 * Every copy of that stack (two people's `dev` stacks in one account) computes the same token: it finds their blocks
 * too, and IDENTITY_TAG tells whose each one is.
 */
export const PURCHASE_TOKEN_TAG = "capblocks:purchase-token";
/** Tag on the reservation naming the copy of the stack that bought it: the `identity` input, a random id kept in state. */
export const IDENTITY_TAG = "capblocks:identity";
/** Tags written at purchase naming the Pulumi project and stack that bought the block (for people: `npm run blocks`). */
export const PROJECT_TAG = "capblocks:project";
export const STACK_TAG = "capblocks:stack";
/** Tags written at purchase so a block adopted later still knows what it cost and how long it was bought for. */
export const OFFERING_ID_TAG = "capblocks:offering-id";
export const UPFRONT_FEE_TAG = "capblocks:upfront-fee";
export const CURRENCY_TAG = "capblocks:currency";
export const DURATION_TAG = "capblocks:duration-hours";

/** Deterministic purchase token: the same project/stack/resource/generation always maps to the same token. */
export function purchaseToken(project: string, stack: string, name: string, generation: number): string {
    return createHash("sha256").update(`${project}/${stack}/${name}/${generation}`).digest("hex").slice(0, 32);
}
