/**
 * The cluster's hourly parts wait until the block is close (components/cluster/deferral.ts): index.ts run across the
 * life of a block under the offline mocks, and the replacement rules saying what `pulumi up` would do between runs.
 * Deferring and building later must create, never replace or delete, and never touch data.
 */
import { expect } from "chai";
import type { Assumptions, BlockFacts, RecordedResource } from "../../scripts/offlineMocks";
import type { ProgramRun } from "../helpers/mocks";
import { activeBlock, runProgram } from "../helpers/mocks";
import { emptyingReplacements, plannedChanges } from "../helpers/replacements";

const DAY = 24 * 3600_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const PARAMETER = "/capacity-block/sa-east-1/reservation-id";
const p5 = (id: string, startInDays: number): BlockFacts =>
    activeBlock({ id, instanceType: "p5.48xlarge", instanceCount: 2, availabilityZone: "sa-east-1a", state: "scheduled", startDate: inDays(startInDays), endDate: inDays(startInDays + 1) });

const adoptStack = (sharedStorage: string) => ({
    "capblocks:reservation": { parameterName: PARAMETER, instanceType: "p5.48xlarge" },
    "capblocks:codeServer": { enabled: false },
    "capblocks:cluster": { enabled: true, name: "p5-training", sharedStorage },
});
const buyStack = {
    "capblocks:reservation": { instanceType: "p5.48xlarge", instanceCount: 2, durationHours: 24, maxUpfrontFee: "2000" },
    "capblocks:codeServer": { enabled: false },
    "capblocks:cluster": { enabled: true, name: "p5-training", sharedStorage: "fsx-lustre" },
};

