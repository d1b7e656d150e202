/**
 * Every user error the program can meet, as `pulumi up` shows it: index.ts under the offline mocks stops with a
 * RunError (Pulumi prints its message without a stack trace), one line per problem, before the purchase or the
 * resources the problem is about are declared, and with no promise rejected behind its back (in real Pulumi an
 * error inside an apply surfaces as "error serializing property …", once per resource that uses the value, plus a
 * notice about leaked promises).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config";
import type { Assumptions, MockRun } from "../../scripts/offlineMocks";
import type { ProgramRun } from "../helpers/mocks";
import { activeBlock, ofType, runProgram, settle } from "../helpers/mocks";

const BLOCK_TYPE = "pulumi-nodejs:dynamic/capblocks:CapacityBlock";
const buy = { instanceType: "p5.48xlarge", instanceCount: 3, durationHours: 24, maxUpfrontFee: "3000" };
const p5Block = (over: Parameters<typeof activeBlock>[0] = {}) => activeBlock({ instanceType: "p5.48xlarge", instanceCount: 3, ...over });
const adopt = (block = p5Block()) => ({ id: block.id, instanceType: block.instanceType });

/** Runs the program, collecting any promise rejected without a handler while it ran and settled. */
async function runWatched(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun & { unhandled: unknown[] }> {
    const unhandled: unknown[] = [];
    const watch = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", watch);
    try {
        const result = await runProgram(config, assumptions);
        await settle();
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { ...result, unhandled };
    } finally {
        process.off("unhandledRejection", watch);
    }
}

/** The error as Pulumi prints it: a RunError's message, checked to be the given lines and nothing else. */
function expectUserError(result: ProgramRun & { unhandled: unknown[] }, lines: (string | RegExp)[]): void {
    expect(result.unhandled, "no promise rejected without a handler").to.deep.equal([]);
    expect(result.error, "the program stopped").to.be.instanceOf(pulumi.RunError);
    const error = result.error as Error;
    const problems = error instanceof ConfigError ? error.problems : error.message.split("\n");
    expect(problems).to.have.length(lines.length, error.message);
    lines.forEach((line, i) => (typeof line === "string" ? expect(problems[i]).to.equal(line) : expect(problems[i]).to.match(line)));
}

const declared = (run: MockRun, type: string) => ofType(run, type).length;
const nothingOf = (run: MockRun, prefix: string) => run.resources.filter((r) => r.type.startsWith(prefix) || r.parent?.startsWith(prefix));

describe("user errors in the program: one readable line each, nothing declared", () => {
    it("bad config: a key set without --path", async () => {
        const result = await runWatched({ "capblocks:reservation.instanceType": "p5.48xlarge" }, {});
        expectUserError(result, [/^capblocks:reservation\.instanceType: is one flat key \(set without --path\)/]);
        expect(result.run.resources).to.deep.equal([]);
    });

    it("a cluster on an adopted block still payment-pending: stopped before code-server or the cluster is declared", async () => {
        const block = p5Block({ state: "payment-pending" });
        const result = await runWatched({ "capblocks:reservation": adopt(block), "capblocks:cluster": { enabled: true } }, { block });
        expectUserError(result, [
            `capblocks:cluster.enabled: Capacity Block ${block.id} is payment-pending, but AWS PCS needs it scheduled or active: ` +
                "EC2 is still taking payment; run `pulumi up` again in a few minutes.",
        ]);
        expect(result.run.resources.filter((r) => r.custom && r.type !== "pulumi:pulumi:StackReference")).to.deep.equal([]);
    });

    it("a cluster on this stack's own block whose payment failed (recorded by the last deployment)", async () => {
        const block = p5Block({ id: "cr-0b0b0000000000001", state: "payment-failed" });
        const result = await runWatched(
            { "capblocks:reservation": buy, "capblocks:codeServer": { enabled: false }, "capblocks:cluster": { enabled: true } },
            { block, previousOutputs: { blockId: block.id, blockGeneration: "1" } },
        );
        expectUserError(result, [/^capblocks:cluster\.enabled: Capacity Block cr-0b0b0000000000001 is payment-failed, .*bump capblocks:reservation\.generation/]);
        expect(nothingOf(result.run, "aws-native:pcs")).to.deep.equal([]);
    });

    it("an ended block with a cluster: a warning, and everything else is built", async () => {
        const block = p5Block({ state: "expired" });
        const result = await runWatched({ "capblocks:reservation": adopt(block), "capblocks:codeServer": { enabled: false }, "capblocks:cluster": { enabled: true } }, { block });
        expect(result.error).to.equal(undefined);
        expect(result.unhandled).to.deep.equal([]);
        expect(result.warnings.filter((w) => w.includes("is expired, but AWS PCS needs it"))).to.have.length(1);
    });

    it("an adopted block too small for code-server and the cluster", async () => {
        const block = p5Block({ instanceCount: 1 });
        // One root cause, one line: not also "computeMinCount 2 is above the 0 compute instances".
        const result = await runWatched({ "capblocks:reservation": adopt(block), "capblocks:cluster": { enabled: true, computeMinCount: 2 } }, { block });
        expectUserError(result, [
            `capblocks:cluster.enabled: the adopted block ${block.id} has 1 instance(s) and code-server takes one, leaving none for the cluster; ` +
                "adopt a block with more instances, or disable code-server (capblocks:codeServer.enabled: false)",
        ]);
        expect(declared(result.run, "aws:ec2/instance:Instance")).to.equal(0);
    });

    it("a compute subnet where the block to buy may not land: nothing is bought", async () => {
        const result = await runWatched(
            { "capblocks:reservation": buy, "capblocks:cluster": { enabled: true, computeSubnetId: "subnet-0aaaa1111bbbb2222" } },
            { subnetAzs: { "subnet-0aaaa1111bbbb2222": "sa-east-1c" } },
        );
        expectUserError(result, [
            "capblocks:cluster.computeSubnetId: subnet-0aaaa1111bbbb2222 is in sa-east-1c, but the block to buy may land in any Availability Zone " +
                "of sa-east-1, and instances can only use a block from its own Availability Zone; set capblocks:reservation.availabilityZones: " +
                "[sa-east-1c] so the block is bought there (nothing was bought)",
        ]);
        expect(declared(result.run, BLOCK_TYPE)).to.equal(0);
    });

    it("subnets outside a known block's zone, and a compute subnet outside the VPC given", async () => {
        const block = p5Block({ availabilityZone: "sa-east-1b" });
        const subnetAzs = { "subnet-0aaaa1111bbbb2222": "sa-east-1c", "subnet-0cccc3333dddd4444": "sa-east-1a" };
        const result = await runWatched({
            "capblocks:reservation": adopt(block),
            "capblocks:cluster": { enabled: true, vpcId: "vpc-0123456789abcdef0", computeSubnetId: "subnet-0aaaa1111bbbb2222" },
        }, { block, subnetAzs });
        expectUserError(result, [
            "capblocks:cluster.computeSubnetId: subnet-0aaaa1111bbbb2222 is in vpc-0given00000000001, not in capblocks:cluster.vpcId vpc-0123456789abcdef0; give a subnet of that VPC",
        ]);
        const sameVpc = await runWatched({
            "capblocks:reservation": adopt(block),
            "capblocks:cluster": { enabled: true, computeSubnetId: "subnet-0aaaa1111bbbb2222" },
        }, { block, subnetAzs });
        expectUserError(sameVpc, [
            "capblocks:cluster.computeSubnetId: subnet-0aaaa1111bbbb2222 is in sa-east-1c, but the Capacity Block is in sa-east-1b, and instances " +
                "can only use the block from its own Availability Zone; choose a subnet in sa-east-1b",
        ]);
        expect(sameVpc.run.resources.filter((r) => r.custom && r.type !== "pulumi:pulumi:StackReference")).to.deep.equal([]);
        // Without a cluster the box has a subnet of its own, held to the block's zone the same way; with one it lives in the cluster's.
        const ownSubnet = await runWatched({ "capblocks:reservation": adopt(block), "capblocks:codeServer": { subnetId: "subnet-0cccc3333dddd4444" } }, { block, subnetAzs });
        expectUserError(ownSubnet, [
            "capblocks:codeServer.subnetId: subnet-0cccc3333dddd4444 is in sa-east-1a, but the Capacity Block is in sa-east-1b, and instances " +
                "can only use the block from its own Availability Zone; choose a subnet in sa-east-1b",
        ]);
        const boxOutOfCluster = await runWatched({
            "capblocks:reservation": adopt(block),
            "capblocks:codeServer": { subnetId: "subnet-0cccc3333dddd4444" },
            "capblocks:cluster": { enabled: true },
        }, { block, subnetAzs });
        expectUserError(boxOutOfCluster, [/^capblocks:codeServer\.subnetId: "subnet-0cccc3333dddd4444" would take the dev box out of the cluster: /]);
    });

    it("a known block in a zone where the default VPC has no default subnet", async () => {
        const block = p5Block({ availabilityZone: "sa-east-1b" });
        const result = await runWatched({ "capblocks:reservation": adopt(block) }, { block, subnetsByAz: { "sa-east-1b": [] } });
        expectUserError(result, [/^capblocks:codeServer\.subnetId: not set, and the default VPC vpc-0default0000000001 has no default subnet in sa-east-1b; /]);
        expect(result.run.resources.filter((r) => r.custom && r.type !== "pulumi:pulumi:StackReference")).to.deep.equal([]);
    });

    it("a task file that is missing, or names a property the schema does not know", async () => {
        const missing = await runWatched({ "capblocks:reservation": adopt(), "capblocks:codeServer": { taskFiles: ["no-such-tasks.json"] } }, { block: p5Block() });
        expectUserError(missing, [/^capblocks:codeServer\.taskFiles: no-such-tasks\.json does not exist in /]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-tasks-"));
        try {
            const file = path.join(dir, "mine.json");
            fs.writeFileSync(file, JSON.stringify({ tasks: [{ id: "x", name: "X", commands: ["true"], timeout: 5 }] }));
            const unknown = await runWatched({ "capblocks:reservation": adopt(), "capblocks:codeServer": { taskFiles: [file] } }, { block: p5Block() });
            expectUserError(unknown, [/"timeout" is not a property here; did you mean timeoutSeconds\?; fix the file or remove it from capblocks:codeServer\.taskFiles$/]);
            expect(declared(unknown.run, "aws:ec2/instance:Instance")).to.equal(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
