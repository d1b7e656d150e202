/** The nextStep output: what the user should do next, from the block's state, dates and zone (pure). */

export interface BlockMoment {
    state: string;
    /** ISO 8601. */
    startDate: string;
    /** ISO 8601. */
    endDate: string;
    availabilityZone: string;
    /** The program-time lookup did not find the block: this run is the one buying it. */
    boughtThisRun?: boolean;
}

/** What the user should do next, from the block's state, dates and zone. */
export function nextStepFor({ state, startDate, endDate, availabilityZone, boughtThisRun }: BlockMoment): string {
    if (boughtThisRun) {
        return `The Capacity Block is bought on this run (${state}, starts ${startDate}); run \`pulumi up\` again once it is active to launch the instance and set it up.`;
    }
    switch (state) {
        case "active":
            return `The Capacity Block is active until ${endDate}; EC2 terminates its instances 30 minutes before that.`;
        case "payment-pending":
        case "scheduled":
            return `The Capacity Block is ${state} and starts at ${startDate}; everything that does not need a running instance is built. Run \`pulumi up\` again after ${startDate} to launch the instance and set it up.`;
        case "expired":
            return (
                `The Capacity Block ended at ${endDate}; its instances are gone; retained storage (the work volume, EFS) stays in ${availabilityZone}. ` +
                `To continue, bump capblocks:reservation.generation (buys a new block; set availabilityZones: [${availabilityZone}] ` +
                "so it lands next to that storage) or adopt another block there, then run `pulumi up`."
            );
        default:
            return `The Capacity Block is ${state}: instances cannot launch into it. Check it with \`aws ec2 describe-capacity-reservations\`, then run \`pulumi refresh\` and \`pulumi up\` once it is active.`;
    }
}

interface BlockHandover {
    /** The block the instances stay on. */
    inUse: { id: string; generation: number; endDate: string };
    /** The configured generation's block, bought but not active yet (id unknown before the purchase). */
    next: { id?: string; generation: number; state: string; startDate: string };
}

/** While a new generation's block is not active yet: the instances stay on the old one, and when they move. */
export function nextStepWhileNextBlockStarts({ inUse, next }: BlockHandover): string {
    const nextBlock = next.id ? `Capacity Block ${next.id}` : "the Capacity Block";
    const gap = Date.parse(next.startDate) > Date.parse(inUse.endDate)
        ? ` Between ${inUse.endDate} and ${next.startDate} no block is active and the instances are gone; the work volume stays.`
        : "";
    return `The instances stay on Capacity Block ${inUse.id} (generation ${inUse.generation}), active until ${inUse.endDate}; ` +
        `EC2 terminates its instances 30 minutes before that. Generation ${next.generation}'s ${nextBlock} is ${next.state} and starts at ` +
        `${next.startDate}: run \`pulumi up\` after ${next.startDate} to move them there (the instance is replaced; the work volume moves with it).${gap}`;
}

/** A purchase that chooses the type among several: nothing is built on the block on this run. */
export function typeChosenByPurchaseNote(candidates: string[]): string {
    return `Its type is chosen by the purchase among ${candidates.join(", ")} (the cheapest per accelerator-hour; blockInstanceType says which), ` +
        "so nothing is built on it yet: the next `pulumi up` builds the code-server box and the cluster for that type.";
}
