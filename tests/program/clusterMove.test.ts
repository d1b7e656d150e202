/**
 * The cluster's network and shared storage across blocks in different Availability Zones: index.ts run twice
 * under the offline mocks (the second run finds the first one's home subnet, as the tag lookup would in AWS),
 * and the replacement rules saying what `pulumi up` would replace between the runs.
 */
import { expect } from "chai";
import type { Assumptions, BlockFacts, RecordedResource } from "../../scripts/offlineMocks";
import { activeBlock } from "../helpers/mocks";
import type { PlannedChange } from "../helpers/replacements";
import { changeOf, emptyingReplacements, plannedChanges, replacementsIn } from "../helpers/replacements";
import type { ProgramRun } from "../helpers/mocks";
import { runProgram } from "../helpers/mocks";

const PARAMETER = "/capacity-block/sa-east-1/reservation-id";
const p5In = (availabilityZone: string, id: string): BlockFacts => activeBlock({ id, availabilityZone, instanceType: "p5.48xlarge", instanceCount: 2 });
const BLOCK_A = p5In("sa-east-1a", "cr-0aaaaaaaaaaaaaaa5");
const BLOCK_B = p5In("sa-east-1b", "cr-0bbbbbbbbbbbbbbb5");
const BLOCK_C = p5In("sa-east-1c", "cr-0ccccccccccccccc5");

const clusterStack = (sharedStorage: string) => ({
    "capblocks:reservation": { parameterName: PARAMETER, instanceType: "p5.48xlarge" },
    "capblocks:codeServer": { enabled: false },
    "capblocks:cluster": { enabled: true, sharedStorage },
});

