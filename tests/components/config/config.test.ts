import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, RawStackConfig, readStackConfig, validateStackConfig } from "../../../components/config";
import { isAllowedDuration } from "../../../dynamic-providers/capacityBlock/durations";
import { mockAws } from "../../helpers/mocks";

const base = (over: Partial<RawStackConfig> = {}): RawStackConfig => ({ project: "capblocks", stack: "dev", region: "sa-east-1", ...over });
const buy = { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" };

function problemsOf(raw: RawStackConfig): string[] {
    try {
        validateStackConfig(raw);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    throw new Error("expected a ConfigError");
}

describe("config: validateStackConfig", () => {
    it("fills every default for a minimal buy config", () => {
        const cfg = validateStackConfig(base({ reservation: buy }));
        expect(cfg.reservation).to.deep.equal({
            kind: "buy", instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
            selection: "cheapest", generation: 1, instancePlatform: "Linux/UNIX",
        });
        expect(cfg.codeServer).to.deep.equal({
            enabled: true, instanceType: "trn2.3xlarge", volumeSizeGb: 300, workVolumeSizeGb: 200, deleteWorkVolume: false,
            user: "coder", homeDir: "/work", allowedCidrs: [], taskFiles: [],
        });
        expect(cfg.cluster).to.include({
            enabled: false, slurmVersion: "25.05", size: "SMALL", loginInstanceType: "m7i.large", sharedStorage: "efs",
            computeMinCount: 0, loginPublic: false, computeInstanceType: "trn2.3xlarge", name: "capblocks-dev",
        });
        expect(cfg.tags).to.deep.equal({});
        expect(cfg.cluster.deleteSharedStorage, "shared storage survives destroy by default").to.equal(false);
        expect(cfg.cluster).to.not.have.property("sharedFileSystemId");
    });

    it("takes an existing work volume and an existing EFS file system by id", () => {
        const cfg = validateStackConfig(base({
            reservation: buy,
            codeServer: { workVolumeId: "vol-0123456789abcdef0" },
            cluster: { sharedFileSystemId: "fs-0123456789abcdef0" },
        }));
        expect(cfg.codeServer).to.include({ workVolumeId: "vol-0123456789abcdef0", deleteWorkVolume: false });
        expect(cfg.cluster).to.include({ sharedFileSystemId: "fs-0123456789abcdef0", sharedStorage: "efs", deleteSharedStorage: false });
    });

    it("takes the root volume size from the catalog for the instance type", () => {
        expect(validateStackConfig(base({ reservation: { ...buy, instanceType: "p5.48xlarge" } })).codeServer.volumeSizeGb).to.equal(500);
    });

    it("accepts a numeric price ceiling and keeps it as a decimal string", () => {
        const cfg = validateStackConfig(base({ reservation: { ...buy, maxUpfrontFee: 1234.5 } }));
        expect(cfg.reservation).to.include({ maxUpfrontFee: "1234.5" });
    });

    // EC2 user guide, Capacity Blocks: 1-day steps to 14 days, then 7-day steps to 182 days.
    it("knows the Capacity Block durations", () => {
        for (const ok of [24, 48, 336, 504, 672, 4368]) expect(isAllowedDuration(ok), `${ok}`).to.equal(true);
        for (const bad of [0, 12, 30, 360, 480, 505, 4536, 24.5]) expect(isAllowedDuration(bad), `${bad}`).to.equal(false);
    });

    it("names the key and the duration rule", () => {
        expect(problemsOf(base({ reservation: { ...buy, durationHours: 30 } }))).to.deep.equal([
            "capblocks:reservation.durationHours: 30 is not a valid Capacity Block duration (24..336 in steps of 24, then steps of 168 up to 4368)",
        ]);
    });

    const cases: [string, Partial<RawStackConfig>, RegExp][] = [
        ["missing region", { region: undefined }, /^aws:region: is required/],
        ["bad region", { region: "Brazil" }, /^aws:region: "Brazil" is not an AWS Region name/],
        ["unknown capblocks key", { otherKeys: ["capblocks:codeserver"] }, /^capblocks:codeserver: is not a capblocks setting \(known: capblocks:reservation, capblocks:codeServer/],
        ["typo inside reservation", { reservation: { ...buy, maxUpfronFee: "1" } }, /^capblocks:reservation\.maxUpfronFee: is not a setting of capblocks:reservation \(known: .*maxUpfrontFee/],
        ["count above the block limit", { reservation: { ...buy, instanceCount: 65 } }, /^capblocks:reservation\.instanceCount: 65 must be 1\.\.64 instances/],
        ["count as a string", { reservation: { ...buy, instanceCount: "2" } }, /^capblocks:reservation\.instanceCount: "2" must be a whole number/],
        ["missing ceiling", { reservation: { instanceType: "trn2.3xlarge", durationHours: 24 } }, /^capblocks:reservation\.maxUpfrontFee: is required to buy a block/],
        ["zero ceiling", { reservation: { ...buy, maxUpfrontFee: "0" } }, /^capblocks:reservation\.maxUpfrontFee: "0" is not a price ceiling/],
        ["ceiling with a currency sign", { reservation: { ...buy, maxUpfrontFee: "$900" } }, /^capblocks:reservation\.maxUpfrontFee: "\$900" is not a price ceiling/],
        ["missing duration", { reservation: { instanceType: "trn2.3xlarge", maxUpfrontFee: "9" } }, /^capblocks:reservation\.durationHours: is required to buy/],
        ["missing type", { reservation: { durationHours: 24, maxUpfrontFee: "9" } }, /^capblocks:reservation\.instanceType: is required to buy/],
        ["bad selection", { reservation: { ...buy, selection: "fastest" } }, /^capblocks:reservation\.selection: "fastest" is not one of "cheapest", "earliest"/],
        ["generation 0", { reservation: { ...buy, generation: 0 } }, /^capblocks:reservation\.generation: 0 must be a whole number >= 1/],
        ["bad platform", { reservation: { ...buy, instancePlatform: "Windows" } }, /^capblocks:reservation\.instancePlatform: "Windows" is not one of/],
        ["bad date", { reservation: { ...buy, startAfter: "next tuesday" } }, /^capblocks:reservation\.startAfter: "next tuesday" is not an ISO 8601 date-time/],
        ["window backwards", { reservation: { ...buy, startAfter: "2026-12-02T00:00:00Z", startBefore: "2026-12-01T00:00:00Z" } }, /^capblocks:reservation\.startBefore: .* must be later than startAfter/],
        ["bad AZ item", { reservation: { ...buy, availabilityZones: ["sa-east-1b", "b"] } }, /^capblocks:reservation\.availabilityZones\[1\]: "b" is not an Availability Zone name/],
        ["AZ in another region", { reservation: { ...buy, availabilityZones: ["us-east-1a"] } }, /^capblocks:reservation\.availabilityZones: "us-east-1a" is not in aws:region sa-east-1/],
        ["G-family block", { reservation: { ...buy, instanceType: "g7e.8xlarge" } }, /^capblocks:reservation\.instanceType: g7e\.8xlarge is not sold as an EC2 Capacity Block; remove capblocks:reservation/],
        ["adopt with both id and parameter", { reservation: { id: "cr-0123456789abcdef0", parameterName: "/a/b", instanceType: "trn2.3xlarge" } }, /^capblocks:reservation\.parameterName: set either id or parameterName/],
        ["adopt without type", { reservation: { id: "cr-0123456789abcdef0" } }, /^capblocks:reservation\.instanceType: is required to adopt a block/],
        ["adopt with buy settings", { reservation: { id: "cr-0123456789abcdef0", instanceType: "trn2.3xlarge", maxUpfrontFee: "9" } }, /^capblocks:reservation\.maxUpfrontFee: only applies when buying; remove it when adopting by id/],
        ["bad reservation id", { reservation: { id: "r-123", instanceType: "trn2.3xlarge" } }, /^capblocks:reservation\.id: "r-123" is not a cr- id/],
        ["relative parameter name", { reservation: { parameterName: "capacity-block/id", instanceType: "trn2.3xlarge" } }, /^capblocks:reservation\.parameterName: "capacity-block\/id" is not an SSM parameter name/],
        ["reservation as a string", { reservation: "cr-0123456789abcdef0" }, /^capblocks:reservation: "cr-0123456789abcdef0" must be a mapping/],
        ["on demand without a type", { codeServer: {} }, /^capblocks:codeServer\.instanceType: is required on demand/],
        ["code-server type differs from the block", { reservation: buy, codeServer: { instanceType: "p5.48xlarge" } }, /^capblocks:codeServer\.instanceType: "p5\.48xlarge" differs from the block's trn2\.3xlarge/],
        ["root user", { reservation: buy, codeServer: { user: "root" } }, /^capblocks:codeServer\.user: "root" is not a usable login name/],
        ["home on a system directory", { reservation: buy, codeServer: { homeDir: "/usr" } }, /^capblocks:codeServer\.homeDir: "\/usr" is not a usable mount point/],
        ["relative home", { reservation: buy, codeServer: { homeDir: "work" } }, /^capblocks:codeServer\.homeDir: "work" is not a usable mount point/],
        ["bad CIDR", { reservation: buy, codeServer: { allowedCidrs: ["203.0.113.300/32"] } }, /^capblocks:codeServer\.allowedCidrs\[0\]: "203\.0\.113\.300\/32" is not an IPv4 CIDR/],
        ["tiny root volume", { reservation: buy, codeServer: { volumeSizeGb: 8 } }, /^capblocks:codeServer\.volumeSizeGb: 8 must be a root volume of 30\.\.16384 GiB/],
        ["deleteWorkVolume as a string", { reservation: buy, codeServer: { deleteWorkVolume: "yes" } }, /^capblocks:codeServer\.deleteWorkVolume: "yes" must be true or false/],
        ["on-demand AZ with a block", { reservation: buy, codeServer: { availabilityZone: "sa-east-1a" } }, /^capblocks:codeServer\.availabilityZone: only applies on demand/],
        ["bad subnet id", { reservation: buy, codeServer: { subnetId: "my-subnet" } }, /^capblocks:codeServer\.subnetId: "my-subnet" is not a subnet- id/],
        ["old Slurm", { reservation: buy, cluster: { slurmVersion: "24.05" } }, /^capblocks:cluster\.slurmVersion: "24\.05" is not one of "24\.11", "25\.05", "25\.11"/],
        ["bad storage", { reservation: buy, cluster: { sharedStorage: "nfs" } }, /^capblocks:cluster\.sharedStorage: "nfs" is not one of "efs", "fsx-lustre", "none"/],
        ["cluster without a block", { cluster: { enabled: true }, codeServer: { enabled: false } }, /^capblocks:cluster\.enabled: the PCS compute node group runs on a Capacity Block/],
        ["min count above the block", { reservation: { ...buy, instanceCount: 2 }, codeServer: { enabled: false }, cluster: { enabled: true, computeMinCount: 3 } }, /^capblocks:cluster\.computeMinCount 3 is above the 2 compute instance\(s\) available/],
        ["min count above what code-server leaves", { reservation: { ...buy, instanceCount: 2 }, cluster: { enabled: true, computeMinCount: 2 } }, /^capblocks:cluster\.computeMinCount 2 is above the 1 compute instance\(s\) available/],
        ["a one-instance block shared with code-server", { reservation: buy, cluster: { enabled: true } }, /^capblocks:cluster\.enabled: the block has 1 instance\(s\) and code-server takes one/],
        ["compute type other than the block's", { reservation: buy, codeServer: { enabled: false }, cluster: { enabled: true, computeInstanceType: "p5.48xlarge" } }, /^capblocks:cluster\.computeInstanceType p5\.48xlarge differs from the Capacity Block's/],
        ["bad work volume id", { reservation: buy, codeServer: { workVolumeId: "x" } }, /^capblocks:codeServer\.workVolumeId: "x" is not a vol- id \(e\.g\. vol-0123456789abcdef0\)$/],
        ["adopted work volume to delete", { reservation: buy, codeServer: { workVolumeId: "vol-0123456789abcdef0", deleteWorkVolume: true } }, /^capblocks:codeServer\.deleteWorkVolume: cannot be true with workVolumeId vol-0123456789abcdef0: capblocks never deletes a volume it did not create/],
        ["adopted work volume with a size", { reservation: buy, codeServer: { workVolumeId: "vol-0123456789abcdef0", workVolumeSizeGb: 300 } }, /^capblocks:codeServer\.workVolumeSizeGb: only applies to a work volume capblocks creates/],
        ["deleteSharedStorage as a string", { reservation: buy, cluster: { deleteSharedStorage: "no" } }, /^capblocks:cluster\.deleteSharedStorage: "no" must be true or false/],
        ["bad file system id", { reservation: buy, cluster: { sharedFileSystemId: "efs-1" } }, /^capblocks:cluster\.sharedFileSystemId: "efs-1" is not a fs- id \(e\.g\. fs-0123456789abcdef0\)$/],
        ["file system id with FSx", { reservation: buy, cluster: { sharedFileSystemId: "fs-0123456789abcdef0", sharedStorage: "fsx-lustre" } }, /^capblocks:cluster\.sharedFileSystemId: is an EFS file system to reuse, but capblocks:cluster\.sharedStorage is fsx-lustre/],
        ["adopted file system to delete", { reservation: buy, cluster: { sharedFileSystemId: "fs-0123456789abcdef0", deleteSharedStorage: true } }, /^capblocks:cluster\.deleteSharedStorage: cannot be true with sharedFileSystemId fs-0123456789abcdef0/],
        ["reserved tag key", { reservation: buy, tags: { "aws:team": "ml" } }, /^capblocks:tags: "aws:team" is not a usable tag key/],
        ["numeric tag value", { reservation: buy, tags: { cost: 12 } }, /^capblocks:tags\.cost: 12 must be a string/],
    ];
    for (const [what, over, expected] of cases) {
        it(`names the key when: ${what}`, () => {
            const problems = problemsOf(base(over));
            expect(problems.some((p) => expected.test(p)), problems.join("\n")).to.equal(true);
        });
    }

    it("lists every problem at once, one line per key", () => {
        const problems = problemsOf(base({
            reservation: { ...buy, durationHours: 30, instanceCount: 0 },
            codeServer: { user: "root", allowedCidrs: ["x"] },
            tags: { ok: 1 },
        }));
        expect(problems).to.have.length(5);
        expect(problems.map((p) => p.split(":").slice(0, 2).join(":"))).to.deep.equal([
            "capblocks:reservation.instanceCount", "capblocks:reservation.durationHours", "capblocks:codeServer.user",
            "capblocks:codeServer.allowedCidrs[0]", "capblocks:tags.ok",
        ]);
    });

    it("adopts by id or by parameter name", () => {
        expect(validateStackConfig(base({ reservation: { id: "cr-0123456789abcdef0", instanceType: "trn2.3xlarge" } })).reservation)
            .to.deep.equal({ kind: "adopt", id: "cr-0123456789abcdef0", parameterName: undefined, instanceType: "trn2.3xlarge" });
        const byParam = validateStackConfig(base({ reservation: { parameterName: "/capacity-block/sa-east-1/reservation-id", instanceType: "p5.48xlarge" } }));
        expect(byParam.reservation).to.include({ kind: "adopt", parameterName: "/capacity-block/sa-east-1/reservation-id" });
        expect(byParam.codeServer.instanceType).to.equal("p5.48xlarge");
    });

    it("runs on demand without a reservation (g7e is not sold as blocks)", () => {
        const cfg = validateStackConfig(base({ codeServer: { instanceType: "g7e.2xlarge", allowedCidrs: ["203.0.113.7/32"] } }));
        expect(cfg.reservation).to.equal(undefined);
        expect(cfg.codeServer).to.include({ instanceType: "g7e.2xlarge", volumeSizeGb: 200 });
    });
});

describe("config: readStackConfig reads Pulumi config", () => {
    const set = (values: Record<string, string>) => pulumi.runtime.setAllConfig(values, []);
    before(async () => {
        await mockAws();
    });
    after(() => set({}));

    it("parses the object-valued keys Pulumi passes as JSON strings", () => {
        set({
            "aws:region": "sa-east-1",
            "capblocks:reservation": JSON.stringify(buy),
            "capblocks:codeServer": JSON.stringify({ workVolumeSizeGb: 500 }),
            "capblocks:tags": JSON.stringify({ team: "ml" }),
        });
        const cfg = readStackConfig();
        expect(cfg.codeServer.workVolumeSizeGb).to.equal(500);
        expect(cfg.tags).to.deep.equal({ team: "ml" });
    });

    it("rejects keys it does not know, and values that are not JSON objects", () => {
        set({ "aws:region": "sa-east-1", "capblocks:reservaton": "{}", "capblocks:codeServer": "{not json" });
        expect(() => readStackConfig()).to.throw(ConfigError, /capblocks:codeServer: is not valid YAML\/JSON \("\{not json"\)/);
        set({ "aws:region": "sa-east-1", "capblocks:reservaton": "{}", "capblocks:codeServer": JSON.stringify({ instanceType: "g7e.2xlarge" }) });
        expect(() => readStackConfig()).to.throw(ConfigError, /capblocks:reservaton: is not a capblocks setting/);
    });
});
