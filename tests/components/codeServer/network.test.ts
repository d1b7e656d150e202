import { expect } from "chai";
import { CodeServerInstance } from "../../../components/codeServer/codeServerInstance";
import { efaChoice, launchNetwork, PRIVATE_GROUP, PUBLIC_GROUP, securityGroupRules } from "../../../components/codeServer/network";
import { placementIn } from "../../../components/codeServer/placement";
import type { CodeServerConfig } from "../../../components/config";
import { instanceFacts } from "../../../components/shared/catalog";
import type { MockRun } from "../../../scripts/offlineMocks";
import { codeServerConfig } from "../../helpers/codeServerConfig";
import { mockAws, ofType, oneOfType, REGION, resolved } from "../../helpers/mocks";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INSTANCE = "aws:ec2/instance:Instance";
const EIP = "aws:ec2/eip:Eip";
const TASKS = "pulumi-nodejs:dynamic/capblocks:SsmTasks";

const SELF_IN = { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "EFA: all traffic within the group" };
const SELF_OUT = { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "EFA: all traffic within the group (explicit, as EFA needs)" };

describe("the dev box's network", () => {
    describe("security group rules", () => {
        it("keep the description that has always been there for a box without inbound access", () => {
            const rules = securityGroupRules({ allowedCidrs: [], nginxPort: 80 }, false);
            expect(rules).to.deep.equal({
                description: PRIVATE_GROUP,
                ingress: [],
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "all outbound" }],
            });
            expect(PRIVATE_GROUP).to.equal("code-server: no inbound access (SSM port forwarding only)");
        });

        it("say the same whatever CIDRs or port are allowed (a new description would replace the group and the box)", () => {
            const a = securityGroupRules({ allowedCidrs: ["203.0.113.7/32"], nginxPort: 443 }, false);
            const b = securityGroupRules({ allowedCidrs: ["198.51.100.0/24", "192.0.2.0/24"], nginxPort: 8443 }, true);
            expect(a.description).to.equal(PUBLIC_GROUP);
            expect(b.description).to.equal(PUBLIC_GROUP);
            expect(b.ingress[0]).to.deep.equal({
                protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["198.51.100.0/24", "192.0.2.0/24"],
                description: "code-server over HTTPS via nginx",
            });
        });

        // EFA user guide: all inbound and outbound traffic to and from the security group itself, outbound explicitly.
        it("with EFA, let all traffic in from and out to the group itself", () => {
            const rules = securityGroupRules({ allowedCidrs: [], nginxPort: 80 }, true);
            expect(rules.description).to.equal(PRIVATE_GROUP);
            expect(rules.ingress).to.deep.equal([SELF_IN]);
            expect(rules.egress.slice(1)).to.deep.equal([SELF_OUT]);
        });
    });

    describe("EFA choice", () => {
        it("uses EFA only when asked for and the type has it, and says so when it cannot", () => {
            expect(efaChoice(false, instanceFacts("g7e.48xlarge"))).to.deep.equal({ use: false });
            expect(efaChoice(true, instanceFacts("g7e.48xlarge"))).to.deep.equal({ use: true });
            expect(efaChoice(true, instanceFacts("g7e.2xlarge"))).to.deep.equal({
                use: false,
                warning: "capblocks:codeServer.efa: g7e.2xlarge does not support EFA; the box starts without EFA interfaces " +
                    "(EFA needs e.g. g7e.8xlarge or larger, p5, p6, trn1 or trn2)",
            });
            expect(efaChoice(true, instanceFacts("g9.8xlarge")).warning).to.match(/g9\.8xlarge is not in capblocks' catalog, so it is not known to support EFA/);
        });
    });

    describe("launch network", () => {
        it("without EFA: the group on the template, the subnet on the instance", () => {
            expect(launchNetwork(instanceFacts("p5.48xlarge"), false, "sg-1", "subnet-1", true)).to.deep.equal({
                template: { vpcSecurityGroupIds: ["sg-1"] }, instanceSubnetId: "subnet-1", elasticIp: false,
            });
        });

        // RunInstances AssociatePublicIpAddress: "You cannot specify more than one network interface in the request".
        it("with EFA on several network cards in a default subnet: one interface per card, no subnet on the instance, and an Elastic IP", () => {
            const net = launchNetwork(instanceFacts("g7e.48xlarge"), true, "sg-1", "subnet-1", true);
            const nics = net.template.networkInterfaces as { networkCardIndex: number; interfaceType: string; associatePublicIpAddress?: string }[];
            expect(nics.map((n) => n.networkCardIndex)).to.deep.equal([0, 1, 2, 3]);
            expect(nics.every((n) => n.interfaceType === "efa" && n.associatePublicIpAddress === undefined)).to.equal(true);
            expect(net.template).to.not.have.property("vpcSecurityGroupIds");
            expect(net).to.not.have.property("instanceSubnetId");
            expect(net.elasticIp).to.equal(true);
        });

        it("with EFA on one network card in a default subnet: the interface asks for the public address itself", () => {
            const net = launchNetwork(instanceFacts("g7e.8xlarge"), true, "sg-1", "subnet-1", true);
            expect(net.template.networkInterfaces).to.deep.equal([{
                networkCardIndex: 0, deviceIndex: 0, interfaceType: "efa", securityGroups: ["sg-1"], subnetId: "subnet-1",
                deleteOnTermination: "true", associatePublicIpAddress: "true",
            }]);
            expect(net.elasticIp).to.equal(false);
        });

        it("with EFA on a type whose card 0 has none (p6-b300): a plain primary interface on card 0, EFA on the others", () => {
            const net = launchNetwork(instanceFacts("p6-b300.48xlarge"), true, "sg-1", "subnet-1", true);
            const nics = net.template.networkInterfaces as { networkCardIndex: number; interfaceType: string }[];
            expect(nics).to.have.length(17);
            expect(nics[0]).to.include({ networkCardIndex: 0, interfaceType: "interface" });
            expect(nics.slice(1).every((n) => n.interfaceType === "efa")).to.equal(true);
            expect(net.elasticIp).to.equal(true);
        });

        it("with EFA in the user's own subnet: its routing decides, no public address asked for", () => {
            const net = launchNetwork(instanceFacts("p5.48xlarge"), true, "sg-1", "subnet-1", false);
            expect(net.template.networkInterfaces).to.have.length(32);
            expect(net.elasticIp).to.equal(false);
            expect(JSON.stringify(net.template)).to.not.contain("associatePublicIpAddress");
        });
    });

    describe("launch network of a box in the stack's cluster", () => {
        it("without EFA: its own group and the nodes' group on the template", () => {
            expect(launchNetwork(instanceFacts("p5.48xlarge"), false, "sg-box", "subnet-1", false, ["sg-nodes"]).template).to.deep.equal({
                vpcSecurityGroupIds: ["sg-box", "sg-nodes"],
            });
        });

        it("with EFA: every interface in both groups (EFA to the nodes is traffic within their group), and no Elastic IP in the private subnet", () => {
            const net = launchNetwork(instanceFacts("p5.48xlarge"), true, "sg-box", "subnet-1", false, ["sg-nodes"]);
            const nics = net.template.networkInterfaces as { securityGroups: string[] }[];
            expect(nics).to.have.length(32);
            expect(nics.every((n) => JSON.stringify(n.securityGroups) === JSON.stringify(["sg-box", "sg-nodes"]))).to.equal(true);
            expect(net.elasticIp).to.equal(false);
        });
    });

    describe("in CodeServerInstance", () => {
        async function build(over: Partial<CodeServerConfig>, subnetId?: string): Promise<{ run: MockRun; url: string; warnings: string[] }> {
            const run = await mockAws();
            const warnings: string[] = [];
            const warn = console.warn;
            console.warn = (message: unknown) => void warnings.push(String(message));
            try {
                const cs = new CodeServerInstance("code-server", {
                    config: codeServerConfig({ instanceType: "g7e.48xlarge", ...over }),
                    region: REGION,
                    placement: placementIn("sa-east-1a", REGION, subnetId),
                    launch: true,
                    tasks: [{ id: "t", name: "t", commands: ["true"] }],
                    variables: {},
                });
                const url = await resolved<string>(cs.url);
                return { run, url, warnings };
            } finally {
                console.warn = warn;
            }
        }

        it("gives a g7e.48xlarge with efa four EFA interfaces, the group's self rules and an Elastic IP that setup waits for", async () => {
            const { run, url } = await build({ efa: true, allowedCidrs: ["203.0.113.7/32"], nginxPort: 443 });
            const lt = oneOfType(run, LT).inputs;
            expect((lt.networkInterfaces as unknown[]).length).to.equal(4);
            expect(lt).to.not.have.property("vpcSecurityGroupIds");
            expect(oneOfType(run, INSTANCE).inputs).to.not.have.property("subnetId");
            const sg = oneOfType(run, SG).inputs;
            expect(sg.ingress).to.deep.include(SELF_IN);
            expect(sg.egress).to.deep.include(SELF_OUT);
            const eip = oneOfType(run, EIP);
            expect(eip.inputs).to.include({ domain: "vpc" });
            expect(String(eip.inputs.networkInterface)).to.match(/^eni-/);
            expect(oneOfType(run, TASKS).options.dependsOn).to.include("code-server-eip");
            // The Elastic IP's name, not the instance's (which has no public address of its own).
            expect(url).to.equal("https://ec2-198-51-100-8.sa-east-1.compute.amazonaws.com/");
        });

        it("warns and builds the box without EFA when the type has none", async () => {
            const { run, warnings } = await build({ instanceType: "g7e.2xlarge", efa: true });
            expect(warnings.join("\n")).to.contain("capblocks:codeServer.efa: g7e.2xlarge does not support EFA");
            expect(oneOfType(run, LT).inputs).to.not.have.property("networkInterfaces");
            expect(oneOfType(run, SG).inputs.ingress).to.deep.equal([]);
            expect(ofType(run, EIP)).to.have.length(0);
        });

        it("leaves EFA off by default, and needs no Elastic IP in the user's subnet", async () => {
            const plain = await build({});
            expect(oneOfType(plain.run, LT).inputs).to.have.property("vpcSecurityGroupIds");
            expect(oneOfType(plain.run, INSTANCE).inputs).to.have.property("subnetId");
            const own = await build({ efa: true }, "subnet-0123456789abcdef0");
            expect(ofType(own.run, EIP)).to.have.length(0);
            expect((oneOfType(own.run, LT).inputs.networkInterfaces as { subnetId: string }[])[0].subnetId).to.equal("subnet-0123456789abcdef0");
        });
    });
});
