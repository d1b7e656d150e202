import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { have, ScratchMachine } from "./scratch";

/**
 * HTTPS for a box open to allowedCidrs: the tls-certificate task (its certificate script run for real with openssl,
 * the instance metadata and the AWS CLI stubbed), nginx's site, and verify, each run with dash.
 */
const PARAMETER = "code-server-tls-fingerprint-1a2b3c4";

/** An instance metadata service (IMDSv2) with these public and private names and addresses. */
function imds(m: ScratchMachine, names: { publicHostname?: string; publicIpv4?: string }): void {
    const answer = (key: string, value: string | undefined) => (value === undefined ? `*/${key}) exit 22 ;;` : `*/${key}) echo ${value} ;;`);
    m.stub("curl", `for last; do :; done
case "$last" in
  */api/token) echo token-1 ;;
  ${answer("meta-data/public-hostname", names.publicHostname)}
  ${answer("meta-data/public-ipv4", names.publicIpv4)}
  */meta-data/local-hostname) echo ip-172-31-0-10.ec2.internal ;;
  */meta-data/local-ipv4) echo 172.31.0.10 ;;
  */meta-data/placement/region) echo us-east-1 ;;
  *) exit 22 ;;
esac`);
}

const openssl = (...args: string[]) => spawnSync("openssl", args, { encoding: "utf8" });

