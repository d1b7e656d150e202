/**
 * One environment: with a cluster in the stack, the dev box lives in the cluster's VPC and compute subnet, mounts
 * its shared storage where the nodes do, boots the nodes' OS and joins Slurm with a key it reads itself. index.ts
 * under the offline mocks; the replacement rules say what adding the cluster to an existing box stack replaces.
 */
import { expect } from "chai";
import type { Assumptions, BlockFacts, RecordedResource } from "../../scripts/offlineMocks";
import { PCS_DLAMI_PARAMETER } from "../../components/cluster/ami";
import { BOX_USER_TASK_ID, SHARED_STORAGE_TASK_ID, SLURM_JOIN_TASK_ID } from "../../components/codeServer/clusterAccess";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { activeBlock } from "../helpers/mocks";
import type { ProgramRun } from "../helpers/mocks";
import { runProgram } from "../helpers/mocks";
import type { PlannedChange } from "../helpers/replacements";
import { changeOf, emptyingReplacements, plannedChanges, replacementsIn } from "../helpers/replacements";

const PARAMETER = "/capacity-block/sa-east-1/reservation-id";
const BLOCK: BlockFacts = activeBlock({ id: "cr-0aaaaaaaaaaaaaaa7", availabilityZone: "sa-east-1b", instanceType: "p5.48xlarge", instanceCount: 3 });
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const FAR_BLOCK: BlockFacts = { ...BLOCK, state: "scheduled", startDate: inDays(10), endDate: inDays(11) };

const stack = (cluster: Record<string, unknown> | false, codeServer: Record<string, unknown> = {}) => ({
    "capblocks:reservation": { parameterName: PARAMETER, instanceType: "p5.48xlarge" },
    "capblocks:codeServer": { enabled: true, ...codeServer },
    "capblocks:cluster": cluster === false ? { enabled: false } : { enabled: true, name: "dev", ...cluster },
});
const on = (block: BlockFacts, more: Partial<Assumptions> = {}): Partial<Assumptions> => ({ parameters: { [PARAMETER]: block.id }, block, ...more });

