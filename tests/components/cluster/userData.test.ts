import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { NodeSetup } from "../../../components/cluster/userData";
import {
    clusterUserScript,
    containersScript,
    ENROOT_VERSION,
    MIME_BOUNDARY,
    mimeMultipart,
    nodeUserData,
    PYXIS_VERSION,
    sharedHomeScript,
    SLURM_PROFILE_SCRIPT,
    slurmPathScript,
    storageMountScript,
} from "../../../components/cluster/userData";

const setup = (over: Partial<NodeSetup> = {}): NodeSetup => ({
    mount: { kind: "efs", address: "10.0.16.5" },
    slurmVersion: "25.05",
    sharedHome: true,
    containers: false,
    ...over,
});

/** The shell parts of a MIME archive, in order. */
const partsOf = (ud: string): string[] =>
    ud.split(`--${MIME_BOUNDARY}`).slice(1, -1).map((p) => p.replace(/^\nContent-Type: text\/x-shellscript; charset="us-ascii"\n\n/, "").trimEnd());

describe("cluster user data", () => {
    // PCS guide "Working with Amazon EC2 user data": MIME multi-part, text/x-shellscript parts.
    it("wraps the mount script as a MIME multi-part archive", () => {
        const ud = nodeUserData(setup());
        expect(ud.startsWith(`Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"\nMIME-Version: 1.0\n\n--${MIME_BOUNDARY}\n`)).to.equal(true);
        expect(ud).to.contain('Content-Type: text/x-shellscript; charset="us-ascii"\n\n#!/bin/bash');
        expect(ud.trimEnd().endsWith(`\n\n--${MIME_BOUNDARY}--`)).to.equal(true);
    });

    it("mounts EFS at /shared over NFS 4.1 with nofail", () => {
        const s = storageMountScript({ kind: "efs", address: "10.0.16.5" })!;
        expect(s).to.contain('FSTAB_LINE="10.0.16.5:/ /shared nfs4 nfsvers=4.1,');
        expect(s).to.match(/,_netdev,nofail 0 0"/);
    });

    it("mounts FSx for Lustre at /fsx by DNS name and mount name with nofail", () => {
        const s = storageMountScript({ kind: "lustre", dnsName: "fs-1.fsx.us-east-2.amazonaws.com", mountName: "abcd1234" })!;
        expect(s).to.contain('FSTAB_LINE="fs-1.fsx.us-east-2.amazonaws.com@tcp:/abcd1234 /fsx lustre defaults,noatime,flock,_netdev,nofail 0 0"');
    });

    it("is valid bash that rewrites its own fstab line and mounts only when not mounted", () => {
        const s = storageMountScript({ kind: "efs", address: "10.0.16.5" })!;
        expect(s).to.contain('sed -i "\\| ${MOUNT_DIR} |d" /etc/fstab');
        expect(s).to.contain('until mountpoint -q "$MOUNT_DIR"; do');
        execFileSync("bash", ["-n"], { input: s });
    });

    it("runs Slurm's PATH, the mount, /home and containers as separate parts, in that order", () => {
        const all = partsOf(nodeUserData(setup({ containers: true })));
        expect(all.map((p) => p.split("\n")[1])).to.deep.equal([
            "# capblocks: Slurm 25.05 (this cluster's) first on PATH for login shells. Safe to run again.",
            "# capblocks: mount the cluster's shared storage. Safe to run again.",
            "# capblocks: /home on the cluster's shared storage. Safe to run again.",
            "# capblocks: Enroot and Pyxis for `srun --container-image`. Safe to run again.",
        ]);
        for (const part of all) execFileSync("bash", ["-n"], { input: part });
    });

    it("creates the dev box's user with the box's uid after /home is shared, and leaves one that exists", () => {
        const all = partsOf(nodeUserData(setup({ user: { name: "coder", uid: 1001 } })));
        expect(all.map((p) => p.split("\n")[1])[3]).to.equal("# capblocks: the dev box's user coder (uid 1001), so jobs it submits run as a user this node knows. Safe to run again.");
        expect(all[3]).to.contain("if id -u coder >/dev/null 2>&1; then exit 0; fi").and.contain("useradd --uid 1001 --gid coder --create-home --shell /bin/bash coder");
        execFileSync("bash", ["-n"], { input: all[3] });
        expect(() => clusterUserScript({ name: "coder; rm -rf /", uid: 1001 })).to.throw("unexpected user");
    });

    it("puts Slurm on PATH even without shared storage, and /home on it only when asked", () => {
        expect(partsOf(nodeUserData(setup({ mount: { kind: "none" } })))).to.deep.equal([slurmPathScript("25.05").trimEnd()]);
        expect(partsOf(nodeUserData(setup({ sharedHome: false })))).to.have.length(2);
        expect(partsOf(nodeUserData(setup({ mount: { kind: "lustre", dnsName: "fs-1.fsx", mountName: "m" } })))[2]).to.contain("MOUNT_DIR=/fsx\n");
    });

    it("refuses values that could break out of the script", () => {
        expect(() => storageMountScript({ kind: "efs", address: "10.0.0.1; rm -rf /" })).to.throw(/unexpected characters/);
        expect(() => mimeMultipart([{ contentType: "text/plain", body: `--${MIME_BOUNDARY}` }])).to.throw(/boundary/);
        expect(() => slurmPathScript("25.05; reboot")).to.throw(/unexpected Slurm version/);
        expect(() => containersScript("$(id)")).to.throw(/unexpected Slurm version/);
        expect(() => sharedHomeScript("/x y")).to.throw(/unexpected characters/);
    });
});

describe("cluster mount script, run with stubbed system commands", () => {
    // Runs the real script under bash with mount/mountpoint/mkdir/chmod/sleep stubbed and /etc/fstab redirected.
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    function sandbox(mountSucceeds: boolean) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-mount-"));
        dirs.push(dir);
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        stub("mountpoint", `[ -f "${dir}/mounted" ]`);
        stub("mount", `echo "$@" >> "${dir}/mount.calls"; ${mountSucceeds ? `touch "${dir}/mounted"` : "exit 32"}`);
        stub("mkdir", "exit 0");
        stub("chmod", "exit 0");
        stub("sleep", "exit 0");
        const fstab = path.join(dir, "fstab");
        fs.writeFileSync(fstab, "LABEL=root / ext4 defaults 0 1\n10.9.9.9:/ /shared nfs4 old 0 0\n");
        const script = storageMountScript({ kind: "efs", address: "10.0.16.5" })!.split("/etc/fstab").join(fstab);
        const run = () =>
            execFileSync("bash", ["-c", script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, stdio: "pipe" });
        const calls = () => (fs.existsSync(`${dir}/mount.calls`) ? fs.readFileSync(`${dir}/mount.calls`, "utf8").trim().split("\n") : []);
        return { fstab: () => fs.readFileSync(fstab, "utf8"), run, calls };
    }

    it("replaces a stale fstab line, keeps the others, and mounts once across repeated runs", () => {
        const box = sandbox(true);
        box.run();
        box.run();
        const lines = box.fstab().trim().split("\n");
        expect(lines).to.deep.equal([
            "LABEL=root / ext4 defaults 0 1",
            "10.0.16.5:/ /shared nfs4 nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev,nofail 0 0",
        ]);
        expect(box.calls()).to.deep.equal(["/shared"]);
    });

    it("gives up with an error after 30 failed mount attempts instead of hanging the boot", () => {
        const box = sandbox(false);
        let stderr = "";
        try {
            box.run();
        } catch (e) {
            stderr = String((e as { stderr: Buffer }).stderr);
        }
        expect(stderr).to.contain("could not mount /shared after 30 attempts");
        expect(box.calls()).to.have.length(30);
    });
});

