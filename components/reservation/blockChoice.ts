/**
 * Which of a buy config's blocks the instances use (pure). A new generation buys a new block while the old one may
 * still be active: the instances stay on the old one until the new one is active, so a generation bump made to
 * buy the next block ahead never takes an instance off a paid, running block.
 */
import type { KnownBlock, PreviousBlocks } from "./previousDeployment";

interface KnownBlockIds {
    /** This generation's block, if the last deployment recorded one. */
    current?: string;
    /** A block of another generation the last deployment recorded. */
    older?: Required<KnownBlock>;
}

/** The block ids the last deployment recorded, sorted by generation against the configured one. */
export function knownBlockIds(previous: PreviousBlocks, generation: number): KnownBlockIds {
    const blocks = [previous.inUse, previous.next].filter((b): b is KnownBlock => b !== undefined);
    // Outputs written before generations were recorded name one block: the one of the generation configured then,
    // taken to be the configured one (a bump in the same run as the upgrade is then seen one run late).
    const generationOf = (b: KnownBlock) => b.generation ?? generation;
    const current = blocks.find((b) => generationOf(b) === generation);
    const older = blocks.find((b) => generationOf(b) !== generation);
    return {
        ...(current ? { current: current.id } : {}),
        ...(older ? { older: { id: older.id, generation: generationOf(older) } } : {}),
    };
}

/** EC2 state in which instances can launch into a Capacity Block (EC2 user guide, "Capacity Blocks for ML"). */
export const LAUNCHABLE_STATE = "active";

/** "older" while this generation's block is not active (or not bought yet) and the older one still is. */
export function blockInUse(currentState: string | undefined, olderState: string | undefined): "current" | "older" {
    if (currentState === LAUNCHABLE_STATE) return "current";
    return olderState === LAUNCHABLE_STATE ? "older" : "current";
}
