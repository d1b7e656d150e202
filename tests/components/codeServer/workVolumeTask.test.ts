import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mountWorkVolumeTask, MOUNT_TASK_ID } from "../../../components/codeServer/workVolumeTask";
import { shellQuote } from "../../../dynamic-providers/shared/shell";

const VOLUME_ID = "vol-0abc1234def567890";

/**
 * A fake machine for the mount script: the NVMe by-id link, an fstab, and stub blkid/mkfs/mount tools
 * whose state lives in files. `probe` is what `blkid -p` exits with (2: no signature at all). Like the real
 * `mount DIR`, the stub mounts only what fstab lists for DIR; `mounted` holds "device mount-point" lines.
 * `busy` makes umount fail as it does while a process works in the mount point.
 */
function fakeMachine(probe: number, opts: { attached?: boolean; fstab?: string; busy?: boolean } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-mount-"));
    const bin = path.join(dir, "bin");
    const byId = path.join(dir, "by-id");
    fs.mkdirSync(bin);
    fs.mkdirSync(byId);
    fs.writeFileSync(path.join(dir, "nvme1n1"), "");
    if (opts.attached ?? true) fs.symlinkSync(path.join(dir, "nvme1n1"), path.join(byId, `nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace("-", "")}`));
    fs.writeFileSync(path.join(dir, "fstab"), opts.fstab ?? "LABEL=cloudimg-rootfs / ext4 defaults 0 1\n");
    fs.writeFileSync(path.join(dir, "probe"), String(probe));
    if (probe === 0) fs.writeFileSync(path.join(dir, "uuid"), "1111-existing");
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${dir}/log\n${body}\n`, { mode: 0o755 });
    stub("blkid", `case "$1" in
  -p) exit $(cat ${dir}/probe) ;;
esac
case "$*" in
  *UUID*) cat ${dir}/uuid 2>/dev/null ;;
  *TYPE*) [ -f ${dir}/uuid ] && echo ext4 ;;
esac
exit 0`);
    stub("mkfs.ext4", `echo 0 > ${dir}/probe; echo 2222-new > ${dir}/uuid`);
    const mounted = path.join(dir, "mounted");
    stub("mountpoint", `grep -q " $2$" ${mounted} 2>/dev/null`);
    stub("mount", `grep -q "^UUID=[^ ]* $1 " ${dir}/fstab || { echo "mount: $1: can't find in /etc/fstab." >&2; exit 1; }
