import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIME_BOUNDARY, mimeMultipart, nodeUserData, storageMountScript } from "../../../components/cluster/userData";

describe("cluster user data", () => {
    // PCS guide "Working with Amazon EC2 user data": MIME multi-part, text/x-shellscript parts.
    it("wraps the mount script as a MIME multi-part archive", () => {
        const ud = nodeUserData({ kind: "efs", address: "10.0.16.5" })!;
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

    it("has no user data without shared storage", () => {
        expect(nodeUserData({ kind: "none" })).to.equal(undefined);
    });

    it("refuses values that could break out of the script", () => {
        expect(() => storageMountScript({ kind: "efs", address: "10.0.0.1; rm -rf /" })).to.throw(/unexpected characters/);
        expect(() => mimeMultipart([{ contentType: "text/plain", body: `--${MIME_BOUNDARY}` }])).to.throw(/boundary/);
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
