/**
 * `npm run bench`: how long users wait on what capblocks controls, with no AWS. The real providers run
 * against aws-sdk-client-mock fakes that add AWS-like latency; a naive SSM runner runs side by side.
 * Prints one table and the targets (PASS/FAIL); with `--save` (`npm run bench -- --save`) also writes
 * bench/results.json, the tracked record the README quotes. Exits 0 unless it crashes: it is a measurement, not a test.
 *
 * Settings (environment): BENCH_PROFILE_SECONDS (8: the code-server profile's total run time),
 * BENCH_DISPATCH_MS (1500), BENCH_API_MS (50), BENCH_PAYMENT_DELAY_MS (3000), BENCH_REPEATS (3),
 * BENCH_FLEETS ("1,8,64"), BENCH_STACK ("dev").
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCapacityBlockCase } from "./capacityBlockCase";
import { runNaiveCases } from "./naiveCases";
import { runPrebakeCase } from "./prebakeCase";
import type { PrebakeSet } from "./prebakeCase";
import {
    benchTaskSpecs, CLUSTER_NODE_IMAGE_TASKS, CLUSTER_NODE_PROFILE_SECONDS, codeServerTaskIds, CONTAINERS_BOOT_SECONDS, scaledProfile, sumSeconds,
} from "./profile";
import { measureProgramStart } from "./programStart";
import {
    CALL_LEGEND, capacityBlockRows, evaluateTargets, formatPhases, formatTable, formatTargets, naiveRows, prebakeRows, prebakeTargets, programRows, ssmRows,
} from "./report";
import type { SsmSequence } from "./ssmCases";
import { measureFloors, runSsmSequence } from "./ssmCases";
import { loadCodeServerTasks } from "../tasks/loader";

/** The task sets pre-baking splits: the shipped code-server setup (phases from its file) and a Trainium cluster node. */
function prebakeSets(totalSeconds: number): PrebakeSet[] {
    const codeServer = loadCodeServerTasks();
    const node = Object.keys(CLUSTER_NODE_PROFILE_SECONDS);
    const withContainers = { ...CLUSTER_NODE_PROFILE_SECONDS, "enroot-pyxis": CONTAINERS_BOOT_SECONDS };
    return [
        { name: "code-server", tasks: scaledProfile(codeServer.tasks.map((t) => t.id), totalSeconds), imageIds: codeServer.imageTaskIds },
        { name: "cluster node (trn2)", tasks: scaledProfile(node, totalSeconds, CLUSTER_NODE_PROFILE_SECONDS), imageIds: CLUSTER_NODE_IMAGE_TASKS },
        {
            name: "cluster node (trn2, containers)",
            tasks: scaledProfile(Object.keys(withContainers), totalSeconds, withContainers),
            imageIds: CLUSTER_NODE_IMAGE_TASKS,
        },
    ];
}

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const USAGE = "usage: npm run bench [-- --save]   (--save writes bench/results.json)";

async function main(argv: string[]): Promise<void> {
    const unknown = argv.filter((a) => a !== "--save");
    if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")}; ${USAGE}`);
    const save = argv.includes("--save");
    // The pinned AWS SDK warns under Node < 22 about its releases after January 2027; it runs on Node 20.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    const projectDir = path.resolve(__dirname, "..");
    const latency = { dispatchMs: setting("BENCH_DISPATCH_MS", 1500), apiMs: setting("BENCH_API_MS", 50) };
    const repeats = setting("BENCH_REPEATS", 3);
    const fleets = (process.env.BENCH_FLEETS ?? "1,8,64").split(",").map(Number);
    const stack = process.env.BENCH_STACK ?? "dev";
    const paymentDelayMs = setting("BENCH_PAYMENT_DELAY_MS", 3000);
    const profileSeconds = setting("BENCH_PROFILE_SECONDS", 8);
    const tasks = scaledProfile(codeServerTaskIds(projectDir), profileSeconds);
    const loadBefore = os.loadavg();
    const started = Date.now();
    const progress = (what: string) => process.stderr.write(`bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s: ${what}\n`);

    // SsmTasks first and alone: its ratios are the sensitive figures.
    const sequences: SsmSequence[] = [];
    for (const n of fleets) {
        progress(`SsmTasks on ${n} instance(s)`);
        sequences.push(await runSsmSequence(tasks, n, latency, repeats));
    }
    const prebake = [];
    for (const set of prebakeSets(profileSeconds)) {
        progress(`pre-baked setup: ${set.name}`);
        prebake.push(await runPrebakeCase(set, latency, repeats));
    }
    // The naive baseline sleeps 5 s between polls (a few idle processes per task): the floors, CapacityBlock
    // and program start are measured meanwhile.
    // CapacityBlock mocks the SSM client too (its purchase records): it runs before the naive baseline's SSM fake.
    progress("CapacityBlock");
    const cb = await runCapacityBlockCase(paymentDelayMs, latency.apiMs);
    progress("naive baseline (in the background); floors of the fake; program start");
    const sorted = [...fleets].sort((a, b) => a - b);
    const naive = runNaiveCases(benchTaskSpecs(tasks), latency, sorted[0], sorted[Math.min(1, sorted.length - 1)], sorted[sorted.length - 1]);
    for (const sequence of sequences) await measureFloors(sequence, latency);
    const ssm = sequences.flatMap((s) => s.runs);
    const program = await measureProgramStart(projectDir, stack, repeats);
    const naiveRuns = (await naive).filter((r, i, all) => all.findIndex((o) => o.instances === r.instances) === i);
    const loadAfter = os.loadavg();

    const idealMs = sumSeconds(tasks) * 1000 + latency.dispatchMs;
    const ours = ssmRows(ssm);
    const rows = [...ours, ...naiveRows(naiveRuns, idealMs, ours), ...prebakeRows(prebake, latency.dispatchMs), ...capacityBlockRows(cb), ...programRows(program, stack)];
    const targets = [...evaluateTargets(rows, cb, program, fleets), ...prebakeTargets(prebake)];
    const machine = `${os.cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join("/")} before, ${loadAfter.map((l) => l.toFixed(2)).join("/")} after; node ${process.version}`;
    const output = [
        `capblocks bench — ${new Date().toISOString()} — ${machine}`,
        `fakes: SendCommand dispatch ${latency.dispatchMs} ms, ${latency.apiMs} ms per API call; code-server profile scaled to ${sumSeconds(tasks).toFixed(2)} s of run time; ` +
            `ideal = run time + one dispatch; machine ideal = the same script run directly with sh on as many roots + one dispatch (the fake's CPU cost on this machine)`,
        "",
        formatTable(rows),
        CALL_LEGEND,
        "",
        formatPhases(program),
        "",
        formatTargets(targets),
    ].join("\n");
    process.stdout.write(`${output}\n`);
    const results = {
        date: new Date().toISOString(), machine, settings: { latency, repeats, fleets, stack, paymentDelayMs, tasks }, rows, targets,
        ssmRuns: ssm, naiveRuns, prebake, capacityBlock: cb, programStart: program,
    };
    if (save) {
        fs.writeFileSync(path.join(__dirname, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
        progress(`done; wrote ${path.join("bench", "results.json")}`);
    } else {
        progress("done; bench/results.json left as it was (npm run bench -- --save writes it)");
    }
}

main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: Error) => {
        process.stderr.write(`bench crashed: ${error.stack ?? error.message}\n`);
        process.exit(1);
    },
);
