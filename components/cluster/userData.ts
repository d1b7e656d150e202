/**
 * EC2 user data for PCS nodes: shell parts that put the cluster's Slurm on PATH, mount the shared file system,
 * put /home on it, create the dev box's user (when the stack has a box), and (opt-in) install Enroot and Pyxis;
 * wrapped as MIME multipart.
 *
 * PCS user guide "Working with Amazon EC2 user data": launch-template user data must be a MIME multi-part
 * archive (PCS merges its own parts in); `text/x-shellscript` parts run after the node registers with PCS and
 * before slurmd starts, so jobs never see a node without its shared storage or its container plugin. cloud-init
 * runs the parts in order and goes on after a failed one, so each part checks what it needs. Every script is
 * idempotent: it rewrites its own fstab line, mounts only when not mounted, installs only what is missing, and
 * `nofail` keeps a later boot from hanging if the file system is unreachable.
 */

export const EFS_MOUNT_DIR = "/shared";
export const LUSTRE_MOUNT_DIR = "/fsx";

export type SharedMount =
    | { kind: "efs"; /** Mount target IP or DNS name. */ address: string }
    | { kind: "lustre"; dnsName: string; mountName: string }
    | { kind: "none" };

interface FstabEntry {
    source: string;
    mountDir: string;
    fsType: string;
    options: string;
}

function fstabEntry(mount: Exclude<SharedMount, { kind: "none" }>): FstabEntry {
    if (mount.kind === "efs") {
        // EFS user guide "Mounting with NFS": the recommended NFS v4.1 options.
        return {
            source: `${mount.address}:/`,
            mountDir: EFS_MOUNT_DIR,
            fsType: "nfs4",
            options: "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev,nofail",
        };
    }
    // FSx for Lustre user guide "Mounting automatically": defaults,noatime,flock,_netdev (+ nofail).
    return {
        source: `${mount.dnsName}@tcp:/${mount.mountName}`,
        mountDir: LUSTRE_MOUNT_DIR,
        fsType: "lustre",
        options: "defaults,noatime,flock,_netdev,nofail",
    };
}

const SAFE_VALUE = /^[A-Za-z0-9.:@/_-]+$/;

/** The mount script for one node, or undefined when there is no shared storage. */
export function storageMountScript(mount: SharedMount): string | undefined {
    if (mount.kind === "none") return undefined;
    const e = fstabEntry(mount);
    for (const value of [e.source, e.mountDir]) {
        if (!SAFE_VALUE.test(value)) throw new Error(`refusing to put unexpected characters in a mount script: ${value}`);
    }
    return [
        "#!/bin/bash",
        "# capblocks: mount the cluster's shared storage. Safe to run again.",
        "set -eu",
        `MOUNT_DIR=${e.mountDir}`,
        `FSTAB_LINE="${e.source} ${e.mountDir} ${e.fsType} ${e.options} 0 0"`,
        'mkdir -p "$MOUNT_DIR"',
        "# Replace any earlier line for this mount point (the file system may have been replaced).",
        'sed -i "\\| ${MOUNT_DIR} |d" /etc/fstab',
        'echo "$FSTAB_LINE" >> /etc/fstab',
        "attempt=1",
        'until mountpoint -q "$MOUNT_DIR"; do',
        '    if mount "$MOUNT_DIR"; then break; fi',
        '    if [ "$attempt" -ge 30 ]; then',
        '        echo "capblocks: could not mount ${MOUNT_DIR} after ${attempt} attempts; see dmesg" >&2',
        "        exit 1",
        "    fi",
        "    attempt=$((attempt + 1))",
        "    sleep 10",
        "done",
        "# Sticky and world-writable, like /tmp: every cluster user can keep work here.",
        'chmod 1777 "$MOUNT_DIR"',
        "",
    ].join("\n");
}

export interface MimePart {
    contentType: string;
    body: string;
}

export const MIME_BOUNDARY = "==CAPBLOCKS-BOUNDARY==";

