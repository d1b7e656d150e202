/**
 * The offline plan as text for a person: the resource tree (each resource once, as its type and name, with its
 * key inputs), the stack outputs (made-up ids marked), what `pulumi preview` would print, and what was assumed.
 */
import type { RecordedResource } from "./offlineMocks";
import { keyInputs, shortType } from "./planInputs";

export interface PlanResult {
    stack: string;
    /** The block state assumed; undefined on demand. */
    blockState?: string;
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
    /** Info messages the program logged (pulumi.log.info), as `pulumi preview` prints them under Diagnostics. */
    messages: string[];
    /** Warnings the program logged (pulumi.log.warn), and the plan's own about its arguments. */
    warnings: string[];
    assumed: string[];
    /** Ids, ARNs and addresses the mocks made up. */
    madeUp: string[];
}

/** The marker of an output that holds a made-up id; a prefix, so a copied command never carries it. */
const MADE_UP_MARK = "*";

function optionsNote(options: RecordedResource["options"]): string {
    const notes = [
        ...(options.retainOnDelete ? ["retainOnDelete"] : []),
        ...(options.deleteBeforeReplace ? ["deleteBeforeReplace"] : []),
        ...(options.ignoreChanges?.length ? [`ignoreChanges: ${options.ignoreChanges.join(", ")}`] : []),
    ];
    return notes.length ? `  [${notes.join("; ")}]` : "";
}

function resourceLines(p: PlanResult): string[] {
    const lines: string[] = [];
    const children = (parentUrn: string | null) => p.resources.filter((r) => r.parentUrn === parentUrn);
    const walk = (r: RecordedResource, depth: number) => {
        const pad = "  ".repeat(depth + 1);
        lines.push(`${pad}${shortType(r.type)} ${r.name}${optionsNote(r.options)}`);
        keyInputs(r.type, r.inputs).forEach((line) => lines.push(`${pad}    ${line}`));
        children(r.urn).forEach((c) => walk(c, depth + 1));
    };
    children(null).forEach((r) => walk(r, 0));
    return lines;
}

function outputLines(p: PlanResult): string[] {
    const lines: string[] = [];
    for (const [k, v] of Object.entries(p.outputs)) {
        const text = typeof v === "string" ? v : JSON.stringify(v);
        const mark = p.madeUp.some((id) => text.includes(id)) ? MADE_UP_MARK : " ";
        if (text === "") lines.push(`${mark} ${k}: (empty)`);
        else if (text.includes("\n")) lines.push(`${mark} ${k}: |`, ...text.replace(/\n$/, "").split("\n").map((l) => `      ${l}`.trimEnd()));
        else lines.push(`${mark} ${k}: ${text}`);
    }
    return lines;
}

/** The plan as text. */
export function formatPlan(p: PlanResult): string {
    const lines = [
        `capblocks offline plan for stack ${p.stack}: nothing is created and AWS is not called`,
        p.blockState === undefined ? "No Capacity Block: instances run on demand."
        // A plan that assumed no block got that far only for a block to buy (adopting, the config must name one).
        : `Assumed block state: ${p.blockState === "none" ? "none, not bought yet" : p.blockState} (choose with --block-state; see Assumed below)`,
        "",
        `Resources (${p.resources.length}):`,
        ...resourceLines(p),
        "",
        `Outputs (${MADE_UP_MARK} holds an id made up offline; AWS assigns it on \`pulumi up\`):`,
        ...outputLines(p),
    ];
    if (p.messages.length > 0) lines.push("", "Messages (`pulumi preview` prints these under Diagnostics):", ...p.messages.map((m) => `  ${m}`));
    if (p.warnings.length > 0) lines.push("", "Warnings (`pulumi preview` prints these under Diagnostics):", ...p.warnings.map((w) => `  ${w}`));
    lines.push("", "Assumed (offline; AWS decides these on `pulumi up`):", ...p.assumed.map((s) => `  - ${s}`));
    return lines.join("\n");
}