echo "${dir}/nvme1n1 $1" >> ${mounted}`);
    stub("findmnt", `for mp; do :; done; awk -v mp="$mp" '$2 == mp { print $1 }' ${mounted} 2>/dev/null`);
    stub("umount", `${opts.busy ? 'echo "umount: $1: target is busy." >&2; exit 32' : `grep -v " $1$" ${mounted} > ${mounted}.new; mv ${mounted}.new ${mounted}`}`);
    stub("fuser", 'echo "USER PID ACCESS COMMAND"; echo "$2: coder 4242 ..c.. bash"');
    stub("systemctl", "exit 0");
    stub("resize2fs", "exit 0");
    stub("sleep", "exit 0");
    const run = (mountPoint = path.join(dir, "work")) => {
        const script = mountWorkVolumeTask({
            volumeId: VOLUME_ID,
            mountPoint,
            sizeGb: 200,
            deviceDir: byId,
            fstab: path.join(dir, "fstab"),
            waitSeconds: 10,
        }).commands.join("\n");
        return spawnSync("/bin/sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
    };
    const log = () => (fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "");
    const fstab = () => fs.readFileSync(path.join(dir, "fstab"), "utf8");
    const mounts = () => (fs.existsSync(mounted) ? fs.readFileSync(mounted, "utf8").trim().split("\n").filter(Boolean) : []);
    return { dir, run, log, fstab, mounts, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// The SSM agent runs commands with sh (dash on Ubuntu): the script must be POSIX (Systems Manager document AWS-RunShellScript; amazon-ssm-agent runs it with "sh").
describe("work volume mount task", () => {
    it("is valid POSIX sh and comes first under a stable id", () => {
        const task = mountWorkVolumeTask({ volumeId: VOLUME_ID, mountPoint: "/work", sizeGb: 200 });
        expect(task.id).to.equal(MOUNT_TASK_ID);
        const check = spawnSync("/bin/sh", ["-n", "-c", task.commands.join("\n")], { encoding: "utf8" });
        expect(check.status, check.stderr).to.equal(0);
        expect(task.commands.join("\n")).to.not.match(/\[\[|pipefail|\$'|function /);
    });

    // EC2 user guide "Amazon EBS and NVMe": the NVMe serial is the volume id without its dash.
    it("finds the volume by its NVMe serial", () => {
        const script = mountWorkVolumeTask({ volumeId: VOLUME_ID, mountPoint: "/work", sizeGb: 200 }).commands[0];
        expect(script).to.contain("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc1234def567890");
    });

    it("formats an empty volume once, mounts it, and adds one nofail fstab line by UUID", () => {
        const m = fakeMachine(2);
        try {
            const first = m.run();
            expect(first.status, first.stderr).to.equal(0);
            expect(m.log()).to.match(/^mkfs\.ext4 -q -L capblocks-work .*nvme1n1$/m);
            expect(m.log()).to.match(/^mount .*\/work$/m);
            const second = m.run();
            expect(second.status, second.stderr).to.equal(0);
            expect(m.log().match(/^mkfs/gm)).to.have.length(1);
            expect(m.log().match(/^mount /gm)).to.have.length(1);
            const lines = m.fstab().trim().split("\n");
            expect(lines).to.deep.equal(["LABEL=cloudimg-rootfs / ext4 defaults 0 1", `UUID=2222-new ${m.dir}/work ext4 defaults,nofail 0 2`]);
        } finally {
            m.cleanup();
        }
    });

    it("never formats a volume that already holds data (work from the last block)", () => {
        const m = fakeMachine(0);
        try {
            expect(m.run().status).to.equal(0);
            expect(m.log()).to.not.match(/mkfs/);
            expect(m.fstab()).to.contain(`UUID=1111-existing ${m.dir}/work ext4 defaults,nofail 0 2`);
        } finally {
            m.cleanup();
        }
    });

    it("refuses to format when the probe fails for any other reason", () => {
        const m = fakeMachine(4);
        try {
            const r = m.run();
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.match(/cannot probe .* \(blkid exit 4\); not formatting it/);
            expect(m.log()).to.not.match(/mkfs/);
        } finally {
            m.cleanup();
        }
    });

    it("replaces a stale fstab line for the same mount point (a new volume)", () => {
        const m = fakeMachine(0, { fstab: "LABEL=root / ext4 defaults 0 1\nUUID=old-one MOUNT ext4 defaults,nofail 0 2\n" });
        try {
            fs.writeFileSync(path.join(m.dir, "fstab"), m.fstab().replace("MOUNT", `${m.dir}/work`));
            expect(m.run().status).to.equal(0);
            expect(m.fstab().trim().split("\n")).to.deep.equal(["LABEL=root / ext4 defaults 0 1", `UUID=1111-existing ${m.dir}/work ext4 defaults,nofail 0 2`]);
        } finally {
            m.cleanup();
        }
    });

    // A homeDir change keeps the instance: the same volume must move to the new mount point in one run.
    it("moves the volume when the home directory changes: stops code-server, unmounts the old place, one fstab line", () => {
        const m = fakeMachine(0, { fstab: "LABEL=root / ext4 defaults 0 1\n# UUID=1111-existing /somewhere kept comment\n" });
        try {
            expect(m.run().status).to.equal(0);
            const moved = m.run(path.join(m.dir, "home2"));
            expect(moved.status, moved.stderr).to.equal(0);
            expect(moved.stdout).to.contain(`moving the work volume from ${m.dir}/work to ${m.dir}/home2`);
            expect(m.log()).to.match(/^systemctl stop capblocks-code-server\.service\numount .*\/work$/m);
            expect(m.mounts()).to.deep.equal([`${m.dir}/nvme1n1 ${m.dir}/home2`]);
            expect(m.fstab().trim().split("\n")).to.deep.equal([
                "LABEL=root / ext4 defaults 0 1",
                "# UUID=1111-existing /somewhere kept comment",
                `UUID=1111-existing ${m.dir}/home2 ext4 defaults,nofail 0 2`,
            ]);
            const again = m.run(path.join(m.dir, "home2"));
            expect(again.status, again.stderr).to.equal(0);
            expect(m.log().match(/^(umount|systemctl) /gm)).to.have.length(2, "a settled volume is not moved again");
        } finally {
            m.cleanup();
        }
    });

    it("stops with the processes that keep the old home busy, and leaves fstab as it was", () => {
        const m = fakeMachine(0, { busy: true });
        try {
            expect(m.run().status).to.equal(0);
            const before = m.fstab();
            const moved = m.run(path.join(m.dir, "home2"));
            expect(moved.status).to.equal(1);
            expect(moved.stderr).to.contain(`cannot unmount ${m.dir}/work to move the work volume to ${m.dir}/home2; these processes use it`);
            expect(moved.stderr).to.contain("coder 4242");
            expect(m.fstab()).to.equal(before);
        } finally {
            m.cleanup();
        }
    });

    it("fails with the volume id when the attachment never shows up", () => {
        const m = fakeMachine(2, { attached: false });
        try {
            const r = m.run();
            expect(r.status).to.equal(1);
            expect(r.stderr).to.match(/work volume vol-0abc1234def567890 is not attached: no .*nvme-Amazon_Elastic_Block_Store_vol0abc1234def567890 after 10 s/);
        } finally {
            m.cleanup();
        }
    });

    it("quotes values for sh", () => {
        expect(shellQuote("it's")).to.equal(`'it'\\''s'`);
    });
});
