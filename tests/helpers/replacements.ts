/**
 * What `pulumi up` would do to each resource between two program runs under the offline mocks, from the
 * replacement rules (replacementRules.ts): create, update, replace or delete. Pulumi's mocks answer every
 * registration as a fresh create, so on their own they cannot show that a changed input replaces a resource;
 * this compares the inputs of the same URN across the two runs the way the engine and provider would:
 *
 * - a changed input under a ForceNew / createOnly path, or one of the resource's own `replaceOnChanges`, is a
 *   replacement; any other changed input is an update; `ignoreChanges` paths keep their old value;
 * - an input that held the id of a replaced resource changes with it (the mocks give the replacement the same
 *   id, the engine would not), so replacements cascade to dependents;
 * - a launch template that changes gets a new version (the mocks always answer version 1), so an instance
 *   launched from it sees its `launchTemplate.version` change;
 * - a URN only in the first run is deleted (kept in AWS with retainOnDelete), one only in the second created.
 */
import type { MockRun, RecordedResource } from "../../scripts/offlineMocks";
import { REPLACEMENT_RULES } from "./replacementRules";

export type Operation = "create" | "same" | "update" | "replace" | "delete";

export interface PlannedChange {
    urn: string;
    type: string;
    name: string;
    op: Operation;
    /** The changed input paths (for replace: those that force it, or the replaced resource it depends on). */
    because: string[];
    /** Replace: the old one goes before the new one is created. */
    deleteBeforeReplace: boolean;
    /** Replace or delete: the old one stays in AWS, dropped from the stack. */
    keepsOld: boolean;
    /** Replace of a resource that holds data: the new one starts from the old data (a snapshot, a backup). */
    startsWithData?: boolean;
    inputs: Record<string, unknown>;
}

const UNKNOWN = "[unknown]";

/** Leaf paths whose values differ (arrays and objects compared element by element). */
function changedPaths(before: unknown, after: unknown, path = ""): string[] {
    if (typeof before === "object" && before !== null && typeof after === "object" && after !== null) {
        const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
        return [...keys].flatMap((k) =>
            changedPaths((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
        );
    }
    return before === after && before !== UNKNOWN ? [] : [path];
}

/** Paths of leaves equal to one of `ids`. */
function pathsHolding(value: unknown, ids: Set<string>, path = ""): string[] {
    if (typeof value === "string") return ids.has(value) ? [path] : [];
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => pathsHolding(v, ids, path ? `${path}.${k}` : k));
    }
    return [];
}

/** `a.0.b` is under rule `a`, `a.b` and `a[0].b` (array indexes do not name fields). */
function under(path: string, rule: string): boolean {
    const fields = path.split(".").filter((segment) => !/^\d+$/.test(segment)).join(".");
    const ruleFields = rule.replace(/\[\d+\]/g, "");
    return fields === ruleFields || fields.startsWith(`${ruleFields}.`);
}

function forcesReplacement(resource: RecordedResource, path: string): boolean {
    const rules = [...(REPLACEMENT_RULES[resource.type]?.forceNew ?? []), ...(resource.replaceOnChanges ?? [])];
    return rules.some((rule) => under(path, rule.replace(/\[\*\]$/, "")));
}

function ignored(resource: RecordedResource, path: string): boolean {
    return (resource.options.ignoreChanges ?? []).some((rule) => under(path, rule));
}

/** What the engine would do going from run `before` to run `after` (custom resources only). */
export function plannedChanges(before: MockRun, after: MockRun): PlannedChange[] {
    const old = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const next = after.resources.filter((r) => r.custom);
    const changes = new Map<string, PlannedChange>();
    for (const r of next) {
        const was = old.get(r.urn);
        const base = { urn: r.urn, type: r.type, name: r.name, deleteBeforeReplace: !!r.options.deleteBeforeReplace, keepsOld: !!was?.options.retainOnDelete, inputs: r.inputs };
        if (!was) {
            changes.set(r.urn, { ...base, op: "create", because: [] });
            continue;
        }
        const changed = changedPaths(was.inputs, r.inputs).filter((p) => !ignored(r, p));
        const forcing = changed.filter((p) => forcesReplacement(r, p));
        changes.set(r.urn, { ...base, op: forcing.length ? "replace" : changed.length ? "update" : "same", because: forcing.length ? forcing : changed });
    }
    cascade(changes, old, next);
    for (const [urn, was] of old) {
        if (!changes.has(urn)) {
            changes.set(urn, { urn, type: was.type, name: was.name, op: "delete", because: [], deleteBeforeReplace: false, keepsOld: !!was.options.retainOnDelete, inputs: was.inputs });
        }
    }
    for (const change of changes.values()) {
        const holdsData = REPLACEMENT_RULES[change.type]?.startsWithData;
        if (change.op === "replace" && holdsData) change.startsWithData = holdsData(change.inputs);
    }
    return [...changes.values()];
}

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** `launchTemplate.version` of a resource launched from a template that changed: its latest version is a new one. */
function newTemplateVersion(r: RecordedResource, changedTemplates: Set<string>): string[] {
    const from = r.inputs.launchTemplate as { id?: unknown } | undefined;
    return typeof from?.id === "string" && changedTemplates.has(from.id) ? ["launchTemplate.version"] : [];
}

/**
 * A replaced resource gets a new id: every input holding the old one changes, which may replace that resource too.
 * A changed launch template gets a new latest version, which the instances launched from it follow.
 */
function cascade(changes: Map<string, PlannedChange>, old: Map<string, RecordedResource>, next: RecordedResource[]): void {
    const nextId = new Map(next.map((r) => [r.urn, r.id]));
    // Only where the mocks gave the replacement the old id does an input still holding it come from the replacement;
    // a replacement with an id of its own (a block bought anew) leaves an input holding the old id as it was.
    const sameId = (c: PlannedChange) => {
        const id = old.get(c.urn)?.id;
        return id !== undefined && id === nextId.get(c.urn) ? [id] : [];
    };
    for (let grew = true; grew; ) {
        grew = false;
        const replacedIds = new Set([...changes.values()].filter((c) => c.op === "replace").flatMap(sameId));
        const changedTemplates = new Set([...changes.values()].filter((c) => c.type === LAUNCH_TEMPLATE && c.op === "update").flatMap((c) => old.get(c.urn)?.id ?? []));
        for (const r of next) {
            const change = changes.get(r.urn);
            if (!change || change.op === "create" || change.op === "replace") continue;
            const held = [...pathsHolding(r.inputs, replacedIds), ...newTemplateVersion(r, changedTemplates)].filter((p) => !ignored(r, p));
            if (!held.length) continue;
            const forcing = held.filter((p) => forcesReplacement(r, p));
            const op = forcing.length ? "replace" : "update";
            if (op !== change.op || forcing.some((p) => !change.because.includes(p))) grew = true;
            changes.set(r.urn, { ...change, op, because: [...new Set([...(forcing.length ? forcing : change.because), ...held])] });
        }
    }
}

export const replacementsIn = (changes: PlannedChange[]): PlannedChange[] => changes.filter((c) => c.op === "replace");

/** Replacements that would leave the user an empty disk or file system where their data was. */
export const emptyingReplacements = (changes: PlannedChange[]): PlannedChange[] => replacementsIn(changes).filter((c) => c.startsWithData === false);

export function changeOf(changes: PlannedChange[], name: string): PlannedChange {
    const found = changes.filter((c) => c.name === name);
    if (found.length !== 1) throw new Error(`expected one change for ${name}, found ${found.length}: ${changes.map((c) => `${c.name}:${c.op}`).join(", ")}`);
    return found[0];
}