async function ok(config: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const result = await runProgram(config, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result;
}

const named = (run: ProgramRun, name: string, type?: string): RecordedResource => {
    const found = run.run.resources.find((r) => r.name === name && (!type || r.type === type));
    if (!found) throw new Error(`no resource ${name}`);
    return found;
};
const setupTasks = (run: ProgramRun): TaskSpec[] => named(run, "code-server-setup").inputs.tasks as TaskSpec[];
const taskIds = (run: ProgramRun): string[] => setupTasks(run).map((t) => t.id);
const task = (run: ProgramRun, id: string): TaskSpec => setupTasks(run).find((t) => t.id === id) as TaskSpec;

describe("the dev box in the stack's cluster", () => {
    describe("EFS, block active", () => {
        let run: ProgramRun;
        before(async () => {
            run = await ok(stack({ sharedStorage: "efs" }), on(BLOCK));
        });

        it("runs in the cluster's compute subnet (the block's AZ) with its own group and the nodes' group, in the cluster's VPC", () => {
            const subnet = named(run, "cluster-net-private-0", "aws:ec2/subnet:Subnet");
            expect(subnet.inputs.availabilityZone).to.equal("sa-east-1b");
            expect(named(run, "code-server-instance").inputs.subnetId).to.equal(subnet.id);
            expect(named(run, "code-server-sg").inputs.vpcId).to.equal(named(run, "cluster-net-vpc").id);
            expect(named(run, "code-server-lt").inputs.vpcSecurityGroupIds).to.deep.equal([named(run, "code-server-sg").id, named(run, "cluster-nodes").id]);
            expect(named(run, "code-server-work").inputs.availabilityZone).to.equal("sa-east-1b");
        });

        it("needs no default VPC: the box's placement looks nothing up", () => {
            const tokens = run.run.calls.map((c) => c.token);
            expect(tokens.filter((t) => t === "aws:ec2/getVpc:getVpc" || t === "aws:ec2/getSubnets:getSubnets")).to.deep.equal([]);
        });

        it("boots the nodes' OS: the PCS-ready DLAMI, Ubuntu 24.04 with PCS's Slurm", () => {
            const names = run.run.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter").map((c) => c.inputs.name);
            expect(names.filter((n) => n === PCS_DLAMI_PARAMETER).length).to.be.greaterThan(1);
            expect(names.some((n) => String(n).includes("base-oss-nvidia-driver-gpu-ubuntu-22.04"))).to.equal(false);
        });

        it("mounts EFS at /shared by the mount target in its own subnet, as the nodes do, then joins Slurm", () => {
            expect(taskIds(run).slice(-2)).to.deep.equal([SHARED_STORAGE_TASK_ID, SLURM_JOIN_TASK_ID]);
            const target = run.run.resources.find((r) => r.type === "aws:efs/mountTarget:MountTarget" && r.inputs.subnetId === named(run, "cluster-net-private-0", "aws:ec2/subnet:Subnet").id);
            const script = task(run, SHARED_STORAGE_TASK_ID).commands.join("\n");
            expect(script).to.include("MOUNT_DIR=/shared").and.include(" nfs4 ");
            expect(target, "a mount target in the box's subnet").to.not.equal(undefined);
        });

        it("reads the cluster's Slurm key on the instance: no key or secret value in the tasks' inputs, only the cluster id", () => {
            const setup = named(run, "code-server-setup").inputs;
            expect(setup.secrets).to.have.keys(["PASSWORD"]);
            const join = task(run, SLURM_JOIN_TASK_ID).commands.join("\n");
            const clusterId = (run.outputs as Record<string, string>).clusterId;
            expect(join).to.include(`CLUSTER_ID=${clusterId}`).and.include("aws secretsmanager get-secret-value");
            expect(join).to.include("/opt/aws/pcs/scheduler/slurm-25.05/sbin/sackd");
        });

        it("may read exactly this cluster and its Slurm key, and setup waits for that permission", () => {
            const policy = JSON.parse(named(run, "code-server-cluster-access").inputs.policy as string);
            const cluster = named(run, "cluster-cluster");
            const arn = `arn:aws:pcs:sa-east-1:123456789012:cluster/${cluster.id}`;
            expect(policy.Statement).to.deep.equal([
                { Effect: "Allow", Action: "pcs:GetCluster", Resource: arn },
                { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:sa-east-1:123456789012:secret:pcs!slurm-secret-${cluster.id}-??????` },
            ]);
            expect(named(run, "code-server-setup").options.dependsOn).to.include("code-server-cluster-access");
        });

        it("the storage group admits the box: it is a member of the nodes' group, which the storage group admits", () => {
            const storage = named(run, "cluster-storage", "aws:ec2/securityGroup:SecurityGroup");
            const ingress = storage.inputs.ingress as { securityGroups: string[] }[];
            expect(ingress.every((rule) => rule.securityGroups.includes(named(run, "cluster-nodes").id as string))).to.equal(true);
        });

        it("nextStep says how to submit from code-server and where jobs see files", () => {
            expect((run.outputs as Record<string, string>).nextStep).to.include("`sbatch -p compute job.sh` and `squeue` reach cluster dev; jobs see /shared");
        });
    });

    it("FSx for Lustre: the box mounts it at /fsx like the nodes", async () => {
        const run = await ok(stack({ sharedStorage: "fsx-lustre" }), on(BLOCK));
        const script = task(run, SHARED_STORAGE_TASK_ID).commands.join("\n");
        expect(script).to.include("MOUNT_DIR=/fsx").and.include(" lustre ");
    });

    describe("while the cluster's hourly parts wait (the block starts in 10 days)", () => {
        let run: ProgramRun;
        before(async () => {
            run = await ok(stack({ sharedStorage: "efs" }), on(FAR_BLOCK));
        });

        it("builds the box's network in the cluster's VPC, but no join permission; nothing to join yet", () => {
            expect(named(run, "code-server-sg").inputs.vpcId).to.equal(named(run, "cluster-net-vpc").id);
            expect(run.run.resources.some((r) => r.name === "code-server-cluster-access")).to.equal(false);
            expect(run.run.resources.some((r) => r.type === "aws-native:pcs:Cluster")).to.equal(false);
        });

        it("says the box joins on the `pulumi up` that builds the cluster, and that EFS is mounted already", () => {
            expect((run.outputs as Record<string, string>).nextStep).to.include(
                "The dev box joins cluster dev (its Slurm client) on the `pulumi up` that builds the cluster. It mounts EFS at /shared already.",
            );
        });
    });

    it("is the same user on the box and on the nodes: the box's user with uid 1001 on both, so jobs run as it", async () => {
        const run = await ok(stack({ sharedStorage: "efs" }), on(BLOCK));
        expect(taskIds(run).slice(0, 2)).to.deep.equal(["mount-work-volume", BOX_USER_TASK_ID]);
        expect(task(run, BOX_USER_TASK_ID).commands.join("\n")).to.include("useradd --uid 1001 --gid 'coder' --home-dir '/work'");
        for (const template of ["cluster-login", "cluster-compute"]) {
            const userData = Buffer.from(named(run, template, "aws:ec2/launchTemplate:LaunchTemplate").inputs.userData as string, "base64").toString();
            expect(userData, template).to.include("useradd --uid 1001 --gid coder --create-home --shell /bin/bash coder");
        }
    });

    it("runs the join again on request (codeServer.rerun names the cluster's tasks, e.g. after the cluster secret is rotated)", async () => {
        const run = await ok(stack({ sharedStorage: "efs" }, { rerun: [SLURM_JOIN_TASK_ID] }), on(BLOCK));
        expect((named(run, "code-server-setup").inputs.rerun as { tasks: string[] }).tasks).to.deep.equal([SLURM_JOIN_TASK_ID]);
    });

    it("refuses a subnet of the box's own, and a public port in the private subnet", async () => {
        const run = await runProgram(stack({ sharedStorage: "efs" }, { subnetId: "subnet-0123456789abcdef0", allowedCidrs: ["203.0.113.0/24"] }), on(BLOCK));
        expect(run.error?.message).to.include("capblocks:codeServer.subnetId").and.include("capblocks:codeServer.allowedCidrs");
        expect(run.run.resources).to.deep.equal([]);
    });

    describe("an existing box stack gets the cluster: nothing is replaced with an empty resource", () => {
        let changes: PlannedChange[];
        before(async () => {
            const first = await ok(stack(false), on(BLOCK));
            const outputs = first.outputs as Record<string, string>;
            const volumes = { [outputs.workVolumeId]: { encrypted: true, sizeGb: 200, availabilityZone: "sa-east-1b" } };
            const second = await ok(stack({ sharedStorage: "efs" }), on(BLOCK, { previousOutputs: outputs, volumes }));
            changes = plannedChanges(first.run, second.run);
        });

        it("keeps the work volume as it is (same AZ): the box moves, the work does not", () => {
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            expect(changeOf(changes, "code-server-work").op).to.equal("same");
        });

        it("replaces only the box's group (another VPC), the instance (another subnet) and its attachment; setup runs again on it", () => {
            const replaced = replacementsIn(changes).map((c) => `${c.name} ${c.type}`).sort();
            expect(replaced).to.deep.equal([
                "code-server-instance aws:ec2/instance:Instance",
                "code-server-sg aws:ec2/securityGroup:SecurityGroup",
                "code-server-work-attachment aws:ec2/volumeAttachment:VolumeAttachment",
            ]);
            expect(changeOf(changes, "code-server-instance").deleteBeforeReplace).to.equal(true);
            expect(changeOf(changes, "code-server-setup").op).to.equal("update");
            expect(changeOf(changes, "code-server-cluster-access").op).to.equal("create");
        });
    });

    describe("the next block is in a third AZ: the box moves with the compute subnet, the work by snapshot", () => {
        let changes: PlannedChange[];
        let second: ProgramRun;
        before(async () => {
            const blockC: BlockFacts = { ...BLOCK, id: "cr-0ccccccccccccccc7", availabilityZone: "sa-east-1c" };
            const first = await ok(stack({ sharedStorage: "efs" }), on(BLOCK));
            const outputs = first.outputs as Record<string, string>;
            const home = named(first, "cluster-net-private-0", "aws:ec2/subnet:Subnet");
            second = await ok(stack({ sharedStorage: "efs" }), on(blockC, {
                previousOutputs: outputs,
                volumes: { [outputs.workVolumeId]: { encrypted: true, sizeGb: 200, availabilityZone: "sa-east-1b" } },
                subnetsByName: { "cluster-net-private-0": { id: home.id as string, availabilityZone: "sa-east-1b" } },
            }));
            changes = plannedChanges(first.run, second.run);
        });

        it("replaces nothing with an empty resource: the work volume is made from a snapshot in sa-east-1c", () => {
            expect(emptyingReplacements(changes)).to.deep.equal([]);
            const work = changeOf(changes, "code-server-work");
            expect(work.op).to.equal("replace");
            expect(work.inputs.availabilityZone).to.equal("sa-east-1c");
            expect(work.startsWithData).to.equal(true);
        });

        it("puts the box in the compute subnet now in sa-east-1c, and leaves EFS as it is", () => {
            const subnet = named(second, "cluster-net-private-1", "aws:ec2/subnet:Subnet");
            expect(subnet.inputs.availabilityZone).to.equal("sa-east-1c");
            expect(named(second, "code-server-instance").inputs.subnetId).to.equal(subnet.id);
            expect(changeOf(changes, "cluster-shared").op).to.equal("same");
        });
    });
});
