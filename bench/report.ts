import type { CapacityBlockRun } from "./capacityBlockCase";
import type { NaiveRun } from "./naiveCases";
import type { PrebakeRun } from "./prebakeCase";
import type { ProgramStart } from "./programStart";
import type { SsmCaseName, SsmRun } from "./ssmCases";
import type { CallCounts} from "./stats";
import { median, medianCounts } from "./stats";

export interface Row {
    case: string;
    instances: number | "";
    wallMs: number;
    idealMs?: number;
    machineIdealMs?: number;
    calls: CallCounts;
    note?: string;
}

export interface Target {
    target: string;
    measured: string;
    pass: boolean;
}

const SSM_CASES: SsmCaseName[] = ["create", "no-op up", "one changed task", "refresh"];

/** One row per case and fleet size: median wall, median calls per operation. */
export function ssmRows(runs: SsmRun[]): Row[] {
    const sizes = [...new Set(runs.map((r) => r.instances))];
    return sizes.flatMap((instances) => SSM_CASES.flatMap((name) => {
        const same = runs.filter((r) => r.instances === instances && r.case === name);
        if (same.length === 0) return [];
        const machine = same.map((r) => r.machineIdealMs).filter((m): m is number => m !== undefined);
        return [{
            case: `SsmTasks ${name}`,
            instances,
            wallMs: median(same.map((r) => r.wallMs)),
            idealMs: same[0].idealMs,
            machineIdealMs: machine.length > 0 ? median(machine) : undefined,
            calls: medianCounts(same.map((r) => r.calls)),
            note: same.length > 1 ? `median of ${same.length}` : undefined,
        }];
    }));
}

export function naiveRows(runs: NaiveRun[], idealMs: number, ours: Row[]): Row[] {
    return runs.map((r) => {
        const mine = ours.find((o) => o.case === "SsmTasks create" && o.instances === r.instances);
        const gain = mine ? `${(r.wallMs / mine.wallMs).toFixed(1)}× capblocks' wall` : "";
        const how = r.estimatedFrom ? `ESTIMATED from ${r.estimatedFrom} instances (lower bound); ` : "";
        return { case: "naive create (1 cmd/task/instance, 5 s polls)", instances: r.instances, wallMs: r.wallMs, idealMs, calls: r.calls, note: `${how}${gain}` };
    });
}

export function capacityBlockRows(cb: CapacityBlockRun): Row[] {
    return [
        { case: "CapacityBlock quote (check/preview)", instances: "", wallMs: cb.quoteMs, calls: cb.quoteCalls },
        { case: "CapacityBlock create, whole", instances: "", wallMs: cb.createMs, calls: cb.createCalls },
        {
            case: "CapacityBlock purchase → scheduled",
            instances: "",
            wallMs: cb.purchaseToScheduledMs,
            idealMs: cb.paymentDelayMs,
            calls: {},
            note: `payment clears ${cb.paymentDelayMs / 1000} s after purchase; ended ${cb.finalState}`,
        },
    ];
}

/** Block-time setup may be at most this share of the whole task set's run time. */
export const BLOCK_TIME_SHARE_TARGET = 0.15;

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

export function prebakeRows(runs: PrebakeRun[], dispatchMs: number): Row[] {
    return runs.flatMap((r) => [
        {
            case: `prebake ${r.set}: block active → ready, nothing baked`,
            instances: 1,
            wallMs: median(r.fullMs),
            idealMs: r.wholeSeconds * 1000 + dispatchMs,
            calls: r.fullCalls,
            note: `median of ${r.fullMs.length}; every task on block time`,
        },
        {
            case: `prebake ${r.set}: block active → ready, from the baked image`,
            instances: 1,
            wallMs: median(r.prebakedMs),
            idealMs: r.blockSeconds * 1000 + dispatchMs,
            calls: r.prebakedCalls,
            note: `median of ${r.prebakedMs.length}; block-time setup ${percent(r.blockTimeShare)} of the set (${r.blockSeconds.toFixed(2)} of ${r.wholeSeconds.toFixed(2)} s)`,
        },
        {
            case: `prebake ${r.set}: the bake, before the block`,
            instances: "",
            wallMs: r.bakeMs,
            idealMs: (r.wholeSeconds - r.blockSeconds) * 1000,
            calls: {},
            note: "the image component's script on the build instance (no SSM)",
        },
    ]);
}

