/**
 * What `npm run tasks` prints: the stack's `setupTasks` output (components/codeServer/setupTasksSummary.ts) as a
 * table of tasks by instance, and what to do about the ones not done. Pure, so the exact text is tested.
 */
import type { SetupTaskRow, SetupTasksSummary } from "../components/codeServer/setupTasksSummary";

/** Up to this many instances get a column each; more share one column that names only where a task is not done. */
const MAX_INSTANCE_COLUMNS = 3;

/**
 * The summary in `pulumi stack output --json` (or in a file holding it): its `setupTasks` value, which Pulumi prints
 * as the JSON string the program exported, or the summary itself.
 */
export function summaryFrom(stackOutputs: unknown, source: string): SetupTasksSummary {
    const outputs = stackOutputs as Record<string, unknown> | null;
    const value = outputs && typeof outputs === "object" && "setupTasks" in outputs ? outputs.setupTasks : outputs;
    if (value === undefined || value === null || (typeof value === "object" && !("tasks" in value))) {
        throw new Error(
            `tasks: ${source} has no setupTasks output: code-server is disabled in this stack, or it was last deployed before capblocks ` +
                "had that output (run `pulumi up` once)",
        );
    }
    if (value === "[secret]") throw new Error(`tasks: ${source} shows setupTasks as a secret; it never holds one, so run \`pulumi up\` once to store it in the clear`);
    try {
        const summary = (typeof value === "string" ? JSON.parse(value) : value) as SetupTasksSummary;
        if (!Array.isArray(summary.tasks) || !Array.isArray(summary.instances) || !Array.isArray(summary.runs)) {
            throw new Error("tasks, instances or runs is not a list");
        }
        return summary;
    } catch (e) {
        throw new Error(`tasks: the setupTasks output of ${source} is not what capblocks writes (${(e as Error).message})`);
    }
}

/** A task's state on one instance: done, failed or pending. */
function stateOn(row: SetupTaskRow, instanceId: string): string {
    if (row.status === "success") return "done";
    if (!row.instances) return row.status;
    return row.instances[instanceId] ?? "done";
}

/** The shared column for many instances: how many are done, then where it failed or is pending. */
function fleetCell(row: SetupTaskRow, instanceIds: string[]): string {
    const states = instanceIds.map((id) => [id, stateOn(row, id)] as const);
    const done = states.filter(([, s]) => s === "done").length;
    const where = (status: string) => states.filter(([, s]) => s === status).map(([id]) => id);
    return [
        `done ${done}/${instanceIds.length}`,
        ...["failed", "pending"].filter((s) => where(s).length > 0).map((s) => `${s}: ${where(s).join(" ")}`),
    ].join("; ");
}

/** "2026-11-24T10:01:12.345Z" → "2026-11-24 10:01:12Z"; none: "-". */
function when(iso: string | undefined): string {
    return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "-";
}

function table(rows: string[][]): string[] {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd());
}

/** What to do next, from what the table shows. */
function advice(summary: SetupTasksSummary): string[] {
    const failed = summary.tasks.filter((t) => t.status === "failed");
    const pending = summary.tasks.filter((t) => t.status === "pending");
    const lines: string[] = [];
    if (failed.length > 0) {
        const first = failed[0];
        lines.push(
            `Failed: ${failed.map((t) => t.id).join(", ")}. Its log on the instance: run the sessionCommand output, then ` +
                `sudo less /var/lib/capblocks/tasks/${first.id}.log; fix the cause and run \`pulumi up\`: it resumes at ${first.id}.`,
        );
    }
    if (pending.length > 0) lines.push(`Pending: ${pending.map((t) => t.id).join(", ")}: the next \`pulumi up\` runs ${pending.length === 1 ? "it" : "them"}.`);
    lines.push(
        "To run finished tasks again: pulumi config set --path 'capblocks:codeServer.rerun.tasks[0]' <task id> (or all), " +
            "bump capblocks:codeServer.rerun.id, then pulumi up.",
    );
    return lines;
}

/** The table `npm run tasks` prints for a stack (`source` names it in the heading). */
export function formatSetupTasks(summary: SetupTasksSummary, source: string): string {
    if (summary.setup === "off") {
        return `${source}: setup is off (capblocks:codeServer.setup: false); turn it on with ` +
            "pulumi config set --path capblocks:codeServer.setup true, then pulumi up.";
    }
    if (summary.setup === "no-instance" || summary.instances.length === 0) {
        return `${source}: no instance runs yet, so no setup task has run; see the nextStep output.`;
    }
    const ids = summary.instances;
    const perInstance = ids.length <= MAX_INSTANCE_COLUMNS;
    const header = ["task", "name", ...(perInstance ? ids : [`${ids.length} instances`]), "last run", "command id"];
    const runOf = (t: SetupTaskRow) => (t.run === undefined ? undefined : summary.runs[t.run]);
    const rows = summary.tasks.map((t) => [
        t.id,
        t.name,
        ...(perInstance ? ids.map((id) => stateOn(t, id)) : [fleetCell(t, ids)]),
        when(runOf(t)?.finishedAt),
        runOf(t)?.commandId ?? "-",
    ]);
    const done = summary.tasks.filter((t) => t.status === "success").length;
    return [
        `${source}: ${done} of ${summary.tasks.length} setup tasks done on ${ids.length === 1 ? ids[0] : `all ${ids.length} instances`}`,
        "",
        ...table([header, ...rows]),
        "",
        ...advice(summary),
    ].join("\n");
}
