/**
 * Pre-baking the dev box's image (pure): which setup tasks are baked, when the image is built, which image the box
 * launches from, and what nextStep says about it. docs/prebake.md explains the choices.
 *
 * The `image` tasks of the task files (packages, Node, code-server, the extension cache: nothing that needs the
 * block's instance) are run by EC2 Image Builder on a cheap on-demand build instance, with the very script SsmTasks
 * sends over SSM. That script leaves each task's marker (its hash) in the image, so on a box launched from the image
 * SsmTasks finds them done and skips them in its one command: only the `instance` tasks run on block time, and an
 * image task changed since the bake runs on the box in place. The image is built on the schedule the cluster's node
 * image and hourly parts share (shared/imageSchedule.ts): by the first `pulumi up` within LEAD_HOURS of the block's
 * start.
 */
import * as pulumi from "@pulumi/pulumi";
import { gzipSync } from "zlib";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { DEFAULT_MARKER_DIR, renderRunScript } from "../../dynamic-providers/ssmTasks/script";
import { prepareTasks } from "../../dynamic-providers/ssmTasks/template";
import type { CodeServerConfig } from "../config";
import type { ComponentSpec } from "../shared/imageDocument";
import { componentDocument, MAX_COMPONENT_DATA } from "../shared/imageDocument";
import type { KnownBlock } from "../shared/imageSchedule";
import { LEAD_HOURS, prepareFrom, preparing, tooEarly } from "../shared/imageSchedule";

/** capblocks:codeServer.prebake: bake in the lead time before the block (true), now, whatever the block's state ("now"), or never (false). */
export type PrebakeSetting = CodeServerConfig["prebake"];

/**
 * The build instances, tried in order (Image Builder takes a list): cheap current x86_64 types with no
 * accelerator. Every DLAMI the catalog names is x86_64, and installing packages needs no GPU or Neuron device.
 */
export const BAKE_INSTANCE_TYPES = ["m7i.large", "m6i.large", "m5.large"];

/** What the last deployment recorded about the box (stack outputs written by components/program.ts). */
export interface PreviousBox {
    /** The box's instance id, when it ran. */
    instanceId?: string;
    /** The block it ran on. */
    blockId?: string;
    /** The AMI it was launched from (its launch template's image). */
    launchedFrom?: string;
    /** The dev image the last deployment baked (or kept). */
    bakedImageId?: string;
}

export interface DevImageFacts {
    prebake: PrebakeSetting;
    /** The block the box goes on: its id, state and start, when known at program time; undefined on demand. */
    block?: { id?: string; known?: KnownBlock };
    previous: PreviousBox;
    now: Date;
}

export type LaunchImage =
    /** The image this run bakes. */
    | { kind: "baked" }
    /** An image baked by an earlier run: the running box's own (kept so it is not replaced), or the one baked before the block. */
    | { kind: "previous"; imageId: string }
    /** The catalog DLAMI or codeServer.amiId, with the whole setup on the box. */
    | { kind: "stock" };

export interface DevImagePlan {
    /** Declare the Image Builder resources on this run: they bake the image (or keep it, unchanged). */
    bake: boolean;
    /** What a box launched on this run boots. */
    launchFrom: LaunchImage;
    /** The box already runs on this block (and keeps its image). */
    boxRunning: boolean;
    /** Why the box gets no baked image, for nextStep. */
    reason?: "too-early" | "buying" | "missed" | "on-demand" | "off";
}

/** The box runs on this block already (the last deployment launched it there): it must keep its image. */
function boxRunsOn(block: DevImageFacts["block"], previous: PreviousBox): boolean {
    return previous.instanceId !== undefined && block?.id !== undefined && previous.blockId === block.id && block.known?.state === "active";
}

/** The image an earlier run recorded; none (outputs from before pre-baking): the stock image, pinned as it was. */
const fromImage = (imageId: string | undefined): LaunchImage => (imageId === undefined ? { kind: "stock" } : { kind: "previous", imageId });

/**
 * Whether to bake on this run, and what the box boots:
 * - on demand, or with prebake false: nothing is baked; the box boots the stock image and runs every task;
 * - a box already running on the active block keeps the image it was launched from (a new AMI would replace it);
 *   nothing is baked during its block unless prebake is "now" (then for the next block);
 * - while the block waits, the image is baked once it starts within LEAD_HOURS (at once with "now"), and kept baked;
 * - at the block's start the box launches from the image baked before; the Image Builder resources go (the AMI
 *   stays), so nothing is ever baked on block time. A block that starts with no image baked gets the stock image
 *   and the whole setup, as before.
 */