/** Per set: block-time setup within the target share, and pre-baking sends the same commands as before. */
export function prebakeTargets(runs: PrebakeRun[]): Target[] {
    return runs.flatMap((r) => {
        const wall = median(r.prebakedMs) / median(r.fullMs);
        const sent = (c: CallCounts) => c.SendCommand ?? 0;
        return [
            {
                target: `block-time setup ≤ ${percent(BLOCK_TIME_SHARE_TARGET)} of the whole set's run time (${r.set})`,
                measured: `${percent(r.blockTimeShare)} by the stand-ins' weights; wall ${(median(r.prebakedMs) / 1000).toFixed(2)} s vs ${(median(r.fullMs) / 1000).toFixed(2)} s nothing baked (${percent(wall)}, SSM latency included)`,
                pass: r.blockTimeShare <= BLOCK_TIME_SHARE_TARGET,
            },
            {
                target: `pre-baked (${r.set}): create SendCommand unchanged, no-op up 0 SendCommand`,
                measured: `create SC ${sent(r.prebakedCalls)} (nothing baked: ${sent(r.fullCalls)}), no-op SC ${sent(r.noopCalls)}`,
                pass: sent(r.prebakedCalls) === sent(r.fullCalls) && sent(r.noopCalls) === 0,
            },
        ];
    });
}

export function programRows(p: ProgramStart, stack: string): Row[] {
    const total = (runs: ProgramStart["asPulumi"]) => median(runs.map((r) => r.totalMs));
    return [
        { case: `npm run plan -- --stack ${stack}`, instances: "", wallMs: median(p.npmPlanMs), calls: {}, note: `median of ${p.npmPlanMs.length}; includes npm itself` },
        { case: "program start as Pulumi runs it (transpileOnly)", instances: "", wallMs: total(p.asPulumi), calls: {}, note: `median of ${p.asPulumi.length}; ts-node transpileOnly=${p.asPulumi[0]?.transpileOnly}` },
        { case: "program start, full type-check", instances: "", wallMs: total(p.typeCheck), calls: {}, note: `PULUMI_NODEJS_TRANSPILE_ONLY=false; transpileOnly=${p.typeCheck[0]?.transpileOnly}` },
        { case: "@pulumi/aws classes via root index", instances: "", wallMs: p.awsRootMs, calls: {}, note: "after @pulumi/pulumi, fresh process" },
        { case: "@pulumi/aws classes via submodules", instances: "", wallMs: p.awsSubmodulesMs, calls: {}, note: "import \"@pulumi/aws/ec2\" etc." },
        ...Object.entries(p.serializeMs).map(([name, ms]) => ({
            case: `serialize ${name} provider (cold)`, instances: "" as const, wallMs: ms, calls: {}, note: "part of program evaluation",
        })),
    ];
}

const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "" : (ms / 1000).toFixed(2));
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(3) : "");
const callText = (calls: CallCounts) =>
    Object.entries(calls).map(([op, n]) => `${op.replace(/[a-z]/g, "")}=${Number.isInteger(n) ? n : n.toFixed(1)}`).join(" ");

