/**
 * EC2 Image Builder component documents as plain data: a component's bash scripts, one per phase, and the YAML
 * document that runs them. Pure, so tests can parse the documents and run `bash -n` on every script. Used for the
 * cluster's node image and the dev box's image.
 *
 * Component documents follow the AWSTOE schema (EC2 Image Builder user guide, "Use the AWSTOE component document
 * framework for custom components"): `schemaVersion: 1.0`, `phases` named build, validate and test, each with
 * uniquely named `steps`; the `ExecuteBash` action runs `inputs.commands` with bash. Image Builder runs build and
 * validate on the build instance, and test on a second instance launched from the new image. A document holds at
 * most 16,000 characters (CreateComponent `data`).
 */
import { createHash } from "crypto";

/** CreateComponent takes at most this many characters of inline `data`. */
export const MAX_COMPONENT_DATA = 16000;

export type Phase = "build" | "validate" | "test";

export interface ComponentSpec {
    /** Short name, used in the component's Image Builder name. */
    name: string;
    description: string;
    /** One bash script per phase (run as one ExecuteBash step each). */
    scripts: Partial<Record<Phase, string>>;
}

const STEP_NAMES: Record<Phase, string> = { build: "Install", validate: "CheckInstalled", test: "CheckOnBootedImage" };

/** A block scalar: every script line indented under `- |`. */
function blockScalar(text: string, indent: string): string {
    return text
        .trimEnd()
        .split("\n")
        .map((line) => (line === "" ? "" : `${indent}${line}`))
        .join("\n");
}

/**
 * The AWSTOE document. Written as text rather than through a YAML library so `schemaVersion` stays the literal
 * `1.0` the schema shows (a YAML library turns the number 1.0 into `1`).
 */
export function componentDocument(spec: ComponentSpec): string {
    const phases = (["build", "validate", "test"] as const).filter((phase) => spec.scripts[phase] !== undefined);
    const out = [
        `name: ${JSON.stringify(`capblocks-${spec.name}`)}`,
        `description: ${JSON.stringify(spec.description)}`,
        "schemaVersion: 1.0",
        "phases:",
    ];
    for (const phase of phases) {
        out.push(
            `  - name: ${phase}`,
            "    steps:",
            `      - name: ${STEP_NAMES[phase]}`,
            "        action: ExecuteBash",
            "        timeoutSeconds: 3600",
            "        inputs:",
            "          commands:",
            "            - |",
            blockScalar(spec.scripts[phase] as string, "              "),
        );
    }
    return `${out.join("\n")}\n`;
}

/** A short digest of what defines a resource: Image Builder components and recipes are immutable, so a change gets a new name. */
export function contentDigest(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 10);
}