/** A MIME multi-part archive in the layout the PCS guide shows (blank lines around each boundary). */
export function mimeMultipart(parts: MimePart[]): string {
    const lines = ['Content-Type: multipart/mixed; boundary="' + MIME_BOUNDARY + '"', "MIME-Version: 1.0", ""];
    for (const part of parts) {
        if (part.body.includes(MIME_BOUNDARY)) throw new Error("a user data part contains the MIME boundary");
        lines.push(`--${MIME_BOUNDARY}`, `Content-Type: ${part.contentType}`, "", part.body.trimEnd(), "");
    }
    lines.push(`--${MIME_BOUNDARY}--`, "");
    return lines.join("\n");
}

/** Where PCS's Slurm installers put Slurm (PCS user guide "Software installers to build custom AMIs"). */
export const pcsSlurmHome = (slurmVersion: string): string => `/opt/aws/pcs/scheduler/slurm-${slurmVersion}`;

/** The profile script; sorted after `slurm.sh`, which some PCS AMIs ship with every installed version on PATH, oldest first. */
export const SLURM_PROFILE_SCRIPT = "/etc/profile.d/zz-capblocks-slurm.sh";

const SLURM_VERSION = /^\d+\.\d+$/;

function checkedSlurmVersion(slurmVersion: string): string {
    if (!SLURM_VERSION.test(slurmVersion)) throw new Error(`refusing to put an unexpected Slurm version in a script: ${slurmVersion}`);
    return slurmVersion;
}

/**
 * Puts the cluster's own Slurm commands first on PATH in login shells (`sudo -iu ubuntu`, SSH): PCS installs Slurm
 * under /opt/aws/pcs/scheduler/slurm-<version>, which is on no default PATH, and a client of the cluster's
 * version is the one Pyxis is built for. Jobs inherit the PATH they were submitted with.
 */
export function slurmPathScript(slurmVersion: string): string {
    const home = pcsSlurmHome(checkedSlurmVersion(slurmVersion));
    return [
        "#!/bin/bash",
        `# capblocks: Slurm ${slurmVersion} (this cluster's) first on PATH for login shells. Safe to run again.`,
        "set -eu",
        `cat > ${SLURM_PROFILE_SCRIPT} <<'EOF'`,
        `# capblocks: this cluster's Slurm (${slurmVersion}) first on PATH; PCS installs Slurm under /opt/aws/pcs/scheduler.`,
        `if [ -d ${home}/bin ]; then`,
        `    PATH=${home}/bin:$PATH`,
        `    MANPATH=${home}/share/man:\${MANPATH:-}`,
        "    export PATH MANPATH",
        "fi",
        "EOF",
        `chmod 0644 ${SLURM_PROFILE_SCRIPT}`,
        `if [ ! -x ${home}/bin/sinfo ]; then`,
        `    echo "capblocks: ${home}/bin/sinfo is missing: this AMI has no Slurm ${slurmVersion} (set capblocks:cluster.amiId to an image with PCS's Slurm ${slurmVersion})" >&2`,
        "fi",
        "",
    ].join("\n");
}

/**
 * Puts /home on the shared file system (a `home` directory there, bind-mounted), so a user's files, keys and
 * virtualenvs are the same on the login node and every compute node. The first node seeds it with its own
 * homes (the default user's dot files); nothing there is ever overwritten. Skipped when the mount failed, so an
 * empty directory never hides the local /home.
 */