export function formatTable(rows: Row[]): string {
    const header = ["case", "inst", "wall s", "ideal s", "wall/ideal", "machine ideal s", "wall/machine", "API calls", "note"];
    const body = rows.map((r) => [
        r.case, String(r.instances), seconds(r.wallMs), seconds(r.idealMs), ratio(r.wallMs, r.idealMs),
        seconds(r.machineIdealMs), ratio(r.wallMs, r.machineIdealMs), callText(r.calls), r.note ?? "",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ").trimEnd();
    return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...body.map(line)].join("\n");
}

export const CALL_LEGEND = "API calls: SC=SendCommand LCI=ListCommandInvocations GCI=GetCommandInvocation DII=DescribeInstanceInformation " +
    "DCBO=DescribeCapacityBlockOfferings DCR=DescribeCapacityReservations PCB=PurchaseCapacityBlock";

export function evaluateTargets(rows: Row[], cb: CapacityBlockRun, program: ProgramStart, sizes: number[]): Target[] {
    const find = (name: string, instances: number) => rows.find((r) => r.case === `SsmTasks ${name}` && r.instances === instances);
    const chunks = (n: number) => Math.ceil(n / 50);
    const targets: Target[] = [];
    const setup = (instances: number, limit: number) => {
        const row = find("create", instances);
        if (!row?.idealMs) return;
        const r = row.wallMs / row.idealMs;
        const machine = row.machineIdealMs ? `; vs machine ideal ${(row.wallMs / row.machineIdealMs).toFixed(3)}` : "";
        targets.push({ target: `setup wall ≤ ${limit} × ideal on ${instances} instance(s)`, measured: `${r.toFixed(3)}${machine}`, pass: r <= limit });
    };
    setup(1, 1.1);
    setup(Math.max(...sizes), 1.15);
    const sends = sizes.map((n) => ({ n, sc: find("create", n)?.calls.SendCommand ?? NaN }));
    targets.push({
        target: "create SendCommand = 1 per 50 instances (independent of fleet size up to 50)",
        measured: sends.map((s) => `${s.n}→${s.sc}`).join(", "),
        pass: sends.every((s) => s.sc === chunks(s.n)),
    });
    const noop = sizes.map((n) => find("no-op up", n)?.calls ?? {});
    targets.push({
        target: "no-op up: 0 SendCommand, ≤ 1 DescribeInstanceInformation",
        measured: noop.map((c, i) => `${sizes[i]}→SC ${c.SendCommand ?? 0} DII ${c.DescribeInstanceInformation ?? 0}`).join(", "),
        pass: noop.every((c) => (c.SendCommand ?? 0) === 0 && (c.DescribeInstanceInformation ?? 0) <= 1),
    });
    const refresh = sizes.map((n) => ({ n, sc: find("refresh", n)?.calls.SendCommand ?? NaN }));
    targets.push({
        target: "refresh: 1 SendCommand per 50 instances",
        measured: refresh.map((s) => `${s.n}→${s.sc}`).join(", "),
        pass: refresh.every((s) => s.sc === chunks(s.n)),
    });
    const beyond = cb.purchaseToScheduledMs - cb.paymentDelayMs;
    targets.push({
        target: `CapacityBlock purchase → scheduled ≤ delay + 2 s (delay ${cb.paymentDelayMs / 1000} s)`,
        measured: `${(cb.purchaseToScheduledMs / 1000).toFixed(2)} s (+${(beyond / 1000).toFixed(2)} s)`,
        pass: cb.finalState === "scheduled" && beyond <= 2000,
    });
    const start = median(program.npmPlanMs);
    targets.push({ target: "program start (npm run plan) ≤ 3 s", measured: `${(start / 1000).toFixed(2)} s`, pass: start <= 3000 });
    return targets;
}

export function formatTargets(targets: Target[]): string {
    return targets.map((t) => `${t.pass ? "PASS" : "FAIL"}  ${t.target}: ${t.measured}`).join("\n");
}

function phaseLine(runs: ProgramStart["asPulumi"]): string {
    const names = runs[0]?.phases.map((p) => p.name) ?? [];
    return names.map((n) => `${n} ${(median(runs.map((r) => r.phases.find((p) => p.name === n)?.ms ?? NaN)) / 1000).toFixed(2)}`).join(" + ");
}

export function formatPhases(program: ProgramStart): string {
    return `program start as Pulumi runs it (s): ${phaseLine(program.asPulumi)}\nprogram start, type-check (s): ${phaseLine(program.typeCheck)}`;
}
