/**
 * What the stack's last deployment recorded about its blocks, read from its own stack outputs. A stack reference
 * to the stack itself reads the backend's last snapshot (the engine's builtin provider: readStackReference →
 * backend GetStackOutputs, for the DIY backend the checkpoint file's root outputs; an empty map before the first
 * deployment). The block is then known by its reservation id, whatever the stack or project is called now and
 * whatever purchase token a new generation gets. docs/aws-notes.md#reading-the-stacks-own-outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { previousDeployment } from "../shared/previousDeployment";

/** A block the last deployment knew, by id, with the generation it was bought for. */
export interface KnownBlock {
    id: string;
    /** Undefined in outputs written before capblocks recorded it. */
    generation?: number;
}

export interface PreviousBlocks {
    /** The block the instances ran on (stack output blockId). */
    inUse?: KnownBlock;
    /** A newer generation's block, bought while the instances stayed on `inUse` (stack output nextBlockId). */
    next?: KnownBlock;
    /** What `inUse` cost (stack outputs blockUpfrontFee, blockCurrency): kept while a newer block is bought. */
    upfrontFee?: string;
    currencyCode?: string;
    /** The type of `inUse` (stack output blockInstanceType): what a block bought among several types turned out to be. */
    instanceType?: string;
}

/** The stack outputs read here (written by components/program.ts reservationOutputs). */
const OUTPUT_NAMES = ["blockId", "blockGeneration", "nextBlockId", "nextBlockGeneration", "blockUpfrontFee", "blockCurrency", "blockInstanceType"] as const;
type OutputName = (typeof OUTPUT_NAMES)[number];

const CR_ID = /^cr-[0-9a-f]{8,17}$/;

/** The known blocks in the last deployment's outputs (pure); anything that is not a block id is ignored. */
export function previousBlocksFrom(outputs: Partial<Record<OutputName, unknown>>): PreviousBlocks {
    const block = (id: unknown, generation: unknown): KnownBlock | undefined => {
        if (typeof id !== "string" || !CR_ID.test(id)) return undefined;
        const g = Number(generation);
        return Number.isInteger(g) && g >= 1 ? { id, generation: g } : { id };
    };
    const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    const found: PreviousBlocks = {
        inUse: block(outputs.blockId, outputs.blockGeneration),
        next: block(outputs.nextBlockId, outputs.nextBlockGeneration),
        upfrontFee: text(outputs.blockUpfrontFee),
        currencyCode: text(outputs.blockCurrency),
        instanceType: text(outputs.blockInstanceType),
    };
    return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)) as PreviousBlocks;
}

/** The last deployment's blocks, read from this stack's own outputs; nothing on the first deployment. */
export async function previousBlocks(): Promise<PreviousBlocks> {
    const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    const previous = previousDeployment();
    try {
        const values = await Promise.all(OUTPUT_NAMES.map(async (name) => [name, await previous.value(name)] as const));
        return previousBlocksFrom(Object.fromEntries(values));
    } catch (err) {
        throw new pulumi.RunError(`capblocks:reservation: could not read this stack's last outputs (${self}) to find the block it bought: ` +
            `${(err as Error)?.message ?? String(err)}; nothing was bought. Check access to the Pulumi backend and run the command again.`);
    }
}
