/**
 * EC2 user data for PCS nodes: a shell part that mounts the shared file system, wrapped as MIME multipart.
 *
 * PCS user guide "Working with Amazon EC2 user data": launch-template user data must be a MIME multi-part
 * archive (PCS merges its own parts in); `text/x-shellscript` parts run after the node registers with PCS and
 * before slurmd starts, so jobs never see a node without its shared storage. The script is idempotent: it
 * rewrites its own fstab line, mounts only when not mounted, and `nofail` keeps a later boot from hanging
 * if the file system is unreachable.
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

/** User data for every PCS node (login and compute), or undefined when there is nothing to run. */
export function nodeUserData(mount: SharedMount): string | undefined {
    const script = storageMountScript(mount);
    if (script === undefined) return undefined;
    return mimeMultipart([{ contentType: 'text/x-shellscript; charset="us-ascii"', body: script }]);
}