/** What the hourly parts are: the NAT gateway and its address, FSx for Lustre, the launch templates, the PCS resources. */
const HOURLY = /^(aws:ec2\/(eip|natGateway|launchTemplate)|aws:fsx\/lustreFileSystem|aws-native:pcs:)/;
const hourly = (run: ProgramRun) => run.run.resources.filter((r) => HOURLY.test(r.type)).map((r) => `${r.type} ${r.name}`).sort();
const named = (run: ProgramRun, type: string, name: string): RecordedResource => {
    const found = run.run.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} ${name}`);
    return found;
};

async function ok(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const result = await runProgram(config, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result;
}

/** AWS after `last`: its home subnet found by tags, and the outputs it exported. */
function after(last: ProgramRun, more: Partial<Assumptions>): Partial<Assumptions> {
    const home = named(last, "aws:ec2/subnet:Subnet", "cluster-net-private-0");
    return {
        subnetsByName: { "cluster-net-private-0": { id: home.id as string, availabilityZone: home.inputs.availabilityZone as string } },
        previousOutputs: last.outputs,
        ...more,
    };
}

const adopted = (block: BlockFacts): Partial<Assumptions> => ({ parameters: { [PARAMETER]: block.id }, block });

/** Every change but a create or no change, as `type name op`. */
const notCreates = (first: ProgramRun, second: ProgramRun) =>
    plannedChanges(first.run, second.run).filter((c) => c.op !== "create" && c.op !== "same").map((c) => `${c.type} ${c.name} ${c.op}`);

describe("the cluster's hourly parts wait for the block", () => {
    describe("a block adopted ten days ahead, FSx for Lustre", () => {
        const FAR = p5("cr-0fa0000000000001a", 10);
        let waiting: ProgramRun;
        let close: ProgramRun;
        before(async () => {
            waiting = await ok(adoptStack("fsx-lustre"), adopted(FAR));
            close = await ok(adoptStack("fsx-lustre"), after(waiting, adopted({ ...FAR, startDate: inDays(1.5), endDate: inDays(2.5) })));
        });

        it("builds no NAT gateway, FSx for Lustre, launch template or PCS resource while the block is far", () => {
            expect(hourly(waiting)).to.deep.equal([]);
            expect(named(waiting, "aws:ec2/routeTable:RouteTable", "cluster-net-private").inputs.routes).to.deep.equal([]);
            expect(waiting.run.resources.map((r) => r.type)).to.include.members(["aws:ec2/vpc:Vpc", "aws:ec2/securityGroup:SecurityGroup", "aws:iam/role:Role"]);
        });

        it("exports no PCS id, login command or file system yet, and nextStep says from when to run up", () => {
            for (const name of ["clusterId", "clusterQueue", "clusterLoginNodeGroupId", "clusterLoginCommand", "clusterSharedStorageId", "clusterSharedStorage"]) {
                expect(waiting.outputs, name).to.not.have.property(name);
            }
            expect(waiting.outputs).to.have.property("parallelClusterConfig");
            const from = new Date(Date.parse(FAR.startDate) - 2 * DAY).toISOString();
            expect(waiting.outputs?.nextStep).to.equal(
                `The Capacity Block is scheduled and starts at ${FAR.startDate}. The cluster's hourly parts (the NAT gateway, the PCS controller, ` +
                    "the login node, FSx for Lustre, the node groups and the queue) are not built yet, so they bill nothing before the block: " +
                    `run \`pulumi up\` again from ${from}, before the block starts at ${FAR.startDate} to build them in time.`,
            );
        });

        it("within two days of the start, builds them all: only creates, and the private subnets' route to the NAT added in place", () => {
            expect(hourly(close)).to.have.length(9);
            expect(notCreates(waiting, close)).to.deep.equal(["aws:ec2/routeTable:RouteTable cluster-net-private update"]);
            expect(close.outputs).to.have.property("clusterLoginCommand");
            expect(close.outputs?.nextStep).to.contain("Cluster p5-training: open a shell on its login node");
        });

        it("once built, a later block far ahead removes nothing: FSx for Lustre and the cluster stay", async () => {
            const next = p5("cr-0fa0000000000002b", 20);
            const later = await ok(adoptStack("fsx-lustre"), after(close, adopted(next)));
            expect(hourly(later)).to.deep.equal(hourly(close));
            const changes = plannedChanges(close.run, later.run);
            expect(changes.filter((c) => c.op === "delete" || c.op === "replace").map((c) => `${c.type} ${c.name} ${c.op}`)).to.deep.equal([]);
            expect(emptyingReplacements(changes)).to.deep.equal([]);
        });
    });

    it("EFS is built at once (it bills by what it stores), with its mount targets", async () => {
        const run = await ok(adoptStack("efs"), adopted(p5("cr-0fa0000000000003c", 10)));
        expect(run.run.resources.filter((r) => r.type.startsWith("aws:efs/")).map((r) => r.name).sort()).to.deep.equal(["cluster-shared", "cluster-shared-0", "cluster-shared-1"]);
        expect(run.outputs?.clusterSharedStorageId).to.match(/^fs-/);
        expect(hourly(run)).to.deep.equal([]);
    });

    it("an active block gets the whole cluster at once, even on the first run", async () => {
        const run = await ok(adoptStack("efs"), adopted({ ...p5("cr-0fa0000000000004d", 0), state: "active", startDate: inDays(-0.5) }));
        expect(hourly(run)).to.have.length(8);
    });

    describe("buying: the run that buys cannot know the start, so it waits; the next run builds", () => {
        let buying: ProgramRun;
        before(async () => {
            buying = await ok(buyStack, {});
        });

        it("the buying run builds no hourly part and says to run up again now (the assumed offer starts tomorrow)", () => {
            expect(hourly(buying)).to.deep.equal([]);
            expect(buying.outputs?.nextStep).to.match(/^The Capacity Block is bought on this run \(scheduled, starts (\S+)\)\. The cluster's hourly parts .* run `pulumi up` again now \(the block starts at \1, within 48 hours\) to build them in time\.$/);
        });

        it("the next run builds them, creating only: nothing is replaced or deleted", async () => {
            const bought = named(buying, "pulumi-nodejs:dynamic/capblocks:CapacityBlock", "block");
            const block = p5(bought.id as string, 1);
            const next = await ok(buyStack, after(buying, { block, availabilityZone: "sa-east-1a" }));
            expect(hourly(next)).to.have.length(9);
            expect(notCreates(buying, next)).to.deep.equal(["aws:ec2/routeTable:RouteTable cluster-net-private update"]);
        });
    });
});
