import type { CapacityReservation } from "@aws-sdk/client-ec2";
import { backoffDelays } from "../shared/backoff";
import { clock } from "../shared/clock";
import { extensionHoursBought, findByToken, purchaseBlock, purchaseExtension, retryRead, searchExtensionOffers, searchOfferings } from "./ec2";
import type { Ec2 } from "./ec2";
import { classifyPurchaseError, errorText } from "./errors";
import type { CapacityBlockInputs } from "./inputs";
import { filterExtensionOffers, filterOfferings, noOfferingMessage, rankOfferings } from "./offerings";
import type { ExtensionOffer, Offering } from "./offerings";
import { PURCHASE_TOKEN_TAG } from "./token";

// Buying blocks and extensions. Neither purchase call has an idempotency token and neither can be undone
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PurchaseCapacityBlock.html): a purchase is sent at most
// once per offer, and an answer lost on the way is resolved by looking, never by buying again.

/** Offerings tried when the chosen one is sold between search and purchase. */
const MAX_PURCHASE_TRIES = 3;

/** Why buying from a list of offers ended with nothing bought, or with no telling whether EC2 bought. */
type NotBought<O> =
    /** EC2 said no: nothing was bought. */
    | { refused: O; error: unknown }
    /** The answer was lost and nothing shows that EC2 bought. */
    | { unanswered: O; error: unknown }
    /** Every offer tried was sold before it could be bought. */
    | { gone: O[] };

/**
 * Tries the offers in order, at most MAX_PURCHASE_TRIES: an offer sold meanwhile → the next one; a refusal → stop,
 * nothing bought; no answer → ask `lookForPurchase` a few times what was bought, and never buy again.
 */
async function purchaseFirstAvailable<O, R>(
    offers: O[],
    purchase: (offer: O) => Promise<R>,
    lookForPurchase: (offer: O) => Promise<R | undefined>,
): Promise<{ bought: R } | NotBought<O>> {
    const gone: O[] = [];
    for (const offer of offers.slice(0, MAX_PURCHASE_TRIES)) {
        try {
            return { bought: await purchase(offer) };
        } catch (error) {
            const outcome = classifyPurchaseError(error);
            if (outcome === "offering-gone") {
                gone.push(offer);
                continue;
            }
            if (outcome === "rejected") return { refused: offer, error };
            const bought = await lookAgain(() => lookForPurchase(offer));
            return bought === undefined ? { unanswered: offer, error } : { bought };
        }
    }
    return { gone };
}

/** Asks a few times, backing off: what was bought a moment ago may not be listed yet (eventual consistency). */
async function lookAgain<T>(look: () => Promise<T | undefined>): Promise<T | undefined> {
    for (const delay of [0, ...backoffDelays(2000, 15000, 60000)]) {
        await clock().sleep(delay);
        const found = await look().catch(() => undefined);
        if (found !== undefined) return found;
    }
    return undefined;
}

/** A read before any purchase failed even after retries: say so, and that no money was spent. */
export async function beforePurchase<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
        return await read();
    } catch (err) {
        throw new Error(`CapacityBlock: ${what} failed (${errorText(err)}) after retries; nothing was bought. Run \`pulumi up\` again in a few minutes.`);
    }
}

/** Buys the policy's pick, falling to the next offering if it was sold meanwhile; never resends a purchase. */
export async function buyBlock(ec2: Ec2, inputs: CapacityBlockInputs): Promise<{ reservation: CapacityReservation; offering: Offering }> {
    const offerings = await beforePurchase("searching Capacity Block offerings (DescribeCapacityBlockOfferings)", () => searchOfferings(ec2, inputs, clock().now()));
    const found = filterOfferings(offerings, inputs);
    const ranked = rankOfferings(found.affordable, inputs.selection);
    if (ranked.length === 0) throw new Error(`CapacityBlock: ${noOfferingMessage(inputs, found.cheapest)}`);
    const result = await purchaseFirstAvailable(
        ranked,
        async (offering) => ({ reservation: await purchaseBlock(ec2, inputs, offering), offering }),
        // Only the token tag can tell whether EC2 bought.
        async (offering) => {
            const reservation = await findByToken(ec2, inputs.purchaseToken);
            return reservation && { reservation, offering };
        },
    );
    if ("bought" in result) return result.bought;
    throw blockNotBought(result, inputs);
}

function blockNotBought(result: NotBought<Offering>, inputs: CapacityBlockInputs): Error {
    if ("refused" in result) {
        return new Error(`CapacityBlock: EC2 refused to buy ${result.refused.offeringId} (${errorText(result.error)}); nothing was bought.`);
    }
    if ("unanswered" in result) {
        const offering = result.unanswered;
        return new Error(`CapacityBlock: the purchase of ${offering.offeringId} (${offering.upfrontFee} ${offering.currencyCode}) ` +
            `got no answer (${errorText(result.error)}) and no block tagged ${PURCHASE_TOKEN_TAG}=${inputs.purchaseToken} is listed yet. ` +
            `It may or may not have been bought. Nothing more was bought. Run \`pulumi up\` again in a few minutes: ` +
            `it adopts the block by its token if it was bought, and searches again only if it was not.`);
    }
    return new Error(`CapacityBlock: the offerings ${result.gone.map((o) => o.offeringId).join(", ")} were sold before they could be bought; ` +
        "nothing was bought. Run `pulumi up` again to search anew.");
}

/** Buys a `hours` extension of block `id` at or under `ceiling`, the cheapest offer first; never resends a purchase. */
export async function buyExtension(ec2: Ec2, id: string, hours: number, ceiling: string): Promise<void> {
    const boughtBefore = await extensionHoursBought(ec2, id);
    // Every page, as the preview's quote searched them: up buys what preview showed.
    const { affordable, cheapest } = filterExtensionOffers(await retryRead(() => searchExtensionOffers(ec2, id, hours)), ceiling);
    if (affordable.length === 0) {
        const why = cheapest ? `the cheapest found is ${cheapest.upfrontFee} ${cheapest.currencyCode}`
            : "none is offered now (extensions are sold from 56 days to 1 hour before the end, while scheduled or active)";
        throw new Error(`CapacityBlock ${id}: no ${hours} h extension at or under maxUpfrontFee ${ceiling} USD; ${why}. Nothing was bought.`);
    }
    const result = await purchaseFirstAvailable(
        affordable,
        async (offer) => {
            await purchaseExtension(ec2, id, offer);
            return offer;
        },
        // The extension history tells whether it was bought.
        async (offer) => (await extensionHoursBought(ec2, id)) > boughtBefore ? offer : undefined,
    );
    if ("bought" in result) return;
    throw extensionNotBought(result, id, hours);
}

function extensionNotBought(result: NotBought<ExtensionOffer>, id: string, hours: number): Error {
    if ("refused" in result) return new Error(`CapacityBlock ${id}: EC2 refused the ${hours} h extension (${errorText(result.error)}); nothing was bought.`);
    if ("unanswered" in result) {
        return new Error(`CapacityBlock ${id}: the ${hours} h extension purchase got no answer (${errorText(result.error)}) and the extension history ` +
            "does not show it yet. Nothing more was bought. Run `pulumi up` again in a few minutes: it checks the history before buying.");
    }
    return new Error(`CapacityBlock ${id}: the ${hours} h extension offerings were sold before they could be bought; nothing was bought. Run \`pulumi up\` again.`);
}
