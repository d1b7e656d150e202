import { createHash } from "crypto";

/**
 * The identity of a task's effect: its substituted commands and the secret references it fetches
 * (names, never values). Name, description and timeout are left out so editing them re-runs nothing.
 */
export function taskHash(commands: string[], secrets: { variable: string; reference: string }[]): string {
    const identity = JSON.stringify({ commands, secrets: secrets.map((s) => [s.variable, s.reference]) });
    return createHash("sha256").update(identity).digest("hex");
}