describe("node boot scripts, run with stubbed system commands", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    /** A scratch root with a bin/ of stubs first on PATH; `paths` maps the scripts' absolute paths into it. */
    function sandbox(stubsIn: Record<string, string> | ((dir: string) => Record<string, string>)) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-boot-"));
        dirs.push(dir);
        const stubs = typeof stubsIn === "function" ? stubsIn(dir) : stubsIn;
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        for (const [name, body] of Object.entries(stubs)) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        const at = (p: string) => path.join(dir, p);
        /** Runs a script whose top-level `NAME=value` lines are set to the sandbox's (the others map `paths`). */
        const runWith = (script: string, vars: Record<string, string>) =>
            run(script.split("\n").map((line) => { const m = /^([A-Z_]+)=/.exec(line); return m && m[1] in vars ? `${m[1]}=${vars[m[1]]}` : line; }).join("\n"), []);
        const run = (script: string, paths: string[]) => {
            // Longest first, so /etc/fstab is not rewritten as part of /etc.
            const mapped = [...paths].sort((a, b) => b.length - a.length).reduce((text, p) => text.split(p).join(at(p)), script);
            return execFileSync("bash", ["-c", mapped], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, stdio: "pipe" }).toString();
        };
        const calls = (name: string) => (fs.existsSync(at(`${name}.calls`)) ? fs.readFileSync(at(`${name}.calls`), "utf8").trim().split("\n") : []);
        return { dir, at, run, runWith, calls };
    }

    // PCS user guide "Software installers to build custom AMIs": Slurm lives in /opt/aws/pcs/scheduler/slurm-<version>.
    it("puts the cluster's Slurm first on PATH in login shells, ahead of an AMI's own slurm.sh", () => {
        const box = sandbox({});
        const slurm = "/opt/aws/pcs/scheduler";
        fs.mkdirSync(box.at(`${slurm}/slurm-25.05/bin`), { recursive: true });
        fs.writeFileSync(box.at(`${slurm}/slurm-25.05/bin/sinfo`), "", { mode: 0o755 });
        fs.mkdirSync(box.at("/etc/profile.d"), { recursive: true });
        fs.writeFileSync(box.at("/etc/profile.d/slurm.sh"), `PATH=${box.at(slurm)}/slurm-24.11/bin:${box.at(slurm)}/slurm-25.05/bin:$PATH\n`);
        const script = slurmPathScript("25.05");
        expect(box.run(script, [slurm, "/etc/profile.d"])).to.equal("");
        box.run(script, [slurm, "/etc/profile.d"]);
        const profiles = fs.readdirSync(box.at("/etc/profile.d")).sort();
        expect(profiles).to.deep.equal(["slurm.sh", path.basename(SLURM_PROFILE_SCRIPT)]);
        // What /etc/profile does: every script in name order.
        const login = profiles.map((p) => `. ${box.at("/etc/profile.d")}/${p}`).join("; ");
        const pathSeen = execFileSync("sh", ["-c", `${login}; echo "$PATH"`], { env: { PATH: "/usr/bin:/bin" } }).toString().trim();
        expect(pathSeen.split(":").slice(0, 2)).to.deep.equal([box.at(`${slurm}/slurm-25.05/bin`), box.at(`${slurm}/slurm-24.11/bin`)]);
    });

    it("says which Slurm is missing when the AMI has none of the cluster's version", () => {
        const box = sandbox({});
        fs.mkdirSync(box.at("/etc/profile.d"), { recursive: true });
        const script = ["/opt/aws/pcs/scheduler", "/etc/profile.d"].reduce((text, p) => text.split(p).join(box.at(p)), slurmPathScript("25.11"));
        const result = spawnSync("bash", ["-c", script]);
        expect(result.status).to.equal(0);
        expect(String(result.stderr)).to.contain("slurm-25.11/bin/sinfo is missing: this AMI has no Slurm 25.11");
    });

    function homeBox(mounted: string[]) {
        const box = sandbox((dir) => ({
            mountpoint: `for m in ${mounted.map((m) => path.join(dir, m)).join(" ")}; do [ "$2" = "$m" ] && exit 0; done; exit 1`,
            mount: `echo "$@" >> "$(dirname "$0")/../mount.calls"`,
        }));
        const vars = { MOUNT_DIR: box.at("/shared"), HOMES: box.at("/home"), FSTAB: box.at("/etc/fstab") };
        const runHome = () => box.runWith(sharedHomeScript("/shared"), vars);
        fs.mkdirSync(box.at("/home/ubuntu/.ssh"), { recursive: true });
        fs.writeFileSync(box.at("/home/ubuntu/.ssh/authorized_keys"), "node key\n");
        fs.mkdirSync(box.at("/shared/home/ubuntu"), { recursive: true });
        fs.writeFileSync(box.at("/shared/home/ubuntu/.bashrc"), "mine\n");
        fs.mkdirSync(box.at("/etc"), { recursive: true });
        fs.writeFileSync(box.at("/etc/fstab"), `LABEL=root / ext4 defaults 0 1\n/old/home ${box.at("/home")} none bind 0 0\n`);
        return { ...box, runHome };
    }

    it("binds /home to the shared storage's home, seeding it without overwriting what users have there", () => {
        const box = homeBox(["/shared"]);
        box.runHome();
        expect(fs.readFileSync(box.at("/etc/fstab"), "utf8").trim().split("\n")).to.deep.equal([
            "LABEL=root / ext4 defaults 0 1",
            `${box.at("/shared")}/home ${box.at("/home")} none bind,nofail,x-systemd.requires-mounts-for=${box.at("/shared")} 0 0`,
        ]);
        expect(box.calls("mount")).to.deep.equal([box.at("/home")]);
        expect(fs.readFileSync(box.at("/shared/home/ubuntu/.ssh/authorized_keys"), "utf8")).to.equal("node key\n");
        expect(fs.readFileSync(box.at("/shared/home/ubuntu/.bashrc"), "utf8")).to.equal("mine\n");
    });

    it("leaves /home alone when the shared storage did not mount, or /home is bound already", () => {
        const unmounted = homeBox([]);
        expect(() => unmounted.runHome()).to.throw(/shared is not mounted; \S+\/home stays on this node/);
        expect(unmounted.calls("mount")).to.deep.equal([]);
        const bound = homeBox(["/shared", "/home"]);
        bound.runHome();
        expect(bound.calls("mount")).to.deep.equal([]);
        expect(fs.readFileSync(bound.at("/etc/fstab"), "utf8")).to.contain(`/old/home ${bound.at("/home")} none bind 0 0`);
    });

    // NVIDIA enroot doc/installation.md (packages), Pyxis wiki "Installation" and "Setup"; PCS guide "Configure SPANK plugins".
    it("installs Enroot and builds Pyxis against the cluster's Slurm once, and configures both every time", () => {
        const log = (name: string) => `echo "${name} $@" >> "$(dirname "$0")/../calls.calls"`;
        const box = sandbox({
            curl: `${log("curl")}; for a; do case "$prev" in -o) : > "$a";; esac; prev=$a; done; exit 0`,
            "apt-get": `${log("apt-get")}; touch "$(dirname "$0")/enroot"; chmod +x "$(dirname "$0")/enroot"`,
            dpkg: "echo amd64",
            tar: `${log("tar")}; cat > /dev/null; mkdir -p "$3/pyxis-${PYXIS_VERSION}"`,
            make: `${log("make")} CFLAGS=$CFLAGS; touch "$2/spank_pyxis.so"`,
            "systemd-tmpfiles": log("systemd-tmpfiles"),
        });
        fs.mkdirSync(box.at("/usr/share/enroot/hooks.d"), { recursive: true });
        fs.writeFileSync(box.at("/usr/share/enroot/hooks.d/50-slurm-pmi.sh"), "");
        fs.mkdirSync(box.at("/etc/enroot/hooks.d"), { recursive: true });
        const paths = ["/etc/enroot", "/etc/tmpfiles.d", "/usr/local/lib", "/etc/aws/pcs", "/var/tmp/enroot", "/usr/share/enroot", "/opt/dlami/nvme"];
        fs.mkdirSync(box.at("/etc/tmpfiles.d"), { recursive: true });
        const script = containersScript("25.05");
        box.run(script, paths);
        const first = box.calls("calls");
        expect(first.filter((c) => c.startsWith("curl")).map((c) => c.split(" ").pop())).to.deep.equal([
            `https://github.com/NVIDIA/enroot/releases/download/v${ENROOT_VERSION}/enroot_${ENROOT_VERSION}-1_amd64.deb`,
            `https://github.com/NVIDIA/enroot/releases/download/v${ENROOT_VERSION}/enroot+caps_${ENROOT_VERSION}-1_amd64.deb`,
            `https://github.com/NVIDIA/pyxis/archive/refs/tags/v${PYXIS_VERSION}.tar.gz`,
        ]);
        expect(first.filter((c) => c.startsWith("make"))[0]).to.match(/CFLAGS=-I\/opt\/aws\/pcs\/scheduler\/slurm-25\.05\/include$/);
        expect(fs.readFileSync(box.at("/etc/aws/pcs/scheduler/slurm-25.05/plugstack.conf.d/pyxis.conf"), "utf8")).to.equal(
            `required ${box.at("/usr/local/lib")}/slurm-25.05/spank_pyxis.so runtime_path=/run/pyxis\n`,
        );
        const conf = fs.readFileSync(box.at("/etc/enroot/enroot.conf"), "utf8");
        expect(conf).to.contain("ENROOT_RUNTIME_PATH /run/enroot/user-$(id -u)\n");
        expect(conf).to.contain(`ENROOT_DATA_PATH ${box.at("/var/tmp/enroot")}/data-user-$(id -u)\n`);
        expect(fs.existsSync(box.at("/etc/enroot/hooks.d/50-slurm-pmi.sh"))).to.equal(true);
        // Again: Enroot and the plugin are there, so nothing is downloaded or built.
        box.run(script, paths);
        expect(box.calls("calls").slice(first.length).filter((c) => /^(curl|apt-get|make)/.test(c))).to.deep.equal([]);
    });
});
