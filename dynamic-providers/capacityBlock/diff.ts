import { sameAwsSettings } from "../shared/awsCredentials";
import type { CheckFailure } from "../shared/checks";
import { isKnown } from "../shared/unknown";
import { extensionHours } from "./durations";

/** Inputs whose change would mean another block: replaced only with a generation bump. */
const BLOCK_IDENTITY_KEYS = ["instanceType", "instanceCount", "instancePlatform", "region"] as const;
/**
 * Inputs that only steer a purchase: changing them after purchase buys nothing. The list of acceptable types is one of
 * them as long as it still holds the type bought (typeChange).
 */
export const PURCHASE_ONLY_KEYS = ["maxUpfrontFee", "startAfter", "startBefore", "availabilityZones", "selection", "instanceTypes", "acceleratorsPerInstance"] as const;

interface DiffDecision {
    changes: boolean;
    replaces: string[];
    /** Hours of extension the update must buy (0: none). */
    extensionHours: number;
}

function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Diff of a bought block. Throws (with the reason and the way out) when the change would buy a second,
 * non-cancellable block without a generation bump, or shorten a block.
 */
export function decideDiff(olds: Record<string, unknown>, news: Record<string, unknown>): DiffDecision {
    const oldGeneration = olds.generation ?? 1;
    const newGeneration = news.generation ?? 1;
    const generationChanged = !same(oldGeneration, newGeneration);
    // A value unknown during preview is not yet a change: update re-runs this decision with the real value.
    const identityChanges: string[] = BLOCK_IDENTITY_KEYS.filter((k) => news[k] !== undefined && isKnown(news[k]) && !same(olds[k], news[k]));
    if (typeLeftOut(olds.instanceType, news.instanceTypes)) identityChanges.push("instanceTypes");
    const unknownIdentity = [...BLOCK_IDENTITY_KEYS, "instanceTypes"].some((k) => !isKnown(news[k]));
    if (generationChanged) {
        return { changes: true, replaces: [...identityChanges, "generation"], extensionHours: 0 };
    }
    if (identityChanges.length > 0) {
        const detail = identityChanges.map((k) => k === "instanceTypes"
            ? `instanceTypes to ${JSON.stringify(news.instanceTypes)}, which leaves out ${JSON.stringify(olds.instanceType)}, the type of the block bought,`
            : `${k} ${JSON.stringify(olds[k])} → ${JSON.stringify(news[k])}`).join(", ");
        throw new Error(`CapacityBlock: ${secondBlockRefusal(detail, oldGeneration, `block ${String(olds.reservationId)} stays paid until ${String(olds.endDate)}`)}`);
    }
    const extension = extensionHoursFor(olds, news);
    // A new identity (a block bought before identities existed) is tagged on the block by update.
    const otherChanges = [...PURCHASE_ONLY_KEYS, "tags", "identity"].some((k) => isKnown(news[k]) ? !same(olds[k], news[k]) : true);
    // New credentials (another profile, role or keys) are stored by an update that buys nothing: refresh uses them.
    const credentialsChanged = !isKnown(news.aws) || !sameAwsSettings(olds.aws, news.aws);
    return { changes: extension > 0 || otherChanges || unknownIdentity || credentialsChanged, replaces: [], extensionHours: extension };
}

/** A list of acceptable types, known, that no longer holds the type bought: it would take another block. */
function typeLeftOut(boughtType: unknown, types: unknown): boolean {
    return typeof boughtType === "string" && Array.isArray(types) && isKnown(types) && !types.includes(boughtType);
}

/**
 * The types old inputs allowed and the new ones allow, when they cannot both hold the type bought (check sees inputs,
 * not the block: the type bought is one of the old ones). Undefined when they may.
 */
function typeChoiceChange(oldInputs: Record<string, unknown>, newInputs: Record<string, unknown>): { property: string; detail: string } | undefined {
    const allowed = (inputs: Record<string, unknown>): string[] | undefined => {
        if (Array.isArray(inputs.instanceTypes)) return isKnown(inputs.instanceTypes) ? inputs.instanceTypes as string[] : undefined;
        return typeof inputs.instanceType === "string" && isKnown(inputs.instanceType) ? [inputs.instanceType] : undefined;
    };
    const before = allowed(oldInputs);
    const after = allowed(newInputs);
    if (!before || !after || before.some((t) => after.includes(t))) return undefined;
    const property = Array.isArray(newInputs.instanceTypes) ? "instanceTypes" : "instanceType";
    const shown = (types: string[]) => (types.length === 1 ? JSON.stringify(types[0]) : JSON.stringify(types));
    return { property, detail: `the instance type ${shown(before)} → ${shown(after)}` };
}

function secondBlockRefusal(detail: string, oldGeneration: unknown, paidUntil: string): string {
    return `changing ${detail} would buy a second Capacity Block, and blocks cannot be cancelled (${paidUntil}). ` +
        `To buy the new block on purpose, also bump generation (${String(oldGeneration)} → ${Number(oldGeneration) + 1}); ` +
        `otherwise revert the change.`;
}

/**
 * diff's refusals, as check failures on the property, for a block already bought (old inputs → new inputs, same
 * purchase token). The dynamic-provider host prints a Diff error's JavaScript stack trace to the user; a check
 * failure shows as that property's problem, in preview too. diff still refuses against what the block really is.
 */
export function boughtBlockFailures(oldInputs: Record<string, unknown>, newInputs: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const comparable = (k: string) => oldInputs[k] !== undefined && newInputs[k] !== undefined && isKnown(newInputs[k]);
    const generation = oldInputs.generation ?? 1;
    if (!same(generation, newInputs.generation ?? 1)) return failures;
    const paidUntil = "the bought block stays paid until its end date";
    for (const k of BLOCK_IDENTITY_KEYS) {
        if (!comparable(k) || same(oldInputs[k], newInputs[k])) continue;
        const detail = `${k} ${JSON.stringify(oldInputs[k])} → ${JSON.stringify(newInputs[k])}`;
        failures.push({ property: k, reason: secondBlockRefusal(detail, generation, paidUntil) });
    }
    const typeChange = failures.some((f) => f.property === "instanceType") ? undefined : typeChoiceChange(oldInputs, newInputs);
    if (typeChange) failures.push({ property: typeChange.property, reason: secondBlockRefusal(typeChange.detail, generation, paidUntil) });
    if (comparable("durationHours") && typeof oldInputs.durationHours === "number" && typeof newInputs.durationHours === "number") {
        try {
            extensionHours(oldInputs.durationHours, newInputs.durationHours);
        } catch (err) {
            failures.push({ property: "durationHours", reason: (err as Error).message.replace(/^CapacityBlock: /, "") });
        }
    }
    return failures;
}

function extensionHoursFor(olds: Record<string, unknown>, news: Record<string, unknown>): number {
    const before = Number(olds.durationHours);
    const after = news.durationHours;
    if (!isKnown(after) || after === undefined || Number(after) === before) return 0;
    return extensionHours(before, Number(after));
}

type Tags = Record<string, string>;

/** Tag changes for the reservation; capblocks' own tags (the purchase token above all) are never touched. */
export function tagChanges(oldTags: Tags | undefined, newTags: Tags | undefined): { set: Tags; remove: string[] } {
    const mine = (k: string) => k.startsWith("capblocks:");
    const before = oldTags ?? {};
    const after = newTags ?? {};
    const set: Tags = {};
    for (const [k, v] of Object.entries(after)) if (!mine(k) && before[k] !== v) set[k] = v;
    const remove = Object.keys(before).filter((k) => !mine(k) && !(k in after));
    return { set, remove };
}
