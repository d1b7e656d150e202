/**
 * The cluster is closed by default: checks in the manner of checkov (bridgecrewio/checkov, checkov/terraform/checks
 * at 03d5fdad), run over the offline plan of the example cluster stacks. Each check names the checkov id it
 * mirrors; the inputs are the Pulumi names of the same Terraform attributes the check reads. Opt-in settings may
 * open exactly what they say, and nothing else.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { main } from "../../scripts/plan";

interface Planned {
    type: string;
    name: string;
    parent: string | null;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inputs: any;
}

interface Finding {
    check: string;
    resource: string;
}

const ROOT = path.join(__dirname, "..", "..");
const ANYWHERE = ["0.0.0.0/0", "::/0"];

interface Rule {
    protocol: string;
    fromPort: number;
    toPort: number;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    description?: string;
}

const fromAnywhere = (r: Rule) => [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])].some((c) => ANYWHERE.includes(c));
const coversPort = (r: Rule, port: number) => r.protocol === "-1" || (r.fromPort <= port && port <= r.toPort);

/** Statements that allow an action on "*" (CKV_AWS_355 also spares actions that cannot be scoped; none is used here). */
const starStatements = (policy: string) =>
    (JSON.parse(policy) as { Statement: { Effect: string; Resource: string | string[] }[] }).Statement.filter(
        (st) => st.Effect === "Allow" && [st.Resource].flat().includes("*"),
    );

const CHECKS: Record<string, (r: Planned, all: Planned[]) => boolean> = {
    // SecurityGroupRuleDescription.py
    "CKV_AWS_23 security group and rule descriptions": (r) =>
        r.type === "aws:ec2/securityGroup:SecurityGroup" &&
        (!r.inputs.description || [...(r.inputs.ingress ?? []), ...(r.inputs.egress ?? [])].some((rule: Rule) => !rule.description)),
    // SecurityGroupUnrestrictedIngress22/3389/80/Any.py
    ...Object.fromEntries(
        ([["CKV_AWS_24", 22], ["CKV_AWS_25", 3389], ["CKV_AWS_260", 80]] as const).map(([id, port]) => [
            `${id} ingress from anywhere to ${port}`,
            (r: Planned) => r.type === "aws:ec2/securityGroup:SecurityGroup" && (r.inputs.ingress ?? []).some((rule: Rule) => fromAnywhere(rule) && coversPort(rule, port)),
        ]),
    ),
    "CKV_AWS_277 ingress from anywhere to all ports": (r) =>
        r.type === "aws:ec2/securityGroup:SecurityGroup" && (r.inputs.ingress ?? []).some((rule: Rule) => fromAnywhere(rule) && rule.protocol === "-1"),
    // SecurityGroupUnrestrictedEgressAny.py
    "CKV_AWS_382 egress to anywhere on all ports": (r) =>
        r.type === "aws:ec2/securityGroup:SecurityGroup" && (r.inputs.egress ?? []).some((rule: Rule) => fromAnywhere(rule) && rule.protocol === "-1"),
    // graph_checks/aws/VPCHasRestrictedSG.yaml: the VPC's default group exists in code, without rules.
    "CKV2_AWS_12 default security group restricts all traffic": (r, all) =>
        r.type === "aws:ec2/vpc:Vpc" &&
        !all.some(
            (d) => d.type === "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup" && d.inputs.vpcId === `${r.name}-id` && !d.inputs.ingress?.length && !d.inputs.egress?.length,
        ),
    // SubnetPublicIP.py
    "CKV_AWS_130 subnet assigns public IPs": (r) => r.type === "aws:ec2/subnet:Subnet" && r.inputs.mapPublicIpOnLaunch === true,
    // EC2PublicIP.py (launch templates: network_interfaces[0].associate_public_ip_address)
    "CKV_AWS_88 launch template gives a public IP": (r) =>
        r.type === "aws:ec2/launchTemplate:LaunchTemplate" && String(r.inputs.networkInterfaces?.[0]?.associatePublicIpAddress) === "true",
    // LaunchTemplateMetadataHop.py
    "CKV_AWS_341 IMDS hop limit above 1": (r) =>
        r.type === "aws:ec2/launchTemplate:LaunchTemplate" && (r.inputs.metadataOptions?.httpPutResponseHopLimit ?? 1) > 1,
    // IMDSv1Disabled.py
    "CKV_AWS_79 IMDSv1 enabled": (r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.inputs.metadataOptions?.httpTokens !== "required",
    // EFSEncryptionEnabled.py
    "CKV_AWS_42 EFS not encrypted": (r) => r.type === "aws:efs/fileSystem:FileSystem" && r.inputs.encrypted !== true,
    // IAMStarResourcePolicyDocument.py
    "CKV_AWS_355 IAM policy allows actions on *": (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && starStatements(r.inputs.policy).length > 0,
};

/** The cluster's own resources: those under the GpuNodeGroup component, whatever else the stack holds. */
function clusterResources(resources: Planned[]): Planned[] {
    const component = resources.find((r) => r.type === "capblocks:index:GpuNodeGroup");
    if (!component) throw new Error("no cluster in this plan");
    const names = new Set([component.name]);
    for (let grew = true; grew; ) {
        grew = false;
        for (const r of resources) {
            if (r.parent && names.has(r.parent) && r.type.startsWith("capblocks:index:") && !names.has(r.name)) {
                names.add(r.name);
                grew = true;
            }
        }
    }
    return resources.filter((r) => r.parent !== null && names.has(r.parent));
}

function findings(resources: Planned[]): Finding[] {
    const cluster = clusterResources(resources);
    return Object.entries(CHECKS).flatMap(([check, fails]) =>
        cluster.filter((r) => fails(r, cluster)).map((r) => ({ check, resource: `${r.type.split(":").pop()} ${r.name}` })),
    );
}

async function plan(args: string[]): Promise<Planned[]> {
    let out = "";
    let err = "";
    const code = await main([...args, "--json", "--block-state", "active"], { write: (s: string) => void (out += s) }, { write: (s: string) => void (err += s) });
    expect(code, err).to.equal(0);
    return (JSON.parse(out) as { resources: Planned[] }).resources;
}

const clusterStacks = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\..+\.yaml$/.test(f) && /capblocks:cluster:\n(?:\s+.*\n)*?\s+enabled: true/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));

