/**
 * The blockQuote output when this run buys nothing (pure). When it would buy, the quote is the CapacityBlock
 * resource's own (its check searched EC2): the block `up` buys, or the extension, with price and ceiling.
 */

/** The block of this generation is bought: only a longer duration or a new generation buys again. */
export function alreadyBoughtQuote(id: string, generation: number): string {
    return `nothing to buy: Capacity Block ${id} (generation ${generation}) is bought; up buys again only for a longer ` +
        "capblocks:reservation.durationHours (an extension, bounded by maxUpfrontFee) or a new generation";
}

export function adoptedQuote(id: string): string {
    return `nothing to buy: Capacity Block ${id} is adopted (capblocks:reservation.id or parameterName); capblocks never buys or extends it`;
}

export const ON_DEMAND_QUOTE = "nothing to buy: no capblocks:reservation; instances run on demand, billed by the hour until `pulumi destroy`";
