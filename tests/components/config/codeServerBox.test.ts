import { expect } from "chai";
import type { RawStackConfig } from "../../../components/config";
import { validateStackConfig } from "../../../components/config";
import { CODE_SERVER_VERSION, DEFAULT_EXTENSIONS } from "../../../components/config/codeServerSoftware";
import { problemsOf } from "../../helpers/configProblems";

/** capblocks:codeServer keys for the box's software, ports, network and who may reach it. */
const onDemand = (codeServer: Record<string, unknown>): RawStackConfig => ({
    project: "capblocks",
    stack: "dev",
    region: "us-east-1",
    codeServer: { instanceType: "g7e.2xlarge", ...codeServer },
});

describe("config: the code-server box", () => {
    it("defaults the software to a pinned code-server, Python, Jupyter, AWS Toolkit, Amazon Q and Cline, in en_US.UTF-8, trust off", () => {
        const cs = validateStackConfig(onDemand({})).codeServer;
        expect(cs).to.include({ version: CODE_SERVER_VERSION, locale: "en_US.UTF-8", workspaceTrust: false, efa: false, internalPort: 8080, nginxPort: 80 });
        expect(cs.extensions).to.deep.equal([
            "ms-python.python", "ms-toolsai.jupyter", "amazonwebservices.aws-toolkit-vscode", "amazonwebservices.amazon-q-vscode", "saoudrizwan.claude-dev",
        ]);
        expect(DEFAULT_EXTENSIONS).to.deep.equal(cs.extensions);
    });

    it("takes a version, extensions (with a pinned version), a locale, trust and ports", () => {
        const cs = validateStackConfig(onDemand({
            version: "4.137.0", extensions: ["redhat.vscode-yaml", "ms-python.python@2026.4.0"], locale: "ja_JP.UTF-8",
            workspaceTrust: true, internalPort: 9000, nginxPort: 8443, efa: true,
        })).codeServer;
        expect(cs).to.include({ version: "4.137.0", locale: "ja_JP.UTF-8", workspaceTrust: true, internalPort: 9000, nginxPort: 8443, efa: true });
        expect(cs.extensions).to.deep.equal(["redhat.vscode-yaml", "ms-python.python@2026.4.0"]);
        expect(validateStackConfig(onDemand({ extensions: [] })).codeServer.extensions).to.deep.equal([]);
    });

    it("serves HTTPS on 443 by default once allowedCidrs opens the box", () => {
        expect(validateStackConfig(onDemand({ allowedCidrs: ["203.0.113.7/32"] })).codeServer.nginxPort).to.equal(443);
        expect(validateStackConfig(onDemand({ allowedCidrs: ["198.51.100.0/24"], nginxPort: 8443 })).codeServer.nginxPort).to.equal(8443);
    });

    it("takes the dev-box root size the CDK projects recommend, from the catalog", () => {
        const root = (instanceType: string) => validateStackConfig(onDemand({ instanceType })).codeServer;
        expect(["g7e.2xlarge", "g7e.4xlarge", "g7e.8xlarge", "g7e.12xlarge", "g7e.24xlarge", "g7e.48xlarge"].map((t) => root(t).volumeSizeGb))
            .to.deep.equal([200, 200, 300, 300, 500, 1000]);
        expect(root("g7e.2xlarge").volumeSizeFromCatalog).to.equal(true);
        const set = validateStackConfig(onDemand({ volumeSizeGb: 1500 })).codeServer;
        expect(set).to.include({ volumeSizeGb: 1500, volumeSizeFromCatalog: false });
    });

    const refused: [string, Record<string, unknown>, string[]][] = [
        ["a version with a v", { version: "v4.138.0" }, [
            "capblocks:codeServer.version: \"v4.138.0\" is not a code-server release (a version from https://github.com/coder/code-server/releases without the v, e.g. 4.138.0)",
        ]],
        ["an extension id that is not one, or could run a command", { extensions: ["ms-python.python", "python", "a.b; rm -rf /"] }, [
            "capblocks:codeServer.extensions[1]: \"python\" is not an Open VSX extension id (publisher.name, optionally @version, e.g. ms-python.python)",
            "capblocks:codeServer.extensions[2]: \"a.b; rm -rf /\" is not an Open VSX extension id (publisher.name, optionally @version, e.g. ms-python.python)",
        ]],
        ["a locale that is not UTF-8", { locale: "en_US.ISO-8859-1" }, [
            "capblocks:codeServer.locale: \"en_US.ISO-8859-1\" is not a UTF-8 locale (e.g. en_US.UTF-8, ja_JP.UTF-8, C.UTF-8)",
        ]],
        ["a privileged code-server port", { internalPort: 80 }, [
            "capblocks:codeServer.internalPort: 80 must be a port of 1024..65535 (code-server runs as the user, who cannot listen below 1024)",
        ]],
        ["nginx on sshd's port", { nginxPort: 22 }, ["capblocks:codeServer.nginxPort: 22 must be a port of 1..65535 other than 22 (sshd's)"]],
        ["nginx and code-server on one port", { nginxPort: 8080 }, [
            "capblocks:codeServer.nginxPort: 8080 is also code-server's internalPort; give nginx and code-server different ports",
        ]],
        ["efa that is not a boolean", { efa: "yes" }, ["capblocks:codeServer.efa: \"yes\" must be true or false"]],
    ];
    for (const [what, codeServer, expected] of refused) {
        it(`refuses ${what}, naming the key`, () => {
            expect(problemsOf(onDemand(codeServer))).to.deep.equal(expected);
        });
    }

    describe("allowedCidrs (who may reach nginx over HTTPS)", () => {
        it("refuses a block with host bits set, and IPv6 (the box has no IPv6 address), saying what to write instead", () => {
            expect(problemsOf(onDemand({ allowedCidrs: ["203.0.113.7/24", "2001:db8::/64"] }))).to.deep.equal([
                "capblocks:codeServer.allowedCidrs[0]: \"203.0.113.7/24\" has host bits set, so it is not a network; " +
                    "write 203.0.113.0/24 (the network) or 203.0.113.7/32 (this address only)",
                "capblocks:codeServer.allowedCidrs[1]: \"2001:db8::/64\" is an IPv6 CIDR, and capblocks opens nginx's port to IPv4 addresses " +
                    "only (the instance gets no IPv6 address in the default VPC); give your IPv4 address as a /32 (e.g. 203.0.113.7/32), " +
                    "or leave allowedCidrs empty and connect through SSM",
            ]);
        });

        it("refuses the whole internet unless allowPublicInternet says so", () => {
            const everyone = (cidr: string) =>
                `capblocks:codeServer.allowedCidrs[0]: "${cidr}" opens code-server to the whole internet; list the addresses you connect from ` +
                "(e.g. your own /32), or leave allowedCidrs empty and connect through portForwardCommand, or set " +
                "capblocks:codeServer.allowPublicInternet: true to open it on purpose (HTTPS with a self-signed certificate, behind the password)";
            expect(problemsOf(onDemand({ allowedCidrs: ["0.0.0.0/0"] }))).to.deep.equal([everyone("0.0.0.0/0")]);
            const open = validateStackConfig(onDemand({ allowedCidrs: ["0.0.0.0/0"], allowPublicInternet: true })).codeServer;
            expect(open).to.include({ allowPublicInternet: true, nginxPort: 443 });
        });

        it("takes single addresses and networks", () => {
            const cs = validateStackConfig(onDemand({ allowedCidrs: ["203.0.113.7/32", "198.51.100.0/24"] })).codeServer;
            expect(cs.allowedCidrs).to.have.length(2);
        });
    });
});