export function sharedHomeScript(mountDir: string): string {
    if (!SAFE_VALUE.test(mountDir)) throw new Error(`refusing to put unexpected characters in a home script: ${mountDir}`);
    return [
        "#!/bin/bash",
        "# capblocks: /home on the cluster's shared storage. Safe to run again.",
        "set -eu",
        `MOUNT_DIR=${mountDir}`,
        "HOMES=/home",
        "FSTAB=/etc/fstab",
        'SHARED_HOME="$MOUNT_DIR/home"',
        'if ! mountpoint -q "$MOUNT_DIR"; then',
        '    echo "capblocks: ${MOUNT_DIR} is not mounted; ${HOMES} stays on this node" >&2',
        "    exit 1",
        "fi",
        'if mountpoint -q "$HOMES"; then exit 0; fi',
        'mkdir -p "$SHARED_HOME"',
        'chmod 0755 "$SHARED_HOME"',
        "# Seed from this node's homes without overwriting anything a user already has there.",
        'cp -a -n "$HOMES/." "$SHARED_HOME/"',
        'sed -i "\\| ${HOMES} none |d" "$FSTAB"',
        'echo "$SHARED_HOME $HOMES none bind,nofail,x-systemd.requires-mounts-for=$MOUNT_DIR 0 0" >> "$FSTAB"',
        'mount "$HOMES"',
        "",
    ].join("\n");
}

/** Pinned releases (NVIDIA/enroot and NVIDIA/pyxis on GitHub); Pyxis is built here against the cluster's Slurm. */
export const ENROOT_VERSION = "3.5.0";
export const PYXIS_VERSION = "0.20.0";

/**
 * Enroot and Pyxis, so jobs can run `srun --container-image=...` (PCS user guide "SPANK plugins": compile the
 * plugin against /opt/aws/pcs/scheduler/slurm-<version>/include and configure it in
 * /etc/aws/pcs/scheduler/slurm-<version>/plugstack.conf.d/; PCS manages slurm.conf, not the plugins). Enroot's
 * settings are the Pyxis wiki's example, with the instance store (the DLAMI mounts it at /opt/dlami/nvme) for
 * image layers and container file systems. Installs only what is missing, so an image that has them skips it.
 */
export function containersScript(slurmVersion: string): string {
    const version = checkedSlurmVersion(slurmVersion);
    const plugin = `/usr/local/lib/slurm-${version}/spank_pyxis.so`;
    return [
        "#!/bin/bash",
        "# capblocks: Enroot and Pyxis for `srun --container-image`. Safe to run again.",
        "set -euo pipefail",
        "export DEBIAN_FRONTEND=noninteractive",
        'apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }',
        `SLURM_HOME=${pcsSlurmHome(version)}`,
        `PLUGIN=${plugin}`,
        "if ! command -v enroot >/dev/null; then",
        '    arch=$(dpkg --print-architecture)',
        '    tmp=$(mktemp -d)',
        "    for pkg in enroot enroot+caps; do",
        `        curl -fsSL --retry 5 -o "$tmp/$pkg.deb" "https://github.com/NVIDIA/enroot/releases/download/v${ENROOT_VERSION}/\${pkg}_${ENROOT_VERSION}-1_$arch.deb"`,
        "    done",
        "    apt_get update",
        '    apt_get install -y "$tmp/enroot.deb" "$tmp/enroot+caps.deb"',
        '    rm -rf "$tmp"',
        "fi",
        "SCRATCH=/var/tmp/enroot",
        "if [ -d /opt/dlami/nvme ]; then SCRATCH=/opt/dlami/nvme/enroot; fi",
        'mkdir -p "$SCRATCH" && chmod 1777 "$SCRATCH"',
        "# Per-user runtime directories under /run, made again on every boot.",
        "echo 'd /run/enroot 1777 root root -' > /etc/tmpfiles.d/capblocks-enroot.conf",
        "systemd-tmpfiles --create /etc/tmpfiles.d/capblocks-enroot.conf",
        "mkdir -p /etc/enroot",
        "cat > /etc/enroot/enroot.conf <<EOF",
        "ENROOT_RUNTIME_PATH /run/enroot/user-\\$(id -u)",
        "ENROOT_CACHE_PATH $SCRATCH/cache-group-\\$(id -g)",
        "ENROOT_DATA_PATH $SCRATCH/data-user-\\$(id -u)",
        "ENROOT_SQUASH_OPTIONS -noI -noD -noF -noX -no-duplicates",
        "ENROOT_MOUNT_HOME n",
        "ENROOT_RESTRICT_DEV y",
        "ENROOT_ROOTFS_WRITABLE y",
        "EOF",
        "# PMIx and PyTorch multi-node hooks (Pyxis wiki, \"Setup\"); they ship disabled.",
        "for hook in 50-slurm-pmi.sh 50-slurm-pytorch.sh; do",
        '    if [ -f "/usr/share/enroot/hooks.d/$hook" ]; then cp "/usr/share/enroot/hooks.d/$hook" /etc/enroot/hooks.d/; fi',
        "done",
        'if [ ! -f "$PLUGIN" ]; then',
        '    tmp=$(mktemp -d)',
        `    curl -fsSL --retry 5 "https://github.com/NVIDIA/pyxis/archive/refs/tags/v${PYXIS_VERSION}.tar.gz" | tar -xz -C "$tmp"`,
        `    CFLAGS="-I$SLURM_HOME/include" CPPFLAGS="-I$SLURM_HOME/include" make -C "$tmp/pyxis-${PYXIS_VERSION}"`,
        `    install -D -m 0755 "$tmp/pyxis-${PYXIS_VERSION}/spank_pyxis.so" "$PLUGIN"`,
        '    rm -rf "$tmp"',
        "fi",
        `PLUGSTACK=/etc/aws/pcs/scheduler/slurm-${version}/plugstack.conf.d`,
        'mkdir -p "$PLUGSTACK"',
        'echo "required $PLUGIN runtime_path=/run/pyxis" > "$PLUGSTACK/pyxis.conf"',
        'chmod 0644 "$PLUGSTACK/pyxis.conf"',
        "",
    ].join("\n");
}

