import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { Writable } from "stream";
import { exitWhenFlushed, pulumiConfigMap } from "../../scripts/plan";
import { planRun } from "../helpers/planRuns";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLE_STACKS = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));

interface PlanJson {
    resources: { type: string; name: string; parent: string | null; inputs: Record<string, unknown>; options: Record<string, unknown> }[];
    outputs: Record<string, unknown>;
    assumed: string[];
}

type PlanRun = { code: number; out: string; err: string; json?: PlanJson };
/** The plan's CLI entry, run in-process (index.ts is re-required fresh each run); one run per argument list. */
async function plan(args: string[]): Promise<PlanRun> {
    const { code, out, err } = await planRun(args);
    return { code, out, err, json: code === 0 && args.includes("--json") ? (JSON.parse(out) as PlanJson) : undefined };
}

function spawnPlan(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts/plan.ts"), ...args], { cwd: ROOT });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

const ofType = (p: PlanJson, type: string) => p.resources.filter((r) => r.type === type);

describe("offline plan", () => {
    it("ships the seven example stacks", () => {
        expect([...EXAMPLE_STACKS].sort()).to.deep.equal(["adopt-id", "adopt-parameter", "cluster-and-code-server", "cluster-p5", "cluster-trn2", "dev", "ondemand-g7e"]);
    });

    for (const stack of EXAMPLE_STACKS) {
        it(`plans example stack ${stack} with every output defined`, async () => {
            const r = await plan(["--stack", stack, "--json"]);
            expect(r.code, r.err).to.equal(0);
            const p = r.json as PlanJson;
            const built = ofType(p, "capblocks:index:CodeServerInstance").length + ofType(p, "capblocks:index:GpuNodeGroup").length;
            expect(built, "a code-server box or a cluster").to.be.greaterThan(0);
            for (const [k, v] of Object.entries(p.outputs)) {
                expect(v, k).to.be.a("string");
                expect(String(v), k).to.not.match(/undefined|\[object Object\]/);
            }
            expect(p.assumed.length).to.be.greaterThan(0);
        });
    }

    it("cluster-p5: the whole 2-instance block backs a CAPACITY_BLOCK compute group, with no code-server", async () => {
        // Active: the run that buys the block leaves the cluster's hourly parts for the next run (components/cluster/deferral.ts).
        const p = (await plan(["--stack", "cluster-p5", "--json", "--block-state", "active"])).json as PlanJson;
        expect(ofType(p, "capblocks:index:CodeServerInstance")).to.have.length(0);
        const groups = ofType(p, "aws-native:pcs:ComputeNodeGroup");
        const compute = groups.find((g) => g.inputs.purchaseOption === "CAPACITY_BLOCK");
        expect(compute, "compute node group").to.not.equal(undefined);
        expect(compute?.inputs.scalingConfiguration).to.deep.include({ maxInstanceCount: 2 });
        expect(p.outputs.parallelClusterConfig).to.match(/CapacityType: CAPACITY_BLOCK/);
    });

    it("cluster-and-code-server: code-server takes one instance of the block, the cluster the rest", async () => {
        const p = (await plan(["--stack", "cluster-and-code-server", "--json", "--block-state", "active"])).json as PlanJson;
        expect(ofType(p, "capblocks:index:CodeServerInstance")).to.have.length(1);
        const compute = ofType(p, "aws-native:pcs:ComputeNodeGroup").find((g) => g.inputs.purchaseOption === "CAPACITY_BLOCK");
        expect(compute?.inputs.scalingConfiguration).to.deep.include({ maxInstanceCount: 2 });
        expect(p.outputs.parallelClusterConfig).to.match(/MinCount: 2\n\s+MaxCount: 2/);
    });

    it("cluster-and-code-server: the dev box in the cluster's VPC and compute subnet, mounting /fsx and joining Slurm", async () => {
        const p = (await plan(["--stack", "cluster-and-code-server", "--json", "--block-state", "active"])).json as PlanJson;
        const named = (name: string, type: string) => p.resources.find((r) => r.name === name && r.type === type);
        expect(named("code-server-sg", "aws:ec2/securityGroup:SecurityGroup")?.inputs.vpcId).to.equal("cluster-net-vpc-id");
        expect(named("code-server-instance", "aws:ec2/instance:Instance")?.inputs.subnetId).to.equal("cluster-net-private-0-id");
        expect(named("code-server-cluster-access", "aws:iam/rolePolicy:RolePolicy")?.inputs.policy).to.include("pcs!slurm-secret-");
        const tasks = (named("code-server-setup", "pulumi-nodejs:dynamic/capblocks:SsmTasks")?.inputs.tasks as { id: string }[]).map((t) => t.id);
        expect(tasks.slice(-2)).to.deep.equal(["cluster-shared-storage", "cluster-slurm-client"]);
        expect(p.outputs.nextStep).to.include("`sbatch -p compute job.sh` and `squeue` reach cluster p5-shared; jobs see /fsx");
    });

    it("dev: launches into the block, in its AZ, from a template carrying both block settings", async () => {
        const p = (await plan(["--stack", "dev", "--json", "--block-state", "active"])).json as PlanJson;
        const lt = ofType(p, "aws:ec2/launchTemplate:LaunchTemplate")[0].inputs;
        expect(lt.instanceMarketOptions).to.deep.equal({ marketType: "capacity-block" });
        expect(lt.capacityReservationSpecification).to.deep.equal({ capacityReservationTarget: { capacityReservationId: p.outputs.blockId } });
        expect(ofType(p, "aws:ebs/volume:Volume")[0].inputs.availabilityZone).to.equal(p.outputs.blockAvailabilityZone);
        expect(ofType(p, "aws:ec2/instance:Instance")).to.have.length(1);
        expect(ofType(p, "pulumi-nodejs:dynamic/capblocks:CapacityBlock")[0].inputs).to.include({ maxUpfrontFee: "900", durationHours: 24 });
    });

    it("shows secrets as [secret] and never the password", async () => {
        const r = await plan(["--stack", "dev", "--json"]);
        const p = r.json as PlanJson;
        expect(ofType(p, "aws:secretsmanager/secretVersion:SecretVersion")[0].inputs.secretString).to.equal("[secret]");
        expect(r.out).to.not.contain("mock-pw-");
    });

    it("dev with a scheduled block: builds no instance and says when to run up again", async () => {
        const p = (await plan(["--stack", "dev", "--json", "--block-state", "scheduled"])).json as PlanJson;
        expect(ofType(p, "aws:ec2/instance:Instance")).to.have.length(0);
        expect(ofType(p, "pulumi-nodejs:dynamic/capblocks:SsmTasks")).to.have.length(0);
        expect(ofType(p, "aws:ebs/volume:Volume")).to.have.length(1);
        expect(p.outputs.nextStep).to.contain(`run \`pulumi up\` again after ${String(p.outputs.blockStart)} to launch it`);
        expect(p.assumed).to.include("block state scheduled (choose with --block-state)");
    });

    it("ondemand-g7e: no block settings, HTTPS (443) open only to the configured CIDR", async () => {
        const p = (await plan(["--stack", "ondemand-g7e", "--json"])).json as PlanJson;
        expect(ofType(p, "pulumi-nodejs:dynamic/capblocks:CapacityBlock")).to.have.length(0);
        expect(ofType(p, "aws:ec2/launchTemplate:LaunchTemplate")[0].inputs).to.not.have.property("instanceMarketOptions");
        const ingress = ofType(p, "aws:ec2/securityGroup:SecurityGroup")[0].inputs.ingress as { cidrBlocks: string[]; fromPort: number }[];
        expect(ingress.map((i) => [i.fromPort, i.cidrBlocks])).to.deep.equal([[443, ["203.0.113.7/32"]]]);
        expect(p.outputs.url).to.match(/^https:\/\//);
        expect(ofType(p, "aws:ebs/volume:Volume")[0].inputs.availabilityZone).to.equal("us-east-1b");
    });

    it("adopt-parameter: labels the parameter's value as assumed", async () => {
        const p = (await plan(["--stack", "adopt-parameter", "--json"])).json as PlanJson;
        expect(p.assumed).to.include("SSM parameter /capacity-block/sa-east-1/reservation-id = cr-0adbeef0000000001");
    });

    it("prints the tree, the outputs and the assumptions as text", async () => {
        const r = await plan(["--stack", "dev"]);
        expect(r.code, r.err).to.equal(0);
        expect(r.out).to.match(/^capblocks offline plan for stack dev/);
        expect(r.out).to.match(/Resources \(\d+\):/).and.match(/\nOutputs \(\* holds an id made up offline/).and.match(/\nAssumed \(offline/);
        expect(r.out).to.match(/\n {4}aws\.ebs\.Volume code-server-work {2}\[retainOnDelete\]\n {8}availabilityZone: sa-east-1a\n/);
    });

    it("from the command line, a bad config prints only its error and exits non-zero", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-plan-"));
        const bad = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(bad, "config:\n  aws:region: sa-east-1\n  capblocks:reservation:\n    instanceType: trn2.3xlarge\n    durationHours: 30\n    maxUpfrontFee: \"900\"\n");
        try {
            const invalid = await spawnPlan(["--config-file", bad]);
            expect(invalid.status).to.equal(2);
            expect(invalid.stdout).to.equal("");
            expect(invalid.stderr).to.equal(
                "invalid stack configuration:\n" +
                    "  capblocks:reservation.durationHours: 30 is not a valid Capacity Block duration (24..336 in steps of 24, or 504..4368 in steps of 168); use 24 or 48\n",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("exits only once its output has reached a slow reader (a JSON plan larger than a pipe's buffer, | jq)", async () => {
        const received: string[] = [];
        const slowPipe = new Writable({
            highWaterMark: 16,
            write: (chunk: Buffer, _encoding, done) => void setTimeout(() => (received.push(chunk.toString()), done()), 20),
        });
        const plan = "x".repeat(100);
        slowPipe.write(plan);
        const exited = await new Promise<{ code: number; got: string }>((resolve) => exitWhenFlushed(2, slowPipe, (code) => resolve({ code, got: received.join("") })));
        expect(exited).to.deep.equal({ code: 2, got: plan });
    });

    it("dev after the block expired: no instance, the work volume kept, and how to continue", async () => {
        const p = (await plan(["--stack", "dev", "--json", "--block-state", "expired"])).json as PlanJson;
        expect(ofType(p, "aws:ec2/instance:Instance")).to.have.length(0);
        expect(ofType(p, "aws:ebs/volume:Volume")[0].options.retainOnDelete).to.equal(true);
        expect(p.outputs.nextStep).to.match(/ended at .*bump capblocks:reservation\.generation .*availabilityZones: \[sa-east-1a\] keeps it next to the work volume.*`pulumi destroy`/);
    });

    it("--config-file with existing storage: attaches the work volume and mounts the EFS file system by id, creating neither", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-plan-"));
        // An example stack plus the keys that adopt storage kept by an earlier `pulumi destroy`.
        const withKeys = (stack: string, add: (config: Record<string, Record<string, unknown>>) => void) => {
            const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Record<string, unknown>> };
            add(doc.config);
            const file = path.join(dir, `Pulumi.${stack}-kept.yaml`);
            fs.writeFileSync(file, stringify(doc));
            return file;
        };
        try {
            const volumeFile = withKeys("adopt-id", (c) => {
                delete c["capblocks:codeServer"].workVolumeSizeGb;
                c["capblocks:codeServer"].workVolumeId = "vol-0feedface0000001";
            });
            const volumeRun = await plan(["--config-file", volumeFile, "--json"]);
            expect(volumeRun.code, volumeRun.err).to.equal(0);
            const v = volumeRun.json as PlanJson;
            expect(ofType(v, "aws:ebs/volume:Volume")).to.have.length(0);
            expect(ofType(v, "aws:ec2/volumeAttachment:VolumeAttachment")[0].inputs.volumeId).to.equal("vol-0feedface0000001");
            expect(v.outputs.workVolume).to.equal("pulumi destroy keeps volume vol-0feedface0000001 (your work); to use it again set capblocks:codeServer.workVolumeId: vol-0feedface0000001");
            expect(v.assumed).to.include("EBS volume vol-0feedface0000001: 200 GiB in us-east-2a, encrypted");

            const fsFile = withKeys("cluster-p5", (c) => {
                c["capblocks:cluster"].sharedStorage = "efs";
                c["capblocks:cluster"].sharedFileSystemId = "fs-0feedface0000001";
            });
            const fsRun = await plan(["--config-file", fsFile, "--json"]);
            expect(fsRun.code, fsRun.err).to.equal(0);
            const f = fsRun.json as PlanJson;
            expect(ofType(f, "aws:efs/fileSystem:FileSystem")).to.have.length(0);
            expect(ofType(f, "aws:efs/mountTarget:MountTarget").map((t) => t.inputs.fileSystemId)).to.include("fs-0feedface0000001");
            expect(f.outputs.clusterSharedStorage).to.match(/^pulumi destroy keeps EFS file system fs-0feedface0000001/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rejects unknown arguments and names the stacks it has", async () => {
        const r = await plan(["--stack", "dev", "--fast"]);
        expect(r.code).to.equal(1);
        expect(r.err).to.match(/unknown argument --fast/);
        const missing = await plan(["--stack", "prod"]);
        expect(missing.code).to.equal(1);
        expect(missing.err).to.match(/no stack file .*Pulumi\.prod\.yaml \(stacks here: .*dev/);
    });

    it("hands config to the program the way Pulumi does: objects as JSON, secure values hidden", () => {
        const { values, secretKeys } = pulumiConfigMap({ "aws:region": "sa-east-1", "capblocks:codeServer": { user: "me" }, token: { secure: "v1:abc" }, n: 3 }, "capblocks");
        expect(values).to.deep.equal({ "aws:region": "sa-east-1", "capblocks:codeServer": '{"user":"me"}', "capblocks:token": "[secret]", "capblocks:n": "3" });
        expect(secretKeys).to.deep.equal(["capblocks:token"]);
    });

    it("marks an object with a secure value inside (--secret --path) secret as a whole, the value hidden", () => {
        const { values, secretKeys } = pulumiConfigMap({ "capblocks:codeServer": { user: "me", password: { secure: "v1:abc" }, taskFiles: ["a.json"] } }, "capblocks");
        expect(values).to.deep.equal({ "capblocks:codeServer": '{"user":"me","password":"[secret]","taskFiles":["a.json"]}' });
        expect(secretKeys).to.deep.equal(["capblocks:codeServer"]);
    });
});
