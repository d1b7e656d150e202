import { prepareTasks } from "../../dynamic-providers/ssmTasks/template";
import { loadCodeServerTasks } from "../../tasks/loader";

/** The shipped tasks whose hash changes between two sets of stack variables: exactly those `pulumi up` runs again. */
export function rerunWhen(before: Record<string, string>, after: Record<string, string>): string[] {
    const hashes = (variables: Record<string, string>) => {
        const loaded = loadCodeServerTasks([], variables);
        return prepareTasks(loaded.tasks, loaded.variables, { PASSWORD: "/capblocks/pw" });
    };
    const old = new Map(hashes(before).map((t) => [t.id, t.hash]));
    return hashes(after).filter((t) => old.get(t.id) !== t.hash).map((t) => t.id);
}