describe("HTTPS on the box (run with dash)", function () {
    this.timeout(60_000);
    let m: ScratchMachine;
    const tls = () => path.join(m.dir, "capblocks", "tls");
    before(function () {
        if (!have("openssl")) this.skip();
    });
    afterEach(() => m?.cleanup());

    describe("tls-certificate", () => {
        beforeEach(() => {
            m = new ScratchMachine({ HTTPS: "on", TLS_FINGERPRINT_PARAMETER: PARAMETER });
            imds(m, { publicHostname: "ec2-198-51-100-7.compute-1.amazonaws.com", publicIpv4: "198.51.100.7" });
            m.stub("aws", "exit 0");
            m.stub("systemctl", "exit 0");
        });

        it("makes a self-signed server certificate for the box's names, keeps its key private, and reports its fingerprint", () => {
            const r = m.run("tls-certificate");
            expect(r.status, r.stderr).to.equal(0);
            const cert = path.join(tls(), "cert.pem");
            const text = openssl("x509", "-in", cert, "-noout", "-text").stdout;
            expect(text).to.contain("DNS:ec2-198-51-100-7.compute-1.amazonaws.com, DNS:ip-172-31-0-10.ec2.internal, IP Address:198.51.100.7, IP Address:172.31.0.10");
            expect(text).to.match(/Basic Constraints: critical\s+CA:FALSE/);
            expect(text).to.match(/Extended Key Usage:\s+TLS Web Server Authentication/);
            expect(fs.statSync(path.join(tls(), "key.pem")).mode & 0o077, "the key is the owner's alone").to.equal(0);
            const fingerprint = openssl("x509", "-in", cert, "-noout", "-fingerprint", "-sha256").stdout.trim().replace(/^[^=]*=/, "");
            expect(fingerprint).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
            expect(r.stdout).to.contain(`capblocks-tls-cert: SHA-256 fingerprint ${fingerprint}`);
            expect(m.log()).to.contain(`aws ssm put-parameter --name ${PARAMETER} --type String --overwrite --value ${fingerprint} --region us-east-1`);
            // Runs again at every boot, before nginx, with its failures not stopping nginx.
            const unit = fs.readFileSync(path.join(m.dir, "systemd", "capblocks-tls-cert.service"), "utf8");
            expect(unit).to.contain("Before=nginx.service\n").and.contain(`ExecStart=-${path.join(m.dir, "sbin", "capblocks-tls-cert")} ${PARAMETER}\n`);
            expect(m.log()).to.match(/^systemctl enable capblocks-tls-cert\.service$/m);
        });

        it("keeps the certificate while the names stay, and makes a new one when a stop and start changed them", () => {
            expect(m.run("tls-certificate").status).to.equal(0);
            const first = fs.readFileSync(path.join(tls(), "cert.pem"), "utf8");
            const again = m.run("tls-certificate");
            expect(again.stdout).to.contain("is current; kept");
            expect(fs.readFileSync(path.join(tls(), "cert.pem"), "utf8")).to.equal(first);
            imds(m, { publicHostname: "ec2-203-0-113-9.compute-1.amazonaws.com", publicIpv4: "203.0.113.9" });
            const moved = m.run("tls-certificate");
            expect(moved.status, moved.stderr).to.equal(0);
            expect(moved.stdout).to.contain("made a new self-signed certificate for DNS:ec2-203-0-113-9.compute-1.amazonaws.com");
            expect(fs.readFileSync(path.join(tls(), "cert.pem"), "utf8")).to.not.equal(first);
            expect(m.log()).to.match(/^systemctl try-reload-or-restart nginx\.service$/m);
        });

        it("covers a box without a public address by its private name and address", () => {
            imds(m, {});
            const r = m.run("tls-certificate");
            expect(r.status, r.stderr).to.equal(0);
            expect(openssl("x509", "-in", path.join(tls(), "cert.pem"), "-noout", "-ext", "subjectAltName").stdout)
                .to.contain("DNS:ip-172-31-0-10.ec2.internal, IP Address:172.31.0.10");
        });

        it("fails, naming the parameter's write, when the fingerprint cannot be reported", () => {
            m.stub("aws", "echo 'An error occurred (AccessDeniedException) when calling the PutParameter operation' >&2; exit 254");
            const r = m.run("tls-certificate");
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.contain("PutParameter");
        });

        it("with HTTPS off, removes the boot unit and makes no certificate", () => {
            expect(m.run("tls-certificate").status).to.equal(0);
            const off = new ScratchMachine({ HTTPS: "off" });
            try {
                fs.writeFileSync(path.join(off.dir, "systemd", "capblocks-tls-cert.service"), "[Unit]\n");
                off.stub("systemctl", "exit 0");
                const r = off.run("tls-certificate");
                expect(r.status, r.stderr).to.equal(0);
                expect(fs.existsSync(path.join(off.dir, "systemd", "capblocks-tls-cert.service"))).to.equal(false);
                expect(fs.existsSync(path.join(off.dir, "capblocks"))).to.equal(false);
                expect(off.log()).to.match(/^systemctl disable capblocks-tls-cert\.service$/m);
            } finally {
                off.cleanup();
            }
        });
    });

    describe("nginx", () => {
        const site = () => fs.readFileSync(path.join(m.dir, "nginx", "sites-available", "capblocks-code-server"), "utf8");
        const stubs = () => {
            m.stub("nginx", "exit 0");
            m.stub("systemctl", "exit 0");
        };

        it("serves HTTPS with the box's certificate on nginxPort when HTTPS is on", () => {
            m = new ScratchMachine({ HTTPS: "on", NGINX_PORT: "443", INTERNAL_PORT: "9000" });
            stubs();
            const r = m.run("nginx");
            expect(r.status, r.stderr).to.equal(0);
            expect(site()).to.contain("    listen 443 ssl default_server;\n    listen [::]:443 ssl default_server;\n");
            expect(site()).to.contain(`    ssl_certificate ${path.join(m.dir, "capblocks", "tls", "cert.pem")};\n`);
            expect(site()).to.contain("    ssl_protocols TLSv1.2 TLSv1.3;\n");
            expect(site()).to.contain("proxy_pass http://127.0.0.1:9000;");
            // nginx's own variables reach the file as written.
            expect(site()).to.contain("map $http_upgrade $connection_upgrade {").and.contain("proxy_set_header Host $http_host;");
            expect(m.log()).to.match(/^nginx -t$/m);
        });

        it("serves plain HTTP, only to the box itself, when HTTPS is off", () => {
            m = new ScratchMachine({ HTTPS: "off", NGINX_PORT: "80" });
            stubs();
            expect(m.run("nginx").status).to.equal(0);
            expect(site()).to.contain("    listen 80 default_server;\n    listen [::]:80 default_server;\n");
            expect(site()).to.not.contain("ssl");
        });
    });

    describe("verify", () => {
        it("asks code-server on its own port and nginx over HTTPS, accepting the self-signed certificate", () => {
            const user = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
            m = new ScratchMachine({ USER: user, HOME_DIR: process.cwd(), HTTPS: "on", NGINX_PORT: "443", INTERNAL_PORT: "9000" });
            m.stub("systemctl", `case "$*" in *MainPID*) echo ${process.pid} ;; esac`);
            m.stub("curl", "exit 0");
            const r = m.run("verify");
            expect(r.status, r.stderr).to.equal(0);
            expect(m.log()).to.contain("curl -fsSk -o /dev/null http://127.0.0.1:9000/healthz");
            expect(m.log()).to.contain("curl -fsSk -o /dev/null https://127.0.0.1:443/healthz");
            expect(r.stdout).to.contain("answers on 127.0.0.1:9000 and through nginx on https port 443");
        });
    });
});
