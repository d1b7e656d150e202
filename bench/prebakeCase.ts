import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bakeComponent, bakeScript } from "../components/codeServer/prebake";
import { ssmTasksProvider } from "../dynamic-providers/ssmTasks";
import type { Operation, SsmFake } from "../tests/fakes/ssmFake";
import { installSsmFake } from "../tests/fakes/ssmFake";
import type { Stored } from "./engine";
import { engineUp } from "./engine";
import type { BenchTask } from "./profile";
import { benchTaskSpecs, sumSeconds } from "./profile";
import type { SsmLatency } from "./ssmCases";
import { instanceIds, MARKER_DIR } from "./ssmCases";
import type { CallCounts } from "./stats";
import { callsBetween, timed } from "./stats";

/** A task set split into what is baked into an image and what runs after the block starts. */
export interface PrebakeSet {
    name: string;
    tasks: BenchTask[];
    /** Ids of the tasks baked into the image. */
    imageIds: string[];
}

export interface PrebakeRun {
    set: string;
    /** Run time (stand-in weights) of the tasks that run after the block starts, over the whole set's. */
    blockTimeShare: number;
    /** Whole set's and after-start run time, seconds (stand-in weights). */
    wholeSeconds: number;
    blockSeconds: number;
    /** The bake, before the block: the build instance runs the image tasks (the component's script). */
    bakeMs: number;
    /** "Block active" → setup done (code-server ready), without an image: every task on the box. */
    fullMs: number[];
    /** The same from the baked image: SsmTasks skips the baked tasks by their markers. */
    prebakedMs: number[];
    fullCalls: CallCounts;
    prebakedCalls: CallCounts;
    /** A no-op `up` after the prebaked setup. */
    noopCalls: CallCounts;
}

const OPERATIONS: Operation[] = ["SendCommand", "ListCommandInvocations", "GetCommandInvocation", "DescribeInstanceInformation"];
const countsOf = (fake: SsmFake): CallCounts => Object.fromEntries(OPERATIONS.map((op) => [op, fake.count(op)]));

/**
 * One set, `repeats` times: bake on a fake build instance with the image component's own script (bash unpacks it,
 * sh runs it), copy that instance's disk to a fresh box (the AMI), then measure SsmTasks' create on it through the
 * real provider, next to a create on a box with nothing baked. Wall times include the fake's SSM latency.
 */
export async function runPrebakeCase(set: PrebakeSet, latency: SsmLatency, repeats: number): Promise<PrebakeRun> {
    const specs = benchTaskSpecs(set.tasks);
    const imageSpecs = specs.filter((t) => set.imageIds.includes(t.id));
    const ids = instanceIds(1 + 2 * repeats, 0x300);
    const [build, ...boxes] = ids;
    const fake = installSsmFake({
        instances: ids,
        markerDir: MARKER_DIR,
        dispatchDelayMs: latency.dispatchMs,
        latencyMs: Object.fromEntries(OPERATIONS.map((op) => [op, latency.apiMs])),
    });
    const news = (instanceId: string) => ({ instanceIds: [instanceId], tasks: specs, variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR });
    const blockSeconds = sumSeconds(set.tasks.filter((t) => !set.imageIds.includes(t.id)));
    try {
        const buildRoot = fake.instanceRoot(build);
        const script = bakeComponent(bakeScript(imageSpecs, {}, fake.markerDirOf(build))).scripts.build as string;
        const bake = await timed(async () => spawnSync("bash", ["-c", script], { cwd: buildRoot, env: { ...process.env, HOME: buildRoot }, encoding: "utf8" }));
        if (bake.value.status !== 0) throw new Error(`bench bake failed: ${bake.value.stderr}`);
        const fullMs: number[] = [];
        const prebakedMs: number[] = [];
        let fullCalls: CallCounts = {};
        let prebakedCalls: CallCounts = {};
        let noopCalls: CallCounts = {};
        for (let i = 0; i < repeats; i++) {
            const [stock, baked] = [boxes[2 * i], boxes[2 * i + 1]];
            // The AMI: the build instance's disk, markers included, is the baked box's disk.
            fs.cpSync(buildRoot, fake.instanceRoot(baked), { recursive: true, filter: (src) => !path.basename(src).startsWith("_") });
            let before = countsOf(fake);
            const full = await timed(() => engineUp(ssmTasksProvider, news(stock)));
            fullCalls = callsBetween(before, countsOf(fake));
            before = countsOf(fake);
            const prebaked = await timed(() => engineUp(ssmTasksProvider, news(baked)));
            prebakedCalls = callsBetween(before, countsOf(fake));
            before = countsOf(fake);
            await engineUp(ssmTasksProvider, news(baked), prebaked.value.stored as Stored);
            noopCalls = callsBetween(before, countsOf(fake));
            fullMs.push(full.ms);
            prebakedMs.push(prebaked.ms);
        }
        await fake.settled();
        return {
            set: set.name,
            blockTimeShare: blockSeconds / sumSeconds(set.tasks),
            wholeSeconds: sumSeconds(set.tasks),
            blockSeconds,
            bakeMs: bake.ms,
            fullMs,
            prebakedMs,
            fullCalls,
            prebakedCalls,
            noopCalls,
        };
    } finally {
        fake.restore();
    }
}
