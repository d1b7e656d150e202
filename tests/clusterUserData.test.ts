import { expect } from "chai";
import { execFileSync } from "child_process";
import { MIME_BOUNDARY, mimeMultipart, nodeUserData, storageMountScript } from "../components/clusterUserData";

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

    it("is idempotent: replaces its fstab line and mounts only when not mounted", () => {
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