export function devImagePlan({ prebake, block, previous, now }: DevImageFacts): DevImagePlan {
    if (prebake === false) return { bake: false, launchFrom: { kind: "stock" }, boxRunning: false, reason: "off" };
    if (!block) return { bake: false, launchFrom: { kind: "stock" }, boxRunning: false, reason: "on-demand" };
    const asked = prebake === "now";
    if (boxRunsOn(block, previous)) return { bake: asked, launchFrom: fromImage(previous.launchedFrom), boxRunning: true };
    const known = block.known;
    const baked = previous.bakedImageId;
    if (known?.state === "active" && baked !== undefined && !asked) return { bake: false, launchFrom: fromImage(baked), boxRunning: false };
    const bake = asked || (known !== undefined && (preparing(known, now) || (tooEarly(known, now) && baked !== undefined)));
    if (bake) return { bake, launchFrom: { kind: "baked" }, boxRunning: false };
    const reason = !known ? "buying" : tooEarly(known, now) ? "too-early" : "missed";
    return { bake, launchFrom: { kind: "stock" }, boxRunning: false, reason };
}

/** The tasks that go into the image, in file order. */
export function imageTasks(tasks: TaskSpec[], imageTaskIds: string[]): TaskSpec[] {
    return tasks.filter((t) => imageTaskIds.includes(t.id));
}

/**
 * The script the build instance runs: SsmTasks' own run script for the image tasks (same substitution, hashes,
 * markers and locks), so the box launched from the image finds them done. Image tasks read no secret (the loader
 * refuses that), so none is fetched.
 */
export function bakeScript(tasks: TaskSpec[], variables: Record<string, string>, markerDir = DEFAULT_MARKER_DIR): string {
    return renderRunScript(prepareTasks(tasks, variables, {}), markerDir, undefined);
}

/** Where the build instance unpacks the script. */
const BAKE_FILE = "/var/tmp/capblocks-bake.sh";
const BASE64_LINE = 76;

/**
 * The Image Builder component that runs the bake script. The script travels gzipped and base64-encoded: a
 * component document holds 16,000 characters at most, and AWSTOE reads `{{ … }}` in a document as its own
 * variables, which base64 never contains. The script runs with `sh` (dash), as the SSM agent would run it.
 */
export function bakeComponent(script: string): ComponentSpec {
    const encoded = gzipSync(Buffer.from(script, "utf8"), { level: 9 }).toString("base64");
    const lines = encoded.match(new RegExp(`.{1,${BASE64_LINE}}`, "g")) ?? [];
    const spec: ComponentSpec = {
        name: "setup",
        description: "capblocks code-server setup: the image tasks of the task files, run as SsmTasks runs them (markers included)",
        scripts: {
            build: [
                "set -euo pipefail",
                `base64 -d > ${BAKE_FILE}.gz <<'CAPBLOCKS_BAKE'`,
                ...lines,
                "CAPBLOCKS_BAKE",
                `gunzip -f ${BAKE_FILE}.gz`,
                `sh ${BAKE_FILE}`,
                `rm -f ${BAKE_FILE}`,
                "",
            ].join("\n"),
        },
    };
    const size = componentDocument(spec).length;
    if (size > MAX_COMPONENT_DATA) {
        throw new pulumi.RunError(`capblocks:codeServer.taskFiles: the image tasks make a ${size}-character Image Builder component, ` +
            `over its ${MAX_COMPONENT_DATA}; move content out of the image tasks into files they download, or make some of them instance tasks`);
    }
    return spec;
}

/** An Image Builder name part: letters, digits, '-' and '_' only. */
export function imageBuilderName(text: string): string {
    return text.replace(/[^-_A-Za-z0-9]/g, "-");
}

interface StepFacts {
    plan: DevImagePlan;
    /** The AMI the box boots, or the one baked on this run. */
    imageId?: string;
    /** The box is launched (or kept) on this run. */
    launch: boolean;
    /** The block's start, ISO 8601 (for the waiting cases). */
    startDate?: string;
    now: Date;
}

/** What nextStep says about the dev image; "" when there is nothing to say. */
export function devImageStep({ plan, imageId, launch, startDate, now }: StepFacts): string {
    const ami = imageId ? ` ${imageId}` : "";
    if (plan.boxRunning) {
        return plan.bake
            ? `A new dev image${ami} is baked for the next block (prebake: now); the running box keeps the image it was launched from, and image tasks changed since then ran on it in place.`
            : "";
    }
    if (plan.launchFrom.kind !== "stock") {
        if (launch) return `The box was launched from the dev image${ami} baked before the block: only the instance tasks ran on block time.`;
        return `The dev image${ami} is ready: \`pulumi up\` after the block starts${startDate ? ` (${startDate})` : ""} launches the box from it and runs only the instance tasks.`;
    }
    switch (plan.reason) {
        case "too-early":
            return `The dev image (the setup tasks that need no block: packages, code-server, extensions) is baked by the first \`pulumi up\` from ${prepareFrom(startDate ?? now.toISOString(), now)}, ` +
                "on an on-demand build instance for 20-40 minutes, so the box is ready minutes after the block starts.";
        case "buying":
            return `The dev image is baked by a \`pulumi up\` in the ${LEAD_HOURS} hours before the block starts, so the box is ready minutes after it starts.`;
        case "missed":
            return launch
                ? `No dev image was baked before this block (no \`pulumi up\` ran in the ${LEAD_HOURS} hours before it started), so the whole setup ran on block time; ` +
                    `run \`pulumi up\` in the ${LEAD_HOURS} hours before the next block to bake it.`
                : "";
        default:
            return "";
    }
}
