import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PCS_DLAMI_PARAMETER } from "../../../components/cluster/ami";
import {
    boxUserTask, clusterAccessPolicy, clusterBoxImage, clusterBoxStep, sharedStorageTask, slurmJoinTask,
} from "../../../components/codeServer/clusterAccess";
import { NEURON_AMI_PARAMETER } from "../../../components/shared/catalog";

const KEY = "the-cluster-secret-\u0001\u0002-binary";
const KEY_B64 = Buffer.from(KEY).toString("base64");
const KEY_ARN = "arn:aws:secretsmanager:us-east-2:123456789012:secret:pcs!slurm-secret-pcs_abc123-Xy12Zq";

/**
 * A scratch box for the join task: every path under a temporary root, and stub aws (PCS and Secrets Manager answers
 * from files), id, useradd, chown, systemctl and sleep that log their calls. `sinfoWorks` decides whether the
 * cluster's sinfo reaches the controller.
 */
function scratchBox(opts: { status?: string; sackd?: boolean; sinfoWorks?: boolean; deniedCalls?: number } = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-join-"));
    const bin = path.join(root, "stub-bin");
    const home = path.join(root, "opt/aws/pcs/scheduler/slurm-25.05");
    for (const dir of [bin, `${home}/bin`, `${home}/sbin`, `${root}/usr/local/bin`, `${root}/usr/local/sbin`, `${root}/etc/default`, `${root}/etc/systemd/system`]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    const log = path.join(root, "calls.log");
    const stub = (name: string, body: string, where = bin) =>
        fs.writeFileSync(path.join(where, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(root, "denied"), String(opts.deniedCalls ?? 0));
    stub("aws", `left=$(cat ${root}/denied)
if [ "$left" -gt 0 ]; then echo $((left - 1)) > ${root}/denied; echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi
case "$*" in
  *"--query cluster.status"*) echo ${opts.status ?? "ACTIVE"} ;;
  *privateIpAddress*) echo 10.0.16.5 ;;
  *port*) echo 6817 ;;
  *authKey.secretArn*) echo '${KEY_ARN}' ;;
  "secretsmanager get-secret-value"*) echo '${KEY_B64}' ;;
  *) echo "unexpected aws call" >&2; exit 2 ;;
esac`);
    stub("id", "exit 0");
    stub("useradd", "exit 0");
    stub("chown", "exit 0");
    stub("systemctl", "exit 0");
    stub("sleep", "exit 0");
    if (opts.sackd ?? true) stub("sackd", "exit 0", `${home}/sbin`);
    stub("sinfo", opts.sinfoWorks ?? true ? "exit 0" : "exit 1", `${home}/bin`);
    stub("sbatch", "exit 0", `${home}/bin`);
    const task = slurmJoinTask({ clusterId: "pcs_abc123", region: "us-east-2", slurmVersion: "25.05", root });
    const result = spawnSync("/bin/sh", ["-e", "-c", task.commands.join("\n")], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` } });
    const read = (file: string) => fs.readFileSync(path.join(root, file));
    return { root, result, output: `${result.stdout}${result.stderr}`, calls: () => fs.readFileSync(log, "utf8"), read };
}

describe("the dev box as a login node of the cluster", () => {
    describe("the join task, run with dash", () => {
        it("writes the cluster's key, decoded, only to its file (mode 0600), and never to the task's output", () => {
            const box = scratchBox();
            expect(box.result.status, box.output).to.equal(0);
            expect(box.read("etc/slurm/slurm.key").toString()).to.equal(KEY);
            expect(fs.statSync(path.join(box.root, "etc/slurm/slurm.key")).mode & 0o777).to.equal(0o600);
            expect(box.output).to.not.include(KEY_B64).and.not.include("the-cluster-secret");
            expect(box.calls()).to.not.include(KEY_B64);
            expect(box.calls()).to.include(`secretsmanager get-secret-value --region us-east-2 --secret-id ${KEY_ARN} --version-stage AWSCURRENT`);
            expect(box.output).to.include("joined PCS cluster pcs_abc123 (controller 10.0.16.5:6817)");
        });

        it("points sackd at the controller PCS reports, restarts it, and puts the cluster's commands on every PATH", () => {
            const box = scratchBox();
            expect(box.read("etc/default/capblocks-sackd").toString()).to.equal("SACKD_OPTIONS='--conf-server=10.0.16.5:6817'\n");
            const unit = box.read("etc/systemd/system/capblocks-sackd.service").toString();
            expect(unit).to.include(`ExecStart=${box.root}/opt/aws/pcs/scheduler/slurm-25.05/sbin/sackd --systemd $SACKD_OPTIONS`).and.include("User=slurm");
            expect(box.calls()).to.include("systemctl enable capblocks-sackd").and.include("systemctl restart capblocks-sackd");
            expect(fs.readlinkSync(path.join(box.root, "usr/local/bin/sbatch"))).to.equal(`${box.root}/opt/aws/pcs/scheduler/slurm-25.05/bin/sbatch`);
            expect(fs.statSync(path.join(box.root, "usr/local/sbin/capblocks-slurm-join")).mode & 0o111).to.not.equal(0);
        });

        it("joins again when run again (a rotated key replaces the old file)", () => {
            const box = scratchBox();
            fs.writeFileSync(path.join(box.root, "etc/slurm/slurm.key"), "old");
            const again = spawnSync("/bin/sh", [path.join(box.root, "usr/local/sbin/capblocks-slurm-join")], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${path.join(box.root, "stub-bin")}:${process.env.PATH ?? ""}` },
            });
            expect(again.status, again.stderr).to.equal(0);
            expect(box.read("etc/slurm/slurm.key").toString()).to.equal(KEY);
        });

        it("waits for a role policy that IAM has not applied yet, and gives up after a minute naming the permission", () => {
            const late = scratchBox({ deniedCalls: 3 });
            expect(late.result.status, late.output).to.equal(0);
            const never = scratchBox({ deniedCalls: 100 });
            expect(never.result.status).to.equal(1);
            expect(never.result.stderr).to.include("this instance's role cannot read PCS cluster pcs_abc123 (pcs:GetCluster)");
            expect(never.calls()).to.not.include("secretsmanager");
        });

        it("stops, saying so, while the PCS cluster is not ACTIVE, before reading the key", () => {
            const box = scratchBox({ status: "CREATING" });
            expect(box.result.status).to.equal(1);
            expect(box.result.stderr).to.include("PCS cluster pcs_abc123 is CREATING, not ACTIVE");
            expect(box.calls()).to.not.include("secretsmanager");
        });

        it("stops on an image without PCS's Slurm, naming the key to set and how to find the DLAMI", () => {
            const box = scratchBox({ sackd: false });
            expect(box.result.status).to.equal(1);
            expect(box.result.stderr).to.include("no PCS Slurm 25.05").and.include("capblocks:codeServer.amiId").and.include(PCS_DLAMI_PARAMETER);
        });

        it("fails when sinfo cannot reach the controller, pointing at sackd's log", () => {
            const box = scratchBox({ sinfoWorks: false });
            expect(box.result.status).to.equal(1);
            expect(box.result.stderr).to.include("sinfo cannot reach the controller at 10.0.16.5:6817").and.include("journalctl -u capblocks-sackd");
        });
    });

    it("the box's role reads only this cluster and this cluster's Slurm key (its name, then Secrets Manager's 6-character suffix)", () => {
        const arn = "arn:aws:pcs:us-east-2:123456789012:cluster/pcs_abc123";
        expect(clusterAccessPolicy(arn, "pcs_abc123")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: "pcs:GetCluster", Resource: arn },
                { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-2:123456789012:secret:pcs!slurm-secret-pcs_abc123-??????" },
            ],
        });
        expect(() => clusterAccessPolicy(arn, "pcs_*")).to.throw("unexpected PCS cluster id");
    });

    describe("the image the box boots with a cluster", () => {
        it("an NVIDIA box boots the PCS-ready DLAMI", () => {
            expect(clusterBoxImage({ instanceType: "p5.48xlarge" }, {})).to.deep.equal({ parameter: PCS_DLAMI_PARAMETER, hasPcsSlurm: true });
        });

        it("the box's own amiId, else the nodes' amiId, is followed", () => {
            expect(clusterBoxImage({ instanceType: "p5.48xlarge", amiId: "ami-0box" }, { amiId: "ami-0nodes" })).to.deep.equal({ amiId: "ami-0box", hasPcsSlurm: true });
            expect(clusterBoxImage({ instanceType: "p5.48xlarge" }, { amiId: "ami-0nodes" })).to.deep.equal({ amiId: "ami-0nodes", hasPcsSlurm: true });
        });

        it("a Trainium box keeps the Neuron DLAMI, and is told it cannot submit jobs", () => {
            const image = clusterBoxImage({ instanceType: "trn2.48xlarge" }, {});
            expect(image).to.include({ parameter: NEURON_AMI_PARAMETER, hasPcsSlurm: false });
            expect(image.warning).to.include("no PCS Slurm client").and.include("capblocks:codeServer.amiId");
        });
    });

    it("the box's user gets the nodes' uid, and a user with another uid stops setup", () => {
        const task = boxUserTask("coder", "/work");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-user-"));
        fs.writeFileSync(path.join(dir, "id"), "#!/bin/sh\necho 1002\n", { mode: 0o755 });
        const run = spawnSync("/bin/sh", ["-e", "-c", task.commands.join("\n")], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` } });
        expect(run.status).to.equal(1);
        expect(run.stderr).to.include("coder has another uid here than on the cluster's nodes (1001)");
        expect(task.commands.join("\n")).to.include("useradd --uid 1001 --gid 'coder' --home-dir '/work' --no-create-home");
    });

    it("mounts the shared storage with the nodes' own script, without its bash interpreter line", () => {
        const efs = sharedStorageTask({ kind: "efs", address: "10.0.16.9" });
        expect(efs?.commands[0]).to.not.match(/^#!/);
        expect(efs?.commands.join("\n")).to.include('FSTAB_LINE="10.0.16.9:/ /shared nfs4');
        expect(sharedStorageTask({ kind: "none" })).to.equal(undefined);
    });

    describe("what nextStep says", () => {
        const base = { name: "dev", queue: "compute" };
        it("once joined: how to submit, and where jobs see files", () => {
            expect(clusterBoxStep({ ...base, built: true, joins: true, sharedStorage: "fsx-lustre" })).to.equal(
                "In code-server's terminal, `sbatch -p compute job.sh` and `squeue` reach cluster dev; jobs see /fsx, not the work volume, so keep what they read and write under /fsx.",
            );
        });
        it("while the cluster waits: that the box joins with the `up` that builds it", () => {
            expect(clusterBoxStep({ ...base, built: false, joins: true, sharedStorage: "fsx-lustre" })).to.equal(
                "The dev box joins cluster dev (its Slurm client, FSx for Lustre at /fsx) on the `pulumi up` that builds the cluster.",
            );
        });
        it("a box without PCS's Slurm: submit from the login node", () => {
            expect(clusterBoxStep({ ...base, built: true, joins: false, sharedStorage: "efs" })).to.equal(
                "The dev box mounts cluster dev's storage at /shared; submit jobs from the login node.",
            );
        });
    });
});