/** The dev box's user on every node (components/codeServer/clusterAccess.ts): jobs run as the uid that submitted them. */
export interface ClusterUser {
    name: string;
    uid: number;
}

const LOGIN_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Creates the dev box's user with the box's uid (and a group of the same id), so a job submitted from the box runs
 * as a user the node knows. Its home is under /home, on the shared storage when /home is. Leaves a user that exists.
 */
export function clusterUserScript({ name, uid }: ClusterUser): string {
    if (!LOGIN_NAME.test(name) || !Number.isInteger(uid) || uid < 1000) throw new Error(`refusing to put an unexpected user in a script: ${name} ${uid}`);
    return [
        "#!/bin/bash",
        `# capblocks: the dev box's user ${name} (uid ${uid}), so jobs it submits run as a user this node knows. Safe to run again.`,
        "set -eu",
        `if id -u ${name} >/dev/null 2>&1; then exit 0; fi`,
        `getent group ${name} >/dev/null || groupadd --gid ${uid} ${name}`,
        `useradd --uid ${uid} --gid ${name} --create-home --shell /bin/bash ${name}`,
        "",
    ].join("\n");
}

/** What a node's boot script does, from the cluster's settings. */
export interface NodeSetup {
    mount: SharedMount;
    /** The cluster's Slurm version (major.minor). */
    slurmVersion: string;
    sharedHome: boolean;
    containers: boolean;
    /** The dev box's user, when the stack has one that submits jobs. */
    user?: ClusterUser;
}

const SHELL_PART = 'text/x-shellscript; charset="us-ascii"';

/** User data for every PCS node (login and compute): Slurm on PATH, shared storage and /home, containers. */
export function nodeUserData(setup: NodeSetup): string {
    const mountDir = setup.mount.kind === "none" ? undefined : fstabEntry(setup.mount).mountDir;
    const mount = storageMountScript(setup.mount);
    const scripts = [
        slurmPathScript(setup.slurmVersion),
        ...(mount === undefined ? [] : [mount]),
        ...(mountDir !== undefined && setup.sharedHome ? [sharedHomeScript(mountDir)] : []),
        ...(setup.user ? [clusterUserScript(setup.user)] : []),
        ...(setup.containers ? [containersScript(setup.slurmVersion)] : []),
    ];
    return mimeMultipart(scripts.map((body) => ({ contentType: SHELL_PART, body })));
}
