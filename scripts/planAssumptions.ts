/**
 * What the offline plan assumes AWS would answer, from the validated stack config and the command line: the block's
 * state, dates and size, and the storage and secrets the config adopts. Pure: the mocks answer from the result.
 */
import type { StackConfig } from "../components/config";
import type { Assumptions, BlockFacts } from "./offlineMocks";
import { assumedStart } from "./offlineMocks";

/** The block states the plan can assume (`none`: not bought yet, or, adopting, no such block). */
export const BLOCK_STATES = ["none", "payment-pending", "scheduled", "active", "expired", "payment-failed"] as const;
export type AssumedBlockState = (typeof BLOCK_STATES)[number];

/** The id an adopted block is assumed to have when the config names it by SSM parameter. */
const ASSUMED_ADOPTED_ID = "cr-0adbeef0000000001";
/** The id of the block a buy config's last deployment is assumed to have bought. */
const ASSUMED_BOUGHT_ID = "cr-0b0b0000000000001";
/** The type of an adopted block whose config names none (`up` reads it from the block). */
const ASSUMED_ADOPTED_TYPE = "trn2.3xlarge";
const HOUR = 3600_000;

export interface AssumedBlock {
    state: AssumedBlockState;
    /** An adopted block's instance count (--block-count); a bought block has the config's. */
    count?: number;
}

/** What the mocks answer, and the sentences that say what was assumed beyond what the mocks report themselves. */
export interface PlanAssumptions {
    assumptions: Assumptions;
    assumed: string[];
}

/**
 * The smallest adopted block this config can use, when --block-count does not say: one instance, or, with a
 * cluster, one for code-server (when it shares the block) plus the compute nodes it keeps running (at least one).
 */
export function leastUsableCount(cfg: StackConfig): number {
    if (!cfg.cluster.enabled) return 1;
    return (cfg.codeServer.enabled ? 1 : 0) + Math.max(1, cfg.cluster.computeMinCount);
}

const ceilingPaid = (fee: string) => `the block costs its ceiling, ${fee} USD (the most up pays)`;

/** Blocks start and end at 11:30 UTC: the last such moment at or before `now`. */
function lastBoundary(now: Date): number {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 11, 30);
    return today <= now.getTime() ? today : today - 24 * HOUR;
}

/** When an assumed block starts: an active one at the last 11:30 UTC, an expired one ended before that, others tomorrow. */
function startOf(state: AssumedBlockState, hours: number, now: Date): string {
    if (state === "active") return new Date(lastBoundary(now)).toISOString();
    if (state === "expired") return new Date(lastBoundary(now) - (hours + 24) * HOUR).toISOString();
    return assumedStart(now);
}

/** The mocks' answers for this config and assumed block, and what the plan must say it assumed. */
export function assumptionsFor(cfg: StackConfig, block: AssumedBlock, now = new Date()): PlanAssumptions {
    const region = cfg.region;
    const r = cfg.reservation;
    const availabilityZone = (r?.kind === "buy" ? r.availabilityZones?.[0] : undefined) ?? cfg.codeServer.availabilityZone ?? `${region}a`;
    // The plan shows what `pulumi preview` would: the quote of a block still to buy.
    const a: Assumptions = { region, availabilityZone, amiId: "ami-0example000000001", preview: true };
    const assumed: string[] = [];
    // Storage the config adopts is assumed to exist where it can be used.
    const volumeId = cfg.codeServer.workVolumeId;
    if (volumeId) a.volumes = { [volumeId]: { availabilityZone, encrypted: true, sizeGb: 200 } };
    const fileSystemId = cfg.cluster.sharedFileSystemId;
    if (fileSystemId) a.fileSystems = { [fileSystemId]: { encrypted: true } };
    const secrets = Object.values(cfg.codeServer.secrets ?? {});
    if (secrets.length) a.secrets = secrets;
    if (!r) return { assumptions: a, assumed };

    const id = r.kind === "adopt" ? r.id ?? ASSUMED_ADOPTED_ID : ASSUMED_BOUGHT_ID;
    if (block.state === "none") {
        if (r.kind === "buy") {
            assumed.push("block state not bought yet (choose with --block-state)");
            assumed.push("this stack has no outputs yet (its first deployment): nothing is recorded as bought");
            assumed.push(`the block bought on this run is in ${availabilityZone} and starts ${assumedStart(now)}`);
            assumed.push(ceilingPaid(r.maxUpfrontFee));
        } else {
            // Adopting, `none` means the config names no block yet: the parameter is missing, or no block has the id.
            assumed.push(r.parameterName
                ? `block state none: SSM parameter ${r.parameterName} does not exist yet, so it names no block (choose another state with --block-state)`
                : `block state none: no Capacity Block ${id} exists (choose another state with --block-state)`);
        }
        return { assumptions: a, assumed };
    }

    if (r.kind === "adopt" && r.parameterName) a.parameters = { [r.parameterName]: id };
    assumed.push(`block state ${block.state} (choose with --block-state)`);
    // The block was bought by the stack's last deployment, which recorded it in its outputs.
    if (r.kind === "buy") {
        a.previousOutputs = { blockId: id, blockGeneration: String(r.generation) };
        assumed.push(`this stack's last deployment recorded block ${id} (generation ${r.generation}) in its outputs`);
        assumed.push(ceilingPaid(r.maxUpfrontFee));
    }
    const count = r.kind === "buy" ? r.instanceCount : block.count ?? leastUsableCount(cfg);
    if (r.kind === "adopt") {
        assumed.push(block.count !== undefined
            ? `the adopted block has ${count} instance(s) (--block-count)`
            : `the adopted block has ${count} instance(s), the fewest this config can use (give its real size with --block-count N)`);
    }
    // A block bought among several types: the first; an adopted block of no stated type: the box's, else one assumed.
    const instanceType = r.instanceType ?? (r.kind === "buy" ? r.instanceTypes?.[0] : undefined) ?? (cfg.codeServer.instanceType || ASSUMED_ADOPTED_TYPE);
    if (r.instanceType === undefined) {
        assumed.push(r.kind === "buy"
            ? `the purchase chooses ${instanceType}, the first of capblocks:reservation.instanceTypes`
            : `the adopted block's type is ${instanceType} (up reads it from the block)`);
    }
    const hours = r.kind === "buy" ? r.durationHours : 24;
    const startDate = startOf(block.state, hours, now);
    const facts: BlockFacts = {
        id,
        instanceType,
        instanceCount: count,
        availabilityZone,
        state: block.state,
        startDate,
        endDate: new Date(Date.parse(startDate) + hours * HOUR).toISOString(),
    };
    a.block = facts;
    // An active block's box launches from the dev image the last deployment baked in the 48 hours before it.
    if (block.state === "active" && cfg.codeServer.enabled && cfg.codeServer.prebake !== false && cfg.codeServer.setup !== false && !cfg.cluster.enabled) {
        a.previousOutputs = { ...(a.previousOutputs ?? { blockId: id }), devImageId: ASSUMED_DEV_IMAGE };
        assumed.push(`this stack's last deployment baked the dev image ${ASSUMED_DEV_IMAGE} before the block started (capblocks:codeServer.prebake)`);
    }
    return { assumptions: a, assumed };
}

/** The dev image the plan assumes the last deployment baked before an active block. */
const ASSUMED_DEV_IMAGE = "ami-0baked00000000001";