describe("the cluster, closed by default (checkov-style checks over the offline plan)", function () {
    // A plan loads the PCS SDK the first time; on a busy machine that alone can take seconds.
    this.timeout(120_000);
    it("has example cluster stacks to check", () => {
        expect(clusterStacks.length).to.be.at.least(2);
    });

    it("finds each kind of opening (the checks can fail)", () => {
        const at = (type: string, name: string, inputs: object, parent: string | null = "cluster"): Planned => ({ type, name, parent, inputs });
        const open = { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] };
        const resources = [
            at("capblocks:index:GpuNodeGroup", "cluster", {}, null),
            at("aws:ec2/securityGroup:SecurityGroup", "cluster-sg", { description: "d", ingress: [{ ...open, description: "x" }], egress: [open] }),
            at("aws:ec2/vpc:Vpc", "cluster-vpc", {}),
            at("aws:ec2/subnet:Subnet", "cluster-public", { mapPublicIpOnLaunch: true }),
            at("aws:ec2/launchTemplate:LaunchTemplate", "cluster-lt", {
                metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 },
                networkInterfaces: [{ associatePublicIpAddress: "true" }],
            }),
            at("aws:efs/fileSystem:FileSystem", "cluster-efs", {}),
            at("aws:iam/rolePolicy:RolePolicy", "cluster-policy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }] }) }),
            at("aws:ec2/securityGroup:SecurityGroup", "code-server-sg", { ingress: [open] }, "code-server"),
        ];
        expect(findings(resources).map((f) => f.check.split(" ")[0]).sort()).to.deep.equal(
            ["CKV2_AWS_12", "CKV_AWS_130", "CKV_AWS_23", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277", "CKV_AWS_341", "CKV_AWS_355", "CKV_AWS_382", "CKV_AWS_42", "CKV_AWS_79", "CKV_AWS_88"],
        );
    });

    for (const file of clusterStacks) {
        it(`${file}: passes every check`, async () => {
            expect(findings(await plan(["--config-file", path.join(ROOT, file)]))).to.deep.equal([]);
        });
    }

    it("a storage group never sends traffic outside the VPC: no egress to any address range", async () => {
        const resources = await plan(["--config-file", path.join(ROOT, "Pulumi.cluster-p5.yaml")]);
        const storage = resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name.endsWith("-storage"));
        expect(storage).to.have.length(1);
        expect(storage[0].inputs.egress ?? []).to.deep.equal([]);
    });

    describe("opt-in settings open exactly what they say", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-lp-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("loginPublic, containers and allowAllEgress: a public IP for the login node, IMDS for containers, every port out", async () => {
            const file = path.join(dir, "Pulumi.opened.yaml");
            fs.writeFileSync(file, stringify({
                config: {
                    "aws:region": "us-east-2",
                    "capblocks:reservation": { id: "cr-0123456789abcdef0", instanceType: "p5.48xlarge" },
                    "capblocks:codeServer": { enabled: false },
                    "capblocks:cluster": {
                        enabled: true, name: "opened", sharedStorage: "fsx-lustre", loginPublic: true, containers: true, allowAllEgress: true,
                        dataBuckets: ["training-data"], lustreImportPath: "s3://training-data/imagenet/",
                    },
                },
            }));
            const resources = await plan(["--config-file", file]);
            expect(findings(resources)).to.deep.equal([
                { check: "CKV_AWS_382 egress to anywhere on all ports", resource: "SecurityGroup cluster-nodes" },
                { check: "CKV_AWS_88 launch template gives a public IP", resource: "LaunchTemplate cluster-login" },
                { check: "CKV_AWS_341 IMDS hop limit above 1", resource: "LaunchTemplate cluster-login" },
                { check: "CKV_AWS_341 IMDS hop limit above 1", resource: "LaunchTemplate cluster-compute" },
            ]);
        });
    });
});
