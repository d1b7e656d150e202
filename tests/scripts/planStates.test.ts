/**
 * The offline plan in every block state, for every example stack, and what it tells a person or a script: a plan
 * or one clear failure, warnings and errors in the JSON too, arguments that do not apply said to be ignored, and
 * nothing printed behind the plan's back.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { formatPlan } from "../../scripts/planText";
import type { PlanRun as Run } from "../helpers/planRuns";
import { planRun as plan } from "../helpers/planRuns";

const ROOT = path.resolve(__dirname, "..", "..");
const STATES = ["none", "payment-pending", "scheduled", "active", "expired", "payment-failed"];

interface PlanJson {
    resources: { type: string; name: string; inputs: Record<string, unknown> }[];
    outputs: Record<string, string>;
    messages: string[];
    assumed: string[];
    stack: string | null;
    blockState: string | null;
    warnings: string[];
    errors: string[];
}

const json = (r: Run) => JSON.parse(r.out) as PlanJson;
const ofType = (p: PlanJson, type: string) => p.resources.filter((r) => r.type === type);

/** A copy of an example stack file with changes, in a temporary directory. */
function stackFile(dir: string, stack: string, change: (config: Record<string, Record<string, unknown>>) => void): string {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Record<string, unknown>> };
    change(doc.config);
    const file = path.join(dir, `Pulumi.${stack}-changed.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
}

const PCS_EXPIRED = "Capacity Block cr-0b0b0000000000001 is expired, but AWS PCS needs it scheduled or active: the compute nodes can no longer start.";
const REGION_WARNING = /^aws:region: sa-east-1 is not among the Regions AWS documents as selling Capacity Blocks/;

/** What each example stack does in each state: the exit code, and the warning or error that says why. */
function expected(stack: string, state: string): { code: number; warnings?: (string | RegExp)[]; error?: RegExp } {
    const cluster = stack.startsWith("cluster");
    if (stack === "ondemand-g7e") return { code: 0, warnings: [`--block-state ${state} is ignored: this stack has no capblocks:reservation (instances run on demand)`] };
    if (stack === "adopt-id" && state === "none") {
        return { code: 2, error: /^capblocks:reservation\.id: cr-0123456789abcdef0 is not a Capacity Block in us-east-2/ };
    }
    if (stack === "adopt-parameter" && state === "none") {
        return { code: 2, error: /^capblocks:reservation\.parameterName: .*\/capacity-block\/sa-east-1\/reservation-id/ };
    }
    if (cluster && (state === "payment-pending" || state === "payment-failed")) {
        // The cluster's preflight names the key, as preview does: a config error, before anything is built.
        return { code: 2, error: new RegExp(`^capblocks:cluster\\.enabled: Capacity Block cr-0b0b0000000000001 is ${state}, but AWS PCS needs it scheduled or active: `) };
    }
    if (cluster && state === "expired") return { code: 0, warnings: [new RegExp(`^${PCS_EXPIRED.replace(/[.()]/g, "\\$&")} `)] };
    if (stack === "dev" && state === "none") return { code: 0, warnings: [REGION_WARNING] };
    if (stack === "dev" && state === "payment-failed") {
        return { code: 0, warnings: [/^`pulumi up` stops at the block: CapacityBlock cr-0b0b0000000000001: payment failed .*bump generation \(1 → 2\)/] };
    }
    return { code: 0, warnings: [] };
}

describe("offline plan in every block state", function () {
    // 36 program runs under the mocks.
    this.timeout(120_000);
    const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));

    for (const stack of stacks) {
        it(`${stack}: a plan or one clear failure in each of ${STATES.join(", ")}`, async () => {
            for (const state of STATES) {
                const r = await plan(["--stack", stack, "--json", "--block-state", state]);
                const want = expected(stack, state);
                const what = `${stack} --block-state ${state}`;
                expect(r.code, `${what}: ${r.err}`).to.equal(want.code);
                expect(r.console, `${what}: printed outside the plan`).to.equal("");
                expect(`${r.out}${r.err}`, what).to.not.contain("[runtime]");
                const p = json(r);
                expect(p.stack, what).to.equal(stack);
                expect(p.blockState, what).to.equal(stack === "ondemand-g7e" ? null : state);
                if (want.code === 0) {
                    expect(p.errors, what).to.deep.equal([]);
                    expect(p.resources.length, what).to.be.greaterThan(0);
                    expect(p.warnings, what).to.have.length((want.warnings ?? []).length);
                    (want.warnings ?? []).forEach((w, i) => (typeof w === "string" ? expect(p.warnings[i], what).to.equal(w) : expect(p.warnings[i], what).to.match(w)));
                } else {
                    expect(p.errors, what).to.have.length(1);
                    expect(p.errors[0], what).to.match(want.error as RegExp);
                    expect(p.resources, what).to.deep.equal([]);
                    // The text on stderr says the state was assumed (it may be why the program stopped).
                    expect(r.err, what).to.contain(`(assumed offline: block state ${state === "none" ? "none:" : state}`);
                }
            }
        });
    }

    it("a bought block shows its state: payment-pending waits like scheduled, builds no instance, and says when to come back", async () => {
        const p = json(await plan(["--stack", "dev", "--json", "--block-state", "payment-pending"]));
        expect(p.outputs.blockState).to.equal("payment-pending");
        expect(ofType(p, "aws:ec2/instance:Instance")).to.have.length(0);
        expect(p.outputs.nextStep).to.match(/^The Capacity Block is payment-pending and starts at .*run `pulumi up` again after/);
    });

    it("adopting, --block-count gives the block's size (default: the fewest the config can use), and the cluster gets the rest", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-plan-count-"));
        try {
            const file = stackFile(dir, "adopt-id", (c) => {
                c["capblocks:cluster"] = { enabled: true, computeMinCount: 2 };
            });
            const byDefault = json(await plan(["--config-file", file, "--json"]));
            expect(byDefault.assumed).to.include("the adopted block has 3 instance(s), the fewest this config can use (give its real size with --block-count N)");
            const computeOf = (p: PlanJson) => ofType(p, "aws-native:pcs:ComputeNodeGroup").find((g) => g.inputs.purchaseOption === "CAPACITY_BLOCK");
            expect(computeOf(byDefault)?.inputs.scalingConfiguration).to.deep.include({ maxInstanceCount: 2 });
            const eight = json(await plan(["--config-file", file, "--json", "--block-count", "8"]));
            expect(eight.assumed).to.include("the adopted block has 8 instance(s) (--block-count)");
            expect(eight.assumed.some((a) => a.startsWith("Capacity Block cr-0123456789abcdef0: 8 × p5.48xlarge in us-east-2a, active"))).to.equal(true);
            expect(computeOf(eight)?.inputs.scalingConfiguration).to.deep.include({ maxInstanceCount: 7 });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const alone = json(await plan(["--stack", "adopt-id", "--json"]));
        expect(alone.assumed).to.include("the adopted block has 1 instance(s), the fewest this config can use (give its real size with --block-count N)");
    });

    it("says --block-count is ignored where the config fixes the size, and refuses a count that is not one", async () => {
        const bought = json(await plan(["--stack", "cluster-p5", "--json", "--block-count", "5"]));
        expect(bought.warnings).to.deep.equal(["--block-count 5 is ignored: a block to buy has capblocks:reservation.instanceCount (2)"]);
        const bad = await plan(["--stack", "adopt-id", "--block-count", "0"]);
        expect(bad.code).to.equal(1);
        expect(bad.err).to.equal("plan: --block-count 0 is not an instance count (1..64)\n");
    });

    it("--help says how to use it, every state included", async () => {
        const r = await plan(["--help"]);
        expect(r.code).to.equal(0);
        expect(r.out).to.match(/^usage: npm run plan -- \(--stack NAME \| --config-file PATH\)/);
        for (const state of STATES) expect(r.out).to.contain(state);
        expect(r.out).to.contain("--block-count N").and.contain("Exit status: 0 planned; 2 invalid stack configuration");
    });

    it("with --json, a failure is JSON too: the errors, and nothing planned", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-plan-json-"));
        try {
            const file = stackFile(dir, "dev", (c) => {
                c["capblocks:reservation"].durationHours = 30;
            });
            const r = await plan(["--config-file", file, "--json"]);
            expect(r.code).to.equal(2);
            expect(r.err).to.match(/^invalid stack configuration:\n {2}capblocks:reservation\.durationHours: 30 is not a valid Capacity Block duration/);
            const p = json(r);
            expect(p.errors).to.deep.equal([
                "capblocks:reservation.durationHours: 30 is not a valid Capacity Block duration (24..336 in steps of 24, or 504..4368 in steps of 168); use 24 or 48",
            ]);
            expect(p).to.include({ stack: "dev-changed", blockState: null });
            expect(p.resources).to.deep.equal([]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const unknown = json(await plan(["--json", "--fast"]));
        expect(unknown.errors).to.deep.equal(["plan: unknown argument --fast (see npm run plan -- --help)"]);
    });
});

describe("offline plan as text", () => {
    it("is a tree of `type name` lines with a few key inputs: task ids, boot script parts, trust and policy in words", async () => {
        const r = await plan(["--stack", "cluster-and-code-server", "--block-state", "active"]);
        expect(r.code, r.err).to.equal(0);
        const lines = r.out.split("\n");
        // Each resource once, as its type and name, under its parent; names repeat only across types.
        expect(lines).to.include.members([
            "  capblocks.CodeServerInstance code-server",
            "    random.RandomPassword code-server-password",
            "    aws.secretsmanager.Secret code-server-password",
            "    aws.secretsmanager.SecretVersion code-server-password",
            "    capblocks.ClusterNetwork cluster-net",
            "      aws.ec2.Eip cluster-net-nat",
            "      aws.ec2.NatGateway cluster-net-nat",
            "  capblocks.CapacityBlock block",
        ]);
        // The dev box's setup, and the cluster's tasks around it: the box's user first, the storage and the Slurm join last.
        expect(r.out).to.match(/\n {8}tasks: 24 task\(s\): mount-work-volume, cluster-user, needrestart, apt-helper, .*, verify, cluster-shared-storage, cluster-slurm-client\n/);
        expect(r.out).to.not.contain("set -eu");
        expect(r.out).to.match(/\n {8}userData: MIME multipart, \d part\(s\): text\/x-shellscript \(capblocks: [^\n]*\); text\/x-shellscript \(capblocks: mount the cluster's shared storage\. Safe to run again\.\)/);
        expect(r.out).to.contain("        assumeRolePolicy: assumed by ec2.amazonaws.com\n");
        expect(r.out).to.contain("        networkInterfaces: 32 (efa) on network cards 0-31\n");
        expect(r.out).to.contain("        ingress: none\n");
        expect(r.out).to.not.contain("tags:");
    });

    it("indents multi-line outputs, marks made-up ids, says which state it assumed, and prints warnings without a [runtime] prefix", async () => {
        const r = await plan(["--stack", "cluster-p5", "--block-state", "expired"]);
        expect(r.code, r.err).to.equal(0);
        expect(r.out.split("\n")[1]).to.equal("Assumed block state: expired (choose with --block-state; see Assumed below)");
        expect(r.out).to.match(/\n\* parallelClusterConfig: \|\n {6}Region: us-east-2\n {6}Image:\n {8}Os: ubuntu2404\n/);
        expect(r.out).to.match(/\n\* clusterId: pcs_\w+\n/).and.match(/\n {2}clusterName: p5-training\n/);
        expect(r.out).to.match(/\n {2}- ids and ARNs in the outputs are made up \(marked \* there; AWS assigns the real ones\): .*pcs_\w+/);
        expect(r.out).to.contain(`\nWarnings (\`pulumi preview\` prints these under Diagnostics):\n  ${PCS_EXPIRED}`);
        expect(r.out + r.err).to.not.contain("[runtime]");
        const onDemand = await plan(["--stack", "ondemand-g7e"]);
        expect(onDemand.out.split("\n")[1]).to.equal("No Capacity Block: instances run on demand.");
    });

    it("keeps a multi-line input on its line: an Image Builder component's document", async () => {
        const r = await plan(["--stack", "cluster-trn2", "--block-state", "active"]);
        expect(r.code, r.err).to.equal(0);
        const resources = r.out.slice(r.out.indexOf("\nResources ("), r.out.indexOf("\nOutputs ("));
        expect(resources.split("\n").slice(2).filter((l) => l !== "" && !l.startsWith("  ")), "lines outside the tree").to.deep.equal([]);
        expect(resources).to.match(/\n {10}data: name: "capblocks-neuron" \(\d+ lines\)\n/);
    });

    it("prints an empty output as (empty), not as a blank line", () => {
        const text = formatPlan({ stack: "dev", resources: [], outputs: { instanceId: "" }, messages: [], warnings: [], assumed: [], madeUp: [] });
        expect(text).to.match(/\n {2}instanceId: \(empty\)\n/);
    });
});
