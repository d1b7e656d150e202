/**
 * Config set the Pulumi way, and the messages for what goes wrong on the way: `pulumi config set --path` works,
 * a key set without --path gets the commands that fix it, and a value YAML or the CLI typed differently than meant
 * says what to type. One root cause gives one line.
 */
import { expect } from "chai";
import { configWarnings, ConfigError, rawStackConfigFrom, validateStackConfig } from "../../../components/config";
import type { StackConfig } from "../../../components/config";
import { applyConfigCommands, configSet } from "../../helpers/pulumiConfigSet";

const REGION = { "aws:region": "us-east-1" };

/** The config as Pulumi hands it to the program, checked. */
function check(values: Record<string, string>, secretKeys: string[] = []): StackConfig {
    return validateStackConfig(rawStackConfigFrom({ ...REGION, ...values }, "capblocks", "dev", secretKeys));
}

function problemsOf(values: Record<string, string>, secretKeys: string[] = []): string[] {
    try {
        check(values, secretKeys);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    throw new Error("expected a ConfigError");
}

/** Object keys as a stack file's YAML would give them. */
const yaml = (config: Record<string, unknown>) => Object.fromEntries(Object.entries(config).map(([k, v]) => [k, JSON.stringify(v)]));

const BUY = { instanceType: "p5.48xlarge", durationHours: 48, maxUpfrontFee: "1500" };

describe("config: pulumi config set --path", () => {
    it("reads settings set with --path, numbers and booleans typed as Pulumi stores them", () => {
        const values = applyConfigCommands(`
            pulumi config set --path capblocks:reservation.instanceType p5.48xlarge
            pulumi config set --path capblocks:reservation.instanceCount 2
            pulumi config set --path capblocks:reservation.durationHours 48
            pulumi config set --path capblocks:reservation.maxUpfrontFee 1500
            pulumi config set --path capblocks:reservation.availabilityZones[0] us-east-1a
            pulumi config set --path capblocks:codeServer.enabled false
            pulumi config set --path capblocks:cluster.enabled true
            pulumi config set --path capblocks:cluster.slurmVersion 25.05
            pulumi config set --type string --path capblocks:tags.costCenter 4711
        `);
        // What Pulumi hands the program: one JSON text per object key.
        expect(JSON.parse(values["capblocks:reservation"])).to.deep.equal({
            instanceType: "p5.48xlarge", instanceCount: 2, durationHours: 48, maxUpfrontFee: 1500, availabilityZones: ["us-east-1a"],
        });
        const cfg = check(values);
        expect(cfg.reservation).to.include({ kind: "buy", instanceCount: 2, durationHours: 48, maxUpfrontFee: "1500" });
        expect(cfg.codeServer.enabled).to.equal(false);
        expect(cfg.cluster).to.include({ enabled: true, slurmVersion: "25.05" });
        expect(cfg.tags).to.deep.equal({ costCenter: "4711" });
    });

    it("shows a key set without --path the exact commands that move it inside its object, and nothing else", () => {
        const values: Record<string, string> = {};
        configSet(values, "capblocks:reservation.instanceType", "p5.48xlarge");
        configSet(values, "capblocks:reservation.durationHours", "48");
        // A text that --path would store as a number needs --type string.
        configSet(values, "capblocks:tags.costCenter", "4711");
        // No "codeServer.instanceType is required on demand": the reservation is there, only set flat.
        expect(problemsOf(values)).to.deep.equal([
            "capblocks:reservation.instanceType: is one flat key (set without --path), so capblocks does not see it inside capblocks:reservation; " +
                "set it with `pulumi config set --path capblocks:reservation.instanceType p5.48xlarge`, then remove this key with " +
                "`pulumi config rm capblocks:reservation.instanceType`",
            "capblocks:reservation.durationHours: is one flat key (set without --path), so capblocks does not see it inside capblocks:reservation; " +
                "set it with `pulumi config set --path capblocks:reservation.durationHours 48`, then remove this key with " +
                "`pulumi config rm capblocks:reservation.durationHours`",
            "capblocks:tags.costCenter: is one flat key (set without --path), so capblocks does not see it inside capblocks:tags; " +
                "set it with `pulumi config set --type string --path capblocks:tags.costCenter 4711`, then remove this key with " +
                "`pulumi config rm capblocks:tags.costCenter`",
        ]);
    });

    it("never shows a secret flat key's value, and says to set it again with --secret", () => {
        const problems = problemsOf({ "capblocks:codeServer.password": "hunter2-very-secret" }, ["capblocks:codeServer.password"]);
        expect(problems).to.deep.equal([
            "capblocks:codeServer.password: is one flat key (set without --path), so capblocks does not see it inside capblocks:codeServer; " +
                "set it with `pulumi config set --secret --path capblocks:codeServer.password <value>`, then remove this key with " +
                "`pulumi config rm capblocks:codeServer.password`",
        ]);
        expect(problems.join("\n")).to.not.contain("hunter2");
    });

    it("corrects a misspelt key set flat, and finds the object a bare setting belongs in", () => {
        expect(problemsOf({ "capblocks:reservaton.instancetype": "p5.48xlarge" })).to.deep.equal([
            "capblocks:reservaton.instancetype: is not a capblocks setting; did you mean capblocks:reservation.instanceType?; " +
                "set it with `pulumi config set --path capblocks:reservation.instanceType p5.48xlarge`, then remove this key with " +
                "`pulumi config rm capblocks:reservaton.instancetype`",
        ]);
        expect(problemsOf({ "capblocks:durationHours": "48" })).to.deep.equal([
            "capblocks:durationHours: is not a capblocks setting; it belongs inside an object: set it with " +
                "`pulumi config set --path capblocks:reservation.durationHours 48`, then remove this key with `pulumi config rm capblocks:durationHours`",
        ]);
        expect(problemsOf({ "capblocks:instanceType": "p5.48xlarge" })).to.deep.equal([
            "capblocks:instanceType: is not a capblocks setting; did you mean capblocks:reservation.instanceType or capblocks:codeServer.instanceType? " +
                "(set it with pulumi config set --path)",
        ]);
        expect(problemsOf({ "capblocks:budget": "900" })).to.deep.equal([
            "capblocks:budget: is not a capblocks setting (known: capblocks:reservation, capblocks:codeServer, capblocks:cluster, capblocks:tags)",
        ]);
    });

    it("takes an empty object as not set: Pulumi.yaml's default for each object key", () => {
        const defaults = yaml({ "capblocks:reservation": {}, "capblocks:codeServer": {}, "capblocks:cluster": {}, "capblocks:tags": {} });
        const onDemand = { "capblocks:codeServer": JSON.stringify({ instanceType: "g6e.xlarge" }) };
        expect(check({ ...defaults, ...onDemand })).to.deep.equal(check(onDemand));
        const buying = yaml({ "capblocks:reservation": BUY });
        expect(check({ ...defaults, ...buying })).to.deep.equal(check(buying));
    });
});

describe("config: what to type instead", () => {
    it("says when YAML quotes are missing or in the way", () => {
        expect(problemsOf(yaml({
            "capblocks:reservation": { ...BUY, instanceCount: "2" },
            "capblocks:codeServer": { enabled: "true" },
            "capblocks:cluster": { enabled: true, slurmVersion: 25.05 },
        }))).to.deep.equal([
            "capblocks:reservation.instanceCount: \"2\" must be a whole number; write it as 2, without quotes (\"2\" in quotes is text)",
            "capblocks:codeServer.enabled: \"true\" must be true or false; write it as true, without quotes (\"true\" in quotes is text)",
            "capblocks:cluster.slurmVersion: 25.05 must be a string; write it as \"25.05\", in quotes (YAML reads 25.05 without quotes as a number), " +
                "or set it with pulumi config set --type string --path capblocks:cluster.slurmVersion 25.05",
        ]);
    });

    it("says --type string for a number-like tag value that --path stored as a number", () => {
        const values = applyConfigCommands("pulumi config set --path capblocks:tags.costCenter 4711");
        expect(problemsOf(values)).to.deep.equal([
            "capblocks:tags.costCenter: 4711 must be a string; write it as \"4711\", in quotes (YAML reads 4711 without quotes as a number), " +
                "or set it with pulumi config set --type string --path capblocks:tags.costCenter 4711",
        ]);
        // A tag key that is not a plain name is written the way --path takes it.
        expect(problemsOf(yaml({ "capblocks:tags": { "kubernetes.io/role": 1 } }))[0]).to.match(/^capblocks:tags\["kubernetes\.io\/role"\]: 1 must be a string;/);
    });

    it("suggests the setting or value meant when one is near, and lists the known ones when none is", () => {
        expect(problemsOf(yaml({ "capblocks:reservation": { ...BUY, instancetype: "x.large", selection: "cheepest" } }))).to.deep.equal([
            "capblocks:reservation.instancetype: is not a setting of capblocks:reservation; did you mean instanceType?",
            "capblocks:reservation.selection: \"cheepest\" is not one of \"cheapest\", \"earliest\"; did you mean \"cheapest\"?",
        ]);
        expect(problemsOf(yaml({ "capblocks:codeServer": { instanceType: "g6e.xlarge", workVolumeSize: 100 } }))).to.deep.equal([
            "capblocks:codeServer.workVolumeSize: is not a setting of capblocks:codeServer; did you mean workVolumeSizeGb?",
        ]);
        // A version is not a spelling: 24.05 is a real, retired Slurm version, and 25.05 is not "meant".
        expect(problemsOf(yaml({ "capblocks:reservation": BUY, "capblocks:cluster": { slurmVersion: "24.05" } }))[0]).to.not.contain("did you mean");
    });

    it("refuses an instance size that does not exist, with the type one edit away, and takes every real type", () => {
        const typo = (instanceType: string) => problemsOf(yaml({ "capblocks:reservation": { ...BUY, instanceType } }));
        expect(typo("p5.48xlarg")).to.deep.equal([
            "capblocks:reservation.instanceType: \"p5.48xlarg\" is not an EC2 instance type (family.size, e.g. trn2.3xlarge); did you mean p5.48xlarge?",
        ]);
        expect(typo("trn2.48xlrage")[0]).to.match(/did you mean trn2\.48xlarge\?$/);
        // Not in the catalog: the family stays, the size is corrected.
        expect(problemsOf(yaml({ "capblocks:reservation": BUY, "capblocks:cluster": { enabled: true, loginInstanceType: "m7i.larg" } }))).to.deep.equal([
            "capblocks:cluster.loginInstanceType: \"m7i.larg\" is not an EC2 instance type (family.size, e.g. trn2.3xlarge); did you mean m7i.large?",
        ]);
        // Real types one letter from a catalog type are not typos: EC2 decides (the catalog warns about unknown ones).
        for (const instanceType of ["p6-b300.48xlarge", "trn2u.48xlarge", "p5.4xlarge", "u7i-12tb.224xlarge", "r8g.metal-24xl", "c7i-flex.large"]) {
            const cfg = check(yaml({ "capblocks:reservation": { ...BUY, instanceType }, "capblocks:codeServer": { enabled: false } }));
            expect(cfg.reservation?.instanceType, instanceType).to.equal(instanceType);
        }
        expect(check(yaml({ "capblocks:codeServer": { instanceType: "g6.xlarge" } })).codeServer.instanceType).to.equal("g6.xlarge");
    });
});

describe("config: settings capblocks cannot honour", () => {
    it("refuses a Name tag (capblocks names each resource) and capblocks:* tags (its own records)", () => {
        expect(problemsOf(yaml({ "capblocks:tags": { Name: "my-box", "capblocks:identity": "x", team: "ml" } }))).to.deep.equal([
            "capblocks:tags: \"Name\" is the tag capblocks names each resource with (e.g. <project>-<stack>-code-server; the cluster finds its " +
                "subnets by it); remove it, or use another key such as owner",
            "capblocks:tags: \"capblocks:identity\" is reserved: capblocks keeps its own records in capblocks:* tags (a block's purchase token " +
                "and owner, the cluster, the work volume's mount point); use a key without that prefix",
        ]);
        expect(check(yaml({ "capblocks:codeServer": { instanceType: "g6e.xlarge" }, "capblocks:tags": { name: "lower case is another key" } })).tags)
            .to.deep.equal({ name: "lower case is another key" });
    });

    it("refuses an IPv6 CIDR and one with host bits set, saying what to write", () => {
        const cidr = (allowed: string) => problemsOf(yaml({ "capblocks:codeServer": { instanceType: "g6e.xlarge", allowedCidrs: [allowed] } }));
        expect(cidr("2001:db8::/32")).to.deep.equal([
            "capblocks:codeServer.allowedCidrs[0]: \"2001:db8::/32\" is an IPv6 CIDR, and capblocks opens nginx's port to IPv4 addresses only " +
                "(the instance gets no IPv6 address in the default VPC); give your IPv4 address as a /32 (e.g. 203.0.113.7/32), " +
                "or leave allowedCidrs empty and connect through SSM",
        ]);
        expect(cidr("203.0.113.7/24")).to.deep.equal([
            "capblocks:codeServer.allowedCidrs[0]: \"203.0.113.7/24\" has host bits set, so it is not a network; " +
                "write 203.0.113.0/24 (the network) or 203.0.113.7/32 (this address only)",
        ]);
        // 0.0.0.0/0 needs allowPublicInternet (tests/components/config/codeServerBox.test.ts).
        for (const ok of ["203.0.113.0/24", "203.0.113.7/32", "10.0.0.0/8"]) {
            expect(check(yaml({ "capblocks:codeServer": { instanceType: "g6e.xlarge", allowedCidrs: [ok] } })).codeServer.allowedCidrs).to.deep.equal([ok]);
        }
    });

    it("warns about a ceiling far above any block price, and not about a real one", () => {
        const warnings = (maxUpfrontFee: unknown) => configWarnings(check(yaml({ "capblocks:reservation": { ...BUY, maxUpfrontFee } })));
        expect(warnings(1e9)).to.deep.equal([
            "capblocks:reservation.maxUpfrontFee: 1000000000 USD is 20833333.33 USD per instance-hour for 1 x p5.48xlarge for 48 h, far above " +
                "what Capacity Blocks cost (tens of USD per instance-hour); it still caps the purchase, and up pays the offering's price, " +
                "but check the ceiling for extra digits",
        ]);
        expect(warnings("3000")).to.deep.equal([]);
        expect(configWarnings(check(yaml({ "capblocks:codeServer": { instanceType: "g6e.xlarge" } })))).to.deep.equal([]);
    });
});
