// Whose parameter is it? A PublishedParameter writes a value to an SSM parameter other tools read (the seed scripts'
// /capacity-block/<region>/reservation-id). It never silently overwrites a value someone else wrote, and destroy
// deletes only a parameter that still holds what this resource wrote. The decisions here are pure; ./provider.ts acts.

/** The key that takes over an existing parameter, as the user sets it. */
const OVERWRITE_KEY = "capblocks:reservation.publishParameter: overwrite";

export type CreateStep = { kind: "write-new" } | { kind: "take-over"; previousValue: string } | { kind: "refuse"; message: string };

/** Before the first write: a new parameter is written; an existing one only with `overwrite`. */
export function createStep(name: string, existing: string | undefined, overwrite: boolean): CreateStep {
    if (existing === undefined) return { kind: "write-new" };
    if (overwrite) return { kind: "take-over", previousValue: existing };
    return { kind: "refuse", message: alreadyThereMessage(name, existing) };
}

/** A parameter this stack did not write is in the way; nothing was written. */
export function alreadyThereMessage(name: string, existing: string): string {
    return `SSM parameter ${name} already exists, holding ${JSON.stringify(existing)}, and this stack did not write it; nothing was written. ` +
        `Set ${OVERWRITE_KEY} to take it over (it then holds this stack's value, and \`pulumi destroy\` deletes it), ` +
        "or remove publishParameter to leave it alone.";
}

export type UpdateStep = { kind: "write" } | { kind: "recreate" } | { kind: "refuse"; message: string };

/**
 * A later write over the parameter this resource wrote (`written`): it may be rewritten while it still holds that;
 * one someone else has changed since is theirs now, and is overwritten only with `overwrite`; one deleted is written anew.
 */
export function updateStep(name: string, current: string | undefined, written: string, overwrite: boolean): UpdateStep {
    if (current === undefined) return { kind: "recreate" };
    if (current === written || overwrite) return { kind: "write" };
    return {
        kind: "refuse",
        message: `SSM parameter ${name} now holds ${JSON.stringify(current)}, written by someone else since this stack wrote ${JSON.stringify(written)}; ` +
            `nothing was written. Set ${OVERWRITE_KEY} to write it anyway, or remove publishParameter to leave it to them.`,
    };
}

export type DeleteStep = { kind: "delete" } | { kind: "leave"; notice: string } | { kind: "gone" };

/** On destroy: deleted only while it holds what this resource wrote. */
export function deleteStep(name: string, current: string | undefined, written: string): DeleteStep {
    if (current === undefined) return { kind: "gone" };
    if (current === written) return { kind: "delete" };
    return {
        kind: "leave",
        notice: `PublishedParameter: left SSM parameter ${name} in place: it holds ${JSON.stringify(current)}, not ${JSON.stringify(written)}, ` +
            "which this stack wrote; someone else has written it since.",
    };
}