const named = (run: ProgramRun, name: string): RecordedResource => {
    const found = run.run.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource ${name}`);
    return found;
};

/** What AWS holds after `last`: its home subnet, found by tags on the next run. */
function after(last: ProgramRun): Partial<Assumptions> {
    const home = named(last, "cluster-net-private-0");
    return { subnetsByName: { "cluster-net-private-0": { id: home.id as string, availabilityZone: home.inputs.availabilityZone as string } } };
}

async function ok(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const result = await runProgram(config, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result;
}

async function moved(sharedStorage: string, to: BlockFacts): Promise<{ first: ProgramRun; second: ProgramRun; changes: PlannedChange[] }> {
    const first = await ok(clusterStack(sharedStorage), { parameters: { [PARAMETER]: BLOCK_A.id }, block: BLOCK_A });
    const second = await ok(clusterStack(sharedStorage), { parameters: { [PARAMETER]: to.id }, block: to, ...after(first) });
    return { first, second, changes: plannedChanges(first.run, second.run) };
}

const replacedNames = (changes: PlannedChange[]) => replacementsIn(changes).map((c) => c.name).sort();

describe("the cluster keeps its shared storage when the next block is in another AZ", () => {
    describe("FSx for Lustre, block moves from sa-east-1a to sa-east-1c (a third AZ)", () => {
        let run: Awaited<ReturnType<typeof moved>>;
        before(async () => {
            run = await moved("fsx-lustre", BLOCK_C);
        });

        it("replaces only the second private subnet and what sits in it, deleted first (its CIDR is reused)", () => {
            expect(emptyingReplacements(run.changes)).to.deep.equal([]);
            expect(replacedNames(run.changes)).to.deep.equal(["cluster-net-private-1", "cluster-net-private-1"]);
            const subnet = run.changes.find((c) => c.name === "cluster-net-private-1" && c.type === "aws:ec2/subnet:Subnet") as PlannedChange;
            expect(subnet).to.include({ op: "replace", deleteBeforeReplace: true });
            expect(subnet.because).to.deep.equal(["availabilityZone"]);
            expect(subnet.inputs).to.include({ availabilityZone: "sa-east-1c", cidrBlock: "10.0.32.0/20" });
        });

        it("leaves the file system, the home subnet, the NAT and the PCS cluster where they are", () => {
            const same = ["cluster-fsx", "cluster-net-public-0", "cluster-net-public-1", "cluster-net-private-0", "cluster-nat", "cluster-cluster", "cluster-queue", "cluster-login"];
            for (const name of same) {
                expect(run.changes.filter((c) => c.name === name && c.op !== "same").map((c) => `${c.type} ${c.op}`), name).to.deep.equal([]);
            }
        });

        it("moves only the compute node group, in place, to the subnet in the block's AZ", () => {
            const compute = run.changes.find((c) => c.name === "cluster-compute" && c.type === "aws-native:pcs:ComputeNodeGroup") as PlannedChange;
            expect(compute.op).to.equal("update");
            expect(compute.inputs.subnetIds).to.deep.equal([named(run.second, "cluster-net-private-1").id]);
        });

        it("says the file system stays and is mounted across AZs, in preview and in the outputs", () => {
            const fsId = run.second.outputs?.clusterSharedStorageId as string;
            const stays =
                `FSx for Lustre file system ${fsId} stays in sa-east-1a with your /fsx data; the compute nodes in sa-east-1c mount it across Availability Zones ` +
                "(more latency, and EC2 bills data transfer between AZs). Moving it would mean a new file system restored from a backup.";
            expect(run.second.warnings).to.include(`capblocks:cluster: ${stays}`);
            expect(run.second.outputs?.clusterSharedStorage).to.match(/^pulumi destroy deletes FSx for Lustre file system fs-\w+ after a final backup of \/fsx; /);
            expect(run.second.outputs?.clusterSharedStorage.endsWith(` ${stays}`)).to.equal(true);
            expect(run.first.warnings.filter((w) => w.includes("stays in"))).to.deep.equal([]);
        });
    });

    describe("EFS, block moves to the VPC's other AZ, then to a third one", () => {
        it("to sa-east-1b: nothing is replaced; the nodes use the mount target in their own AZ", async () => {
            const { changes, second } = await moved("efs", BLOCK_B);
            expect(replacementsIn(changes)).to.deep.equal([]);
            expect(changeOf(changes, "cluster-shared").op).to.equal("same");
            const userData = Buffer.from(named(second, "cluster-compute").inputs.userData as string, "base64").toString("utf8");
            expect(userData).to.contain("10.0.32.5");
            expect(userData).to.not.contain("10.0.16.5");
        });

        it("to sa-east-1c: the file system stays; the second subnet's mount target moves with the subnet", async () => {
            const { changes } = await moved("efs", BLOCK_C);
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            expect(changeOf(changes, "cluster-shared")).to.include({ op: "same" });
            expect(changeOf(changes, "cluster-shared-0").op).to.equal("same");
            expect(changeOf(changes, "cluster-shared-1")).to.include({ op: "replace" });
        });
    });

    describe("the replacement rules catch what the earlier network did", () => {
        it("a VPC that followed the block would replace the file system with an empty one", async () => {
            const first = await ok(clusterStack("fsx-lustre"), { parameters: { [PARAMETER]: BLOCK_A.id }, block: BLOCK_A });
            // Without the home-subnet lookup the VPC is laid out afresh around the new block, as before this change.
            const second = await ok(clusterStack("fsx-lustre"), { parameters: { [PARAMETER]: BLOCK_C.id }, block: BLOCK_C });
            const changes = plannedChanges(first.run, second.run);
            // The home subnets ignore AZ changes, so even then the file system is not replaced...
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            // ...while the same runs without that guard would replace it, empty.
            const unguarded = plannedChanges(withoutIgnoreChanges(first), withoutIgnoreChanges(second));
            expect(emptyingReplacements(unguarded).map((c) => c.name)).to.deep.equal(["cluster-fsx"]);
        });
    });
});

function withoutIgnoreChanges(run: ProgramRun): ProgramRun["run"] {
    return { ...run.run, resources: run.run.resources.map((r) => ({ ...r, options: { ...r.options, ignoreChanges: [] } })) };
}
