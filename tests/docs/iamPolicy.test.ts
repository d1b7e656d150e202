/**
 * docs/iam-policy.json and docs/iam-policy-cluster.json cover every AWS call capblocks makes: each SDK command the
 * dynamic providers send, each credential provider they use, each Pulumi resource the components declare and each
 * invoke they call has a row in docs/iam-actions.md, and every action in every row is allowed by the two policies,
 * which allow nothing else. A stack without a cluster needs only the first: what only components/cluster/ declares
 * has its rows in the cluster sections.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

interface Statement {
    Sid: string;
    Effect: string;
    Action: string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}
interface Policy {
    Version: string;
    Statement: Statement[];
}
const BASE = JSON.parse(read("docs/iam-policy.json")) as Policy;
const CLUSTER = JSON.parse(read("docs/iam-policy-cluster.json")) as Policy;
const POLICY: Policy = { Version: BASE.Version, Statement: [...BASE.Statement, ...CLUSTER.Statement] };

/** The rows of docs/iam-actions.md's tables: what the code uses (first cell) → the IAM actions it needs. */
function documentedActions(section: (heading: string) => boolean = () => true): Map<string, string[]> {
    const rows = new Map<string, string[]>();
    let heading = "";
    for (const line of read("docs/iam-actions.md").split("\n")) {
        if (line.startsWith("## ")) heading = line;
        if (!line.startsWith("| `") || !section(heading)) continue;
        const [, what, actions] = line.split("|");
        rows.set(/`([^`]+)`/.exec(what)?.[1] as string, [...actions.matchAll(/`([a-z0-9-]+:[A-Za-z0-9]+)`/g)].map((m) => m[1]));
    }
    return rows;
}
const inClusterSection = (heading: string) => heading.endsWith(" of the cluster");

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []);
}

/** A file's code without its comments, so an API named in a comment is not taken for a call. */
const code = (file: string) => read(file).replace(/\/\*[^]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
const matches = (files: string[], pattern: RegExp) => files.flatMap((f) => [...code(f).matchAll(pattern)].map((m) => m.slice(1)));

/** The AWS SDK calls of the dynamic providers, as `EC2 <Operation>` / `SSM <Operation>` / `Logs <Operation>`, and their credential providers. */
function sdkCalls(): string[] {
    const files = sourceFiles("dynamic-providers");
    const operations = [...matches(files, /new\s+(?:[\w.]+\.)?([A-Z]\w*)Command\(/g), ...matches(files, /\bpaginate([A-Z]\w*)\(/g)].map(([op]) => op);
    const clients: [string, Record<string, unknown>][] = [
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ["EC2", require("@aws-sdk/client-ec2") as Record<string, unknown>],
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ["SSM", require("@aws-sdk/client-ssm") as Record<string, unknown>],
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ["Logs", require("@aws-sdk/client-cloudwatch-logs") as Record<string, unknown>],
    ];
    const calls = operations.map((op) => {
        const client = clients.find(([, sdk]) => typeof sdk[`${op}Command`] === "function");
        if (!client) throw new Error(`${op}: not an EC2, SSM or CloudWatch Logs command; add its client to this test and its row to docs/iam-actions.md`);
        return `${client[0]} ${op}`;
    });
    const credentials = matches(files, /\bproviders\.(from\w+)\(/g).map(([fn]) => fn);
    return [...new Set([...calls, ...credentials])].sort();
}

/** The Pulumi resource types the components declare and the invokes they call, by type token. */
function pulumiUses(files = [...sourceFiles("components"), "index.ts"]): { resources: string[]; invokes: string[] } {
    const packages: Record<string, () => Record<string, unknown>> = {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        aws: () => require("@pulumi/aws") as Record<string, unknown>,
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        pcs: () => require("@pulumi/aws-native/pcs") as Record<string, unknown>,
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        random: () => require("@pulumi/random") as Record<string, unknown>,
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        pulumi: () => require("@pulumi/pulumi") as Record<string, unknown>,
    };
    const resources = matches(files, /new\s+(aws|pcs|random|pulumi)\.([\w.]+)\(/g)
        .filter(([, name]) => name !== "RunError")
        .map(([pkg, name]) => {
            const cls = name.split(".").reduce<unknown>((m, part) => (m as Record<string, unknown>)[part], packages[pkg]()) as { __pulumiType?: string };
            return pkg === "pulumi" ? `pulumi:pulumi:${name}` : (cls.__pulumiType as string);
        });
    const invokes = matches(files, /\baws\.(?:(\w+)\.)?(get[A-Z]\w*?)(?:Output)?\(/g).map(([mod, fn]) => `aws:${mod ?? "index"}/${fn}:${fn}`);
    return { resources: [...new Set(resources)].sort(), invokes: [...new Set(invokes)].sort() };
}

/** The resource types in every example stack's plan, in every block state (recorded by tests/scripts/urns.test.ts). */
function plannedTypes(): string[] {
    const urns = Object.values(JSON.parse(read("tests/scripts/urns.json")) as Record<string, string[]>).flat();
    const types = urns.map((urn) => urn.split("::")[0].split("$").pop() as string);
    return [...new Set(types)].filter((t) => !t.startsWith("capblocks:index:") && !t.startsWith("pulumi-nodejs:dynamic/")).sort();
}

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const wildcard = (pattern: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
const allowedBy = (statement: Statement, action: string) => statement.Effect === "Allow" && statement.Action.some((a) => wildcard(a).test(action));

describe("the IAM policies for the identity that runs pulumi (docs/iam-policy.json, docs/iam-policy-cluster.json)", function () {
    // Loading @pulumi/aws to read the resource classes' type tokens takes a few seconds on a busy machine.
    this.timeout(60_000);
    const rows = documentedActions();
    const needed = [...new Set([...rows.values()].flat())].sort();

    it("documents every AWS SDK call and credential provider of the dynamic providers", () => {
        const calls = sdkCalls();
        expect(calls, "the scan finds the calls").to.include.members(["EC2 PurchaseCapacityBlock", "SSM SendCommand", "SSM ListCommandInvocations", "fromTemporaryCredentials"]);
        expect(calls.filter((c) => !rows.has(c)), "calls with no row in docs/iam-actions.md").to.deep.equal([]);
    });

    it("documents every Pulumi resource type and invoke the program uses", () => {
        const { resources, invokes } = pulumiUses();
        expect(resources, "the scan finds the resources").to.include.members(["aws:ec2/instance:Instance", "aws:ebs/snapshot:Snapshot", "aws-native:pcs:Cluster"]);
        expect(invokes, "the scan finds the invokes").to.include.members(["aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation", "aws:index/getPartition:getPartition"]);
        expect(plannedTypes().filter((t) => !resources.includes(t)), "planned types the scan missed").to.deep.equal([]);
        expect([...resources, ...invokes].filter((t) => !rows.has(t)), "types with no row in docs/iam-actions.md").to.deep.equal([]);
    });

    it("documents what only the cluster uses in the cluster sections, and the rest outside them", () => {
        const all = pulumiUses();
        const outside = pulumiUses([...sourceFiles("components").filter((f) => !f.startsWith(path.join("components", "cluster"))), "index.ts"]);
        const types = [...all.resources, ...all.invokes];
        const clusterOnly = types.filter((t) => !outside.resources.includes(t) && !outside.invokes.includes(t));
        expect(clusterOnly, "the scan finds the cluster's").to.include.members(["aws-native:pcs:Cluster", "aws:efs/fileSystem:FileSystem"]);
        const clusterRows = documentedActions(inClusterSection);
        expect(types.filter((t) => clusterRows.has(t) !== clusterOnly.includes(t)), "rows in the wrong section").to.deep.equal([]);
    });

    it("allows everything a stack without a cluster needs in docs/iam-policy.json alone", () => {
        const baseNeeds = [...new Set([...documentedActions((h) => !inClusterSection(h)).values()].flat())];
        expect(baseNeeds.filter((a) => !BASE.Statement.some((s) => allowedBy(s, a))), "actions docs/iam-policy.json does not allow").to.deep.equal([]);
    });

    it("allows every action a row needs", () => {
        expect(needed.length).to.be.greaterThan(100);
        expect(needed.filter((a) => !POLICY.Statement.some((s) => allowedBy(s, a))), "actions docs/iam-policy.json does not allow").to.deep.equal([]);
    });

    it("allows nothing no row needs; its one wildcard is EC2's read-only Describe*", () => {
        const granted = POLICY.Statement.flatMap((s) => s.Action);
        expect(granted.filter((a) => a.includes("*"))).to.deep.equal(["ec2:Describe*"]);
        expect(granted.filter((a) => !needed.some((n) => wildcard(a).test(n))), "actions no row needs").to.deep.equal([]);
    });

    it("is two valid policy documents that each fit a managed policy", () => {
        for (const policy of [BASE, CLUSTER]) {
            expect(policy.Version).to.equal("2012-10-17");
            for (const s of policy.Statement) {
                expect(s.Sid, JSON.stringify(s)).to.match(/^[A-Za-z0-9]+$/);
                expect(s.Effect).to.equal("Allow");
                for (const a of s.Action) expect(a, s.Sid).to.match(/^[a-z0-9-]+:[A-Za-z0-9*]+$/);
            }
            // IAM counts a managed policy's characters without whitespace: at most 6,144.
            expect(JSON.stringify(policy).length).to.be.at.most(6144);
        }
        expect(new Set(POLICY.Statement.map((s) => s.Sid)).size, "Sids unique across both").to.equal(POLICY.Statement.length);
    });

    it("writes SSM parameters only for purchase records, the seed scripts' /capacity-block/ (publishParameter) and the box's TLS fingerprint, and passes only the roles capblocks creates", () => {
        const where = (action: string) => POLICY.Statement.filter((s) => allowedBy(s, action)).flatMap((s) => asList(s.Resource));
        for (const action of ["ssm:PutParameter", "ssm:DeleteParameter"]) {
            expect(where(action), action).to.deep.equal([
                "arn:aws:ssm:*:*:parameter/capblocks/purchases/*",
                "arn:aws:ssm:*:*:parameter/capacity-block/*",
                "arn:aws:ssm:*:*:parameter/code-server-tls-fingerprint-*",
            ]);
        }
        expect(where("iam:PassRole")).to.deep.equal([
            "arn:aws:iam::*:role/code-server-role-*",
            "arn:aws:iam::*:role/code-server-image-builder-*",
            "arn:aws:iam::*:role/aws-pcs/AWSPCS-*",
            "arn:aws:iam::*:role/cluster-image-builder-*",
        ]);
        // Managed policies are attached only to capblocks' own roles, and only the ones it uses; FSx's S3 role is FSx's.
        const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
        const attach = POLICY.Statement.filter((s) => allowedBy(s, "iam:AttachRolePolicy"));
        expect(attach.map((s) => [s.Resource, s.Condition])).to.deep.equal([
            ["arn:aws:iam::*:role/code-server-role-*", { ArnEquals: { "iam:PolicyARN": managed("AmazonSSMManagedInstanceCore") } }],
            ["arn:aws:iam::*:role/code-server-image-builder-*", { ArnEquals: { "iam:PolicyARN": ["AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder"].map(managed) } }],
            [
                ["arn:aws:iam::*:role/aws-pcs/AWSPCS-*", "arn:aws:iam::*:role/cluster-image-builder-*"],
                { ArnEquals: { "iam:PolicyARN": ["AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder", "AmazonEC2ContainerRegistryReadOnly"].map(managed) } },
            ],
            ["arn:aws:iam::*:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*", undefined],
        ]);
    });
});
