/**
 * The nextStep output: what the user should do next, from the block's state, dates and zone and from what the stack
 * runs and keeps (pure, so every sentence is tested). It never suggests a key the stack's config refuses: a stack
 * that adopts its block is never told to bump `generation`.
 */
import type { SharedStorage } from "../config";

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

/** What the stack runs and keeps: it decides which steps apply and what still bills after a block. */
export interface StackShape {
    /** Buying (a generation bump buys the next block) or adopting one bought elsewhere (by id or SSM parameter). */
    reservation: { kind: "buy" } | { kind: "adopt"; parameterName?: string };
    /** The code-server box and its work volume (kept by `pulumi destroy` unless deleteWorkVolume; never deleted when adopted). */
    codeServer?: { workVolumeKept: boolean };
    /** The PCS cluster: in a VPC of its own (with a NAT gateway) or not, and its shared storage (kept or backed up by destroy unless deleteSharedStorage). */
    cluster?: { newVpc: boolean; sharedStorage: SharedStorage; deleteSharedStorage: boolean };
}

const RUN_UP = "run `pulumi up`";

/** What the user should do next about the block itself (the features add their own steps after it). */
export function nextStepFor(block: BlockMoment, stack: StackShape): string {
    const { state, startDate, endDate } = block;
    const launchLater = stack.codeServer
        ? ` Everything the code-server instance needs is built; ${RUN_UP} again after ${startDate} to launch it and set it up.`
        : "";
    if (block.boughtThisRun) return `The Capacity Block is bought on this run (${state}, starts ${startDate}).${launchLater}`;
    switch (state) {
        case "active":
            return `The Capacity Block is active until ${endDate}; EC2 terminates its instances 30 minutes before that.`;
        case "payment-pending":
        case "scheduled":
            return `The Capacity Block is ${state} and starts at ${startDate}.${launchLater}`;
        case "expired":
            return `The Capacity Block ended at ${endDate}; its instances are gone. ${continueStep(block, stack)} ${destroyStep(stack)}`;
        case "payment-failed":
            return (
                "EC2 could not take payment for the Capacity Block, so it released the block and charged nothing; no instance can run on it. " +
                (stack.reservation.kind === "buy"
                    ? "Fix the account's payment method (AWS Billing), then bump capblocks:reservation.generation, which buys a new block, and run `pulumi up`."
                    : `${capitalized(adoptAnother(stack.reservation.parameterName))}, then ${RUN_UP}.`)
            );
        default:
            return (
                `The Capacity Block is ${state}: instances cannot launch into it. ` +
                "Check it with `aws ec2 describe-capacity-reservations`, then run `pulumi refresh` and `pulumi up`."
            );
    }
}

/** Data the stack keeps in the block's AZ: a block elsewhere means a copy (the work volume) or mounts across AZs (FSx). */
function zonalData(stack: StackShape): string[] {
    return [
        ...(stack.codeServer ? ["the work volume"] : []),
        ...(stack.cluster?.sharedStorage === "fsx-lustre" ? ["FSx for Lustre"] : []),
    ];
}

function adoptAnother(parameterName: string | undefined): string {
    return parameterName
        ? `put another Capacity Block's id in SSM parameter ${parameterName}`
        : "set capblocks:reservation.id to another Capacity Block";
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** How to get the next block: a new generation when buying, another block when adopting. */
function continueStep({ availabilityZone }: BlockMoment, stack: StackShape): string {
    const zonal = zonalData(stack).join(" and ");
    if (stack.reservation.kind === "buy") {
        const near = zonal ? `; availabilityZones: [${availabilityZone}] keeps it next to ${zonal}` : "";
        return `To continue, bump capblocks:reservation.generation (it buys a new block${near}), then ${RUN_UP}.`;
    }
    const near = zonal ? ` (one in ${availabilityZone} stays next to ${zonal})` : "";
    return `To continue, ${adoptAnother(stack.reservation.parameterName)}${near}, then ${RUN_UP}.`;
}

/** "a", "a and b", "a, b and c". */
function listed(items: string[]): string {
    return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** What still bills after the block, and what `pulumi destroy` stops and keeps (README "What it costs"). */
function destroyStep(stack: StackShape): string {
    const billed: string[] = [];
    const kept: string[] = [];
    if (stack.codeServer) {
        billed.push("the work volume", "the password secret");
        if (stack.codeServer.workVolumeKept) kept.push("the work volume");
    }
    const cluster = stack.cluster;
    if (cluster) {
        billed.push(...(cluster.newVpc ? ["the NAT gateway"] : []), "the PCS controller", "the login node");
        if (cluster.sharedStorage === "efs") {
            billed.push("EFS");
            if (!cluster.deleteSharedStorage) kept.push("the EFS file system");
        }
        if (cluster.sharedStorage === "fsx-lustre") {
            billed.push("FSx for Lustre");
            if (!cluster.deleteSharedStorage) kept.push("a final backup of FSx for Lustre");
        }
    }
    const keeps = kept.length === 0 ? ""
        : kept.length === 1 ? `; it keeps ${kept[0]}, which bills by the GB-month until you delete it`
        : `; it keeps ${listed(kept)}, which bill by the GB-month until you delete them`;
    return `Otherwise \`pulumi destroy\` stops what still bills: ${listed(billed)}${keeps}. The block itself was paid at purchase and bills nothing more.`;
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
