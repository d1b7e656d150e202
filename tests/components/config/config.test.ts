import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import type { RawStackConfig} from "../../../components/config";
import { ConfigError, readStackConfig, validateStackConfig, withBlockType } from "../../../components/config";
import { DEFAULT_EXTENSIONS } from "../../../components/config/codeServerSoftware";
import { mockAws } from "../../helpers/mocks";
import { problemsOf } from "../../helpers/configProblems";

const base = (over: Partial<RawStackConfig> = {}): RawStackConfig => ({ project: "capblocks", stack: "dev", region: "sa-east-1", ...over });
const buy = { instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" };
const noType = { durationHours: 24, maxUpfrontFee: "900" };

describe("config: validateStackConfig", () => {
    it("fills every default for a minimal buy config", () => {
        const cfg = validateStackConfig(base({ reservation: buy }));
        expect(cfg.reservation).to.deep.equal({
            kind: "buy", instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900",
            selection: "cheapest", generation: 1, instancePlatform: "Linux/UNIX",
        });
        expect(cfg.codeServer).to.deep.equal({
            enabled: true, instanceType: "trn2.3xlarge", volumeSizeGb: 500, volumeSizeFromCatalog: true, workVolumeSizeGb: 200, deleteWorkVolume: false,
            user: "coder", homeDir: "/work", allowedCidrs: [], allowPublicInternet: false, taskFiles: [], internalPort: 8080, nginxPort: 80,
            version: "4.138.0", extensions: [...DEFAULT_EXTENSIONS], locale: "en_US.UTF-8", workspaceTrust: false, efa: false, prebake: true,
        });
        // deleteSharedStorage false: shared storage survives destroy by default. A trn2 block: the image with Neuron is built.
        expect(cfg.cluster).to.deep.equal({
            enabled: false, name: "capblocks-dev", slurmVersion: "25.05", size: "SMALL", loginInstanceType: "m7i.large", loginPublic: false,
            sharedStorage: "efs", deleteSharedStorage: false, computeMinCount: 0, shareBlockWithCodeServer: true,
            image: { build: true, packages: [], components: [], buildInstanceType: "m7i.large", generation: 1 },
            containers: false, sharedHome: true, dataBuckets: [], exclusiveNodes: true, allowAllEgress: false,
        });
        expect(cfg.tags).to.deep.equal({});
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

    it("buys among several types: no type for the box until the block says it, the root size from the block's type unless set", () => {
        const cfg = validateStackConfig(base({ reservation: { ...noType, instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], publishParameter: "overwrite" } }));
        expect(cfg.reservation).to.deep.include({ kind: "buy", instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], publishParameter: "overwrite" });
        expect(cfg.reservation).to.not.have.property("instanceType");
        expect(cfg.codeServer).to.include({ instanceType: "" });
        expect(withBlockType(cfg.codeServer, "p5e.48xlarge")).to.include({ instanceType: "p5e.48xlarge", volumeSizeGb: 500 }).and.not.have.property("typeFromBlock");
        const sized = validateStackConfig(base({ reservation: { ...noType, instanceTypes: ["p5.48xlarge", "p5e.48xlarge"] }, codeServer: { volumeSizeGb: 900 } }));
        expect(withBlockType(sized.codeServer, "p5e.48xlarge")).to.include({ volumeSizeGb: 900 });
        // A list of one type is that type.
        expect(validateStackConfig(base({ reservation: { ...noType, instanceTypes: ["p5.48xlarge"] } })).codeServer).to.include({ instanceType: "p5.48xlarge", volumeSizeGb: 500 });
    });

    it("adopts without instanceType: the block says its type; a type given for the box waits to be checked against it", () => {
        const cfg = validateStackConfig(base({ reservation: { id: "cr-0123456789abcdef0", publishParameter: true }, codeServer: { instanceType: "p5.48xlarge" } }));
        expect(cfg.reservation).to.deep.equal({ kind: "adopt", id: "cr-0123456789abcdef0", parameterName: undefined, publishParameter: true });
        expect(cfg.codeServer).to.include({ instanceType: "p5.48xlarge", volumeSizeGb: 500 }).and.not.have.property("typeFromBlock");
        const untyped = validateStackConfig(base({ reservation: { parameterName: "/capacity-block/sa-east-1/reservation-id" } }));
        expect(withBlockType(untyped.codeServer, "trn2.3xlarge")).to.include({ instanceType: "trn2.3xlarge", volumeSizeGb: 500, volumeSizeFromCatalog: true });
    });

    it("accepts a numeric price ceiling and keeps it as a decimal string", () => {
        const cfg = validateStackConfig(base({ reservation: { ...buy, maxUpfrontFee: 1234.5 } }));
        expect(cfg.reservation).to.include({ maxUpfrontFee: "1234.5" });
    });

    // EC2 user guide, Capacity Blocks: 1-day steps to 14 days, then 7-day steps to 182 days.
    it("takes the Capacity Block durations and names the key and the rule for any other", () => {
        for (const ok of [24, 48, 336, 504, 672, 4368]) {
            expect(validateStackConfig(base({ reservation: { ...buy, durationHours: ok } })).reservation, `${ok}`).to.include({ durationHours: ok });
        }
        // The nearest valid durations (the provider's own nearestDurations) say what to write instead.
        const nearest: [number, string][] = [[12, "24"], [30, "24 or 48"], [360, "336 or 504"], [480, "336 or 504"], [505, "504 or 672"], [4536, "4368"]];
        for (const [bad, near] of nearest) {
            expect(problemsOf(base({ reservation: { ...buy, durationHours: bad } })), `${bad}`).to.deep.equal([
                `capblocks:reservation.durationHours: ${bad} is not a valid Capacity Block duration (24..336 in steps of 24, or 504..4368 in steps of 168); use ${near}`,
            ]);
        }
    });

    const cases: [string, Partial<RawStackConfig>, string[]][] = [
        ["missing region", { region: undefined }, [
            "aws:region: is required (e.g. pulumi config set aws:region sa-east-1)",
        ]],
        ["bad region", { region: "Brazil" }, [
            "aws:region: \"Brazil\" is not an AWS Region name (e.g. sa-east-1)",
        ]],
        ["unknown capblocks key", { otherKeys: ["capblocks:codeserver"] }, [
            "capblocks:codeserver: is not a capblocks setting; did you mean capblocks:codeServer? (known: capblocks:reservation, capblocks:codeServer, capblocks:cluster, capblocks:tags)",
        ]],
        ["typo inside reservation", { reservation: { ...buy, maxUpfronFee: "1" } }, [
            "capblocks:reservation.maxUpfronFee: is not a setting of capblocks:reservation; did you mean maxUpfrontFee?",
        ]],
        ["unknown setting, nothing near it", { reservation: { ...buy, budget: "1" } }, [
            "capblocks:reservation.budget: is not a setting of capblocks:reservation (known: instanceType, instanceTypes, instanceCount, durationHours, startAfter, startBefore, availabilityZones, maxUpfrontFee, selection, generation, instancePlatform, id, parameterName, publishParameter)",
        ]],
        ["count above the block limit", { reservation: { ...buy, instanceCount: 65 } }, [
            "capblocks:reservation.instanceCount: 65 must be 1..64 instances (the Capacity Block limit)",
        ]],
        ["count as a string", { reservation: { ...buy, instanceCount: "2" } }, [
            "capblocks:reservation.instanceCount: \"2\" must be a whole number; write it as 2, without quotes (\"2\" in quotes is text)",
        ]],
        ["missing ceiling", { reservation: { instanceType: "trn2.3xlarge", durationHours: 24 } }, [
            "capblocks:reservation.maxUpfrontFee: is required to buy a block: the most you agree to pay, in USD (e.g. \"900\")",
        ]],
        ["zero ceiling", { reservation: { ...buy, maxUpfrontFee: "0" } }, [
            "capblocks:reservation.maxUpfrontFee: \"0\" is not a price ceiling: a positive amount in USD with at most 2 decimals, e.g. \"900\"",
        ]],
        ["ceiling with a currency sign", { reservation: { ...buy, maxUpfrontFee: "$900" } }, [
            "capblocks:reservation.maxUpfrontFee: \"$900\" is not a price ceiling: a positive amount in USD with at most 2 decimals, e.g. \"900\"",
        ]],
        ["missing duration", { reservation: { instanceType: "trn2.3xlarge", maxUpfrontFee: "9" } }, [
            "capblocks:reservation.durationHours: is required to buy a block (24..336 in steps of 24, or 504..4368 in steps of 168)",
        ]],
        ["missing type", { reservation: { durationHours: 24, maxUpfrontFee: "9" } }, [
            "capblocks:reservation.instanceType: is required to buy a block (e.g. trn2.3xlarge; or instanceTypes: the acceptable types)",
        ]],
        ["bad selection", { reservation: { ...buy, selection: "fastest" } }, [
            "capblocks:reservation.selection: \"fastest\" is not one of \"cheapest\", \"earliest\"",
        ]],
        ["generation 0", { reservation: { ...buy, generation: 0 } }, [
            "capblocks:reservation.generation: 0 must be a whole number >= 1 (bump it to buy a new block)",
        ]],
        ["bad platform", { reservation: { ...buy, instancePlatform: "Windows" } }, [
            "capblocks:reservation.instancePlatform: \"Windows\" is not one of \"Linux/UNIX\", \"Red Hat Enterprise Linux\", \"RHEL with HA\", \"SUSE Linux\", \"Ubuntu Pro\"",
        ]],
        ["bad date", { reservation: { ...buy, startAfter: "next tuesday" } }, [
            "capblocks:reservation.startAfter: \"next tuesday\" is not an ISO 8601 date-time (e.g. 2026-11-24T00:00:00Z)",
        ]],
        ["window backwards", { reservation: { ...buy, startAfter: "2026-12-02T00:00:00Z", startBefore: "2026-12-01T00:00:00Z" } }, [
            "capblocks:reservation.startBefore: \"2026-12-01T00:00:00Z\" must be later than startAfter \"2026-12-02T00:00:00Z\"",
        ]],
        ["bad AZ item", { reservation: { ...buy, availabilityZones: ["sa-east-1b", "b"] } }, [
            "capblocks:reservation.availabilityZones[1]: \"b\" is not an Availability Zone name (e.g. sa-east-1b)",
        ]],
        ["AZ in another region", { reservation: { ...buy, availabilityZones: ["us-east-1a"] } }, [
            "capblocks:reservation.availabilityZones: \"us-east-1a\" is not in aws:region sa-east-1",
        ]],
        ["G-family block", { reservation: { ...buy, instanceType: "g7e.8xlarge" } }, [
            "capblocks:reservation.instanceType: g7e.8xlarge is not sold as an EC2 Capacity Block; remove capblocks:reservation and set capblocks:codeServer.instanceType to run it on demand",
        ]],
        ["adopt with both id and parameter", { reservation: { id: "cr-0123456789abcdef0", parameterName: "/a/b", instanceType: "trn2.3xlarge" } }, [
            "capblocks:reservation.parameterName: set either id or parameterName to adopt a block, not both",
        ]],
        ["adopt with a list of types", { reservation: { id: "cr-0123456789abcdef0", instanceTypes: ["p5.48xlarge"] } }, [
            "capblocks:reservation.instanceTypes: only applies when buying; remove it when adopting by id",
        ]],
        ["both instanceType and instanceTypes", { reservation: { ...buy, instanceTypes: ["trn2.3xlarge", "trn2.48xlarge"] } }, [
            "capblocks:reservation.instanceTypes: set either instanceType (one type) or instanceTypes (the acceptable types), not both",
        ]],
        ["types of two accelerators", { reservation: { ...noType, instanceTypes: ["trn2.48xlarge", "p5.48xlarge"] } }, [
            "capblocks:reservation.instanceTypes: mixes accelerators (AWS Neuron: trn2.48xlarge; NVIDIA: p5.48xlarge), which need different images; list types of one accelerator",
        ]],
        ["a type not sold as a block, and one of unknown accelerators", { reservation: { ...noType, instanceTypes: ["g7e.48xlarge", "p9.48xlarge"] } }, [
            "capblocks:reservation.instanceTypes: g7e.48xlarge is not sold as an EC2 Capacity Block; remove it from the list",
            "capblocks:reservation.instanceTypes: p9.48xlarge is not in capblocks' catalog, so its accelerators per instance are unknown and its price per accelerator-hour cannot be compared; remove it, or buy it alone with instanceType",
        ]],
        ["an empty list of types", { reservation: { ...noType, instanceTypes: [] } }, [
            "capblocks:reservation.instanceTypes: [] must be a list of distinct EC2 instance types (e.g. [p5.48xlarge, p5e.48xlarge])",
        ]],
        ["code-server type with a block bought among several types", { reservation: { ...noType, instanceTypes: ["p5.48xlarge", "p5e.48xlarge"] }, codeServer: { instanceType: "p5.48xlarge" } }, [
            "capblocks:codeServer.instanceType: \"p5.48xlarge\" cannot be promised: the purchase chooses the block's type among capblocks:reservation.instanceTypes, and the box runs on the block; remove codeServer.instanceType (the box takes the block's type)",
        ]],
        ["publishParameter not a switch", { reservation: { ...buy, publishParameter: "yes" } }, [
            "capblocks:reservation.publishParameter: \"yes\" must be true, false or overwrite (true writes the seed scripts' parameters only if they do not exist yet)",
        ]],
        ["publishing the parameter the block is adopted from", { reservation: { parameterName: "/capacity-block/sa-east-1/reservation-id", publishParameter: true } }, [
            "capblocks:reservation.publishParameter: true would write /capacity-block/sa-east-1/reservation-id, the parameter this stack adopts the block from (parameterName); remove publishParameter (the parameter already names the block)",
        ]],
        ["adopt with buy settings", { reservation: { id: "cr-0123456789abcdef0", instanceType: "trn2.3xlarge", maxUpfrontFee: "9" } }, [
            "capblocks:reservation.maxUpfrontFee: only applies when buying; remove it when adopting by id",
        ]],
        ["bad reservation id", { reservation: { id: "r-123", instanceType: "trn2.3xlarge" } }, [
            "capblocks:reservation.id: \"r-123\" is not a cr- id (e.g. cr-0123456789abcdef0)",
        ]],
        ["relative parameter name", { reservation: { parameterName: "capacity-block/id", instanceType: "trn2.3xlarge" } }, [
            "capblocks:reservation.parameterName: \"capacity-block/id\" is not an SSM parameter name (absolute path, e.g. /capacity-block/sa-east-1/reservation-id)",
        ]],
        ["reservation as a string", { reservation: "cr-0123456789abcdef0" }, [
            "capblocks:reservation: \"cr-0123456789abcdef0\" must be a mapping (key: value)",
        ]],
        ["on demand without a type", { codeServer: {} }, [
            "capblocks:codeServer.instanceType: is required on demand (no capblocks:reservation), e.g. g7e.2xlarge",
        ]],
        ["code-server type differs from the block", { reservation: buy, codeServer: { instanceType: "p5.48xlarge" } }, [
            "capblocks:codeServer.instanceType: \"p5.48xlarge\" differs from the block's trn2.3xlarge; an instance only launches into a block of its own type (remove codeServer.instanceType to use the block's)",
        ]],
        ["code-server type with a block of no type", { reservation: { durationHours: 24, maxUpfrontFee: "9" }, codeServer: { instanceType: "p5.48xlarge" } }, [
            "capblocks:reservation.instanceType: is required to buy a block (e.g. trn2.3xlarge; or instanceTypes: the acceptable types)",
        ]],
        ["root user", { reservation: buy, codeServer: { user: "root" } }, [
            "capblocks:codeServer.user: \"root\" is not a usable login name (lower case, up to 32 characters, not root/ubuntu/ssm-user)",
        ]],
        ["home on a system directory", { reservation: buy, codeServer: { homeDir: "/usr" } }, [
            "capblocks:codeServer.homeDir: \"/usr\" is not a usable mount point: an absolute path that is not a system directory (/ /bin /boot /dev /etc /home /lib /lib64 /opt /proc /root /run /sbin /snap /sys /tmp /usr /var)",
        ]],
        ["relative home", { reservation: buy, codeServer: { homeDir: "work" } }, [
            "capblocks:codeServer.homeDir: \"work\" is not a usable mount point: an absolute path that is not a system directory (/ /bin /boot /dev /etc /home /lib /lib64 /opt /proc /root /run /sbin /snap /sys /tmp /usr /var)",
        ]],
        ["bad CIDR", { reservation: buy, codeServer: { allowedCidrs: ["203.0.113.300/32"] } }, [
            "capblocks:codeServer.allowedCidrs[0]: \"203.0.113.300/32\" is not an IPv4 CIDR (e.g. 203.0.113.7/32)",
        ]],
        ["tiny root volume", { reservation: buy, codeServer: { volumeSizeGb: 8 } }, [
            "capblocks:codeServer.volumeSizeGb: 8 must be a root volume of 30..16384 GiB",
        ]],
        ["deleteWorkVolume as a string", { reservation: buy, codeServer: { deleteWorkVolume: "yes" } }, [
            "capblocks:codeServer.deleteWorkVolume: \"yes\" must be true or false",
        ]],
        ["on-demand AZ with a block", { reservation: buy, codeServer: { availabilityZone: "sa-east-1a" } }, [
            "capblocks:codeServer.availabilityZone: only applies on demand; with a block the instance goes to the block's AZ",
        ]],
        ["bad subnet id", { reservation: buy, codeServer: { subnetId: "my-subnet" } }, [
            "capblocks:codeServer.subnetId: \"my-subnet\" is not a subnet- id (e.g. subnet-0123456789abcdef0)",
        ]],
        ["old Slurm", { reservation: buy, cluster: { slurmVersion: "24.05" } }, [
            "capblocks:cluster.slurmVersion: \"24.05\" is not accepted by AWS PCS for new clusters (accepted: 24.11, 25.05, 25.11; 24.05 and older are end of life); set one of the accepted versions",
        ]],
        ["bad storage", { reservation: buy, cluster: { sharedStorage: "nfs" } }, [
            "capblocks:cluster.sharedStorage: \"nfs\" is not one of \"efs\", \"fsx-lustre\", \"none\"; did you mean \"efs\"?",
        ]],
        ["cluster without a block", { cluster: { enabled: true }, codeServer: { enabled: false } }, [
            "capblocks:cluster.enabled: the PCS compute node group runs on a Capacity Block; set capblocks:reservation (buy or adopt) or disable the cluster",
        ]],
        ["min count above the block", { reservation: { ...buy, instanceCount: 2 }, codeServer: { enabled: false }, cluster: { enabled: true, computeMinCount: 3 } }, [
            "capblocks:cluster.computeMinCount: 3 is above the 2 compute instance(s) available (the Capacity Block's size), and PCS rejects a minimum above the maximum; set it to 2 or less",
        ]],
        ["min count above what code-server leaves", { reservation: { ...buy, instanceCount: 2 }, cluster: { enabled: true, computeMinCount: 2 } }, [
            "capblocks:cluster.computeMinCount: 2 is above the 1 compute instance(s) the cluster gets (code-server uses 1 of 2 instances; the cluster gets 1), and PCS rejects a minimum above the maximum; set it to 1 or less",
        ]],
        ["a one-instance block shared with code-server", { reservation: buy, cluster: { enabled: true } }, [
            "capblocks:cluster.enabled: the block to buy (1 × trn2.3xlarge) has 1 instance(s) and code-server takes one, leaving none " +
                "for the cluster; raise capblocks:reservation.instanceCount, or disable code-server (capblocks:codeServer.enabled: false)",
        ]],
        ["compute type other than the block's", { reservation: buy, codeServer: { enabled: false }, cluster: { enabled: true, computeInstanceType: "p5.48xlarge" } }, [
            "capblocks:cluster.computeInstanceType: \"p5.48xlarge\" is not a setting any more: the compute nodes run the Capacity Block's instance type (capblocks:reservation.instanceType); remove it",
        ]],
        ["bad work volume id", { reservation: buy, codeServer: { workVolumeId: "x" } }, [
            "capblocks:codeServer.workVolumeId: \"x\" is not a vol- id (e.g. vol-0123456789abcdef0)",
        ]],
        ["adopted work volume to delete", { reservation: buy, codeServer: { workVolumeId: "vol-0123456789abcdef0", deleteWorkVolume: true } }, [
            "capblocks:codeServer.deleteWorkVolume: cannot be true with workVolumeId vol-0123456789abcdef0: capblocks never deletes a volume it did not create (delete it yourself with `aws ec2 delete-volume` if you mean to)",
        ]],
        ["adopted work volume with a size", { reservation: buy, codeServer: { workVolumeId: "vol-0123456789abcdef0", workVolumeSizeGb: 300 } }, [
            "capblocks:codeServer.workVolumeSizeGb: only applies to a work volume capblocks creates; vol-0123456789abcdef0 keeps its own size (grow it with `aws ec2 modify-volume`; the next setup grows the filesystem)",
        ]],
        ["deleteSharedStorage as a string", { reservation: buy, cluster: { deleteSharedStorage: "no" } }, [
            "capblocks:cluster.deleteSharedStorage: \"no\" must be true or false",
        ]],
        ["bad file system id", { reservation: buy, cluster: { sharedFileSystemId: "efs-1" } }, [
            "capblocks:cluster.sharedFileSystemId: \"efs-1\" is not a fs- id (e.g. fs-0123456789abcdef0)",
        ]],
        ["file system id with FSx", { reservation: buy, cluster: { sharedFileSystemId: "fs-0123456789abcdef0", sharedStorage: "fsx-lustre" } }, [
            "capblocks:cluster.sharedFileSystemId: is an EFS file system to reuse, but capblocks:cluster.sharedStorage is fsx-lustre; set sharedStorage: efs or remove sharedFileSystemId",
        ]],
        ["adopted file system to delete", { reservation: buy, cluster: { sharedFileSystemId: "fs-0123456789abcdef0", deleteSharedStorage: true } }, [
            "capblocks:cluster.deleteSharedStorage: cannot be true with sharedFileSystemId fs-0123456789abcdef0: capblocks never deletes a file system it did not create",
        ]],
        ["a bucket ARN for dataBuckets", { reservation: buy, cluster: { dataBuckets: ["arn:aws:s3:::data"] } }, [
            "capblocks:cluster.dataBuckets[0]: \"arn:aws:s3:::data\" is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens, e.g. my-training-data)",
        ]],
        ["an https URL for lustreImportPath", { reservation: buy, cluster: { lustreImportPath: "https://data.s3.amazonaws.com/x" } }, [
            "capblocks:cluster.lustreImportPath: \"https://data.s3.amazonaws.com/x\" is not an S3 path (s3://bucket/prefix/, e.g. s3://my-training-data/imagenet/)",
        ]],
        // FSx for Lustre user guide: DRAs link S3 to FSx for Lustre (PERSISTENT_2); a bucket is linked once per file system.
        ["S3 links without FSx for Lustre", { reservation: { ...buy, instanceCount: 2 }, codeServer: { enabled: false }, cluster: { enabled: true, lustreImportPath: "s3://data/in/" } }, [
            "capblocks:cluster.lustreImportPath: s3://data/in/ links FSx for Lustre to S3, but capblocks:cluster.sharedStorage is efs; set sharedStorage: fsx-lustre or remove the key",
        ]],
        ["import and export in one bucket under different prefixes", {
            reservation: { ...buy, instanceCount: 2 }, codeServer: { enabled: false },
            cluster: { enabled: true, sharedStorage: "fsx-lustre", lustreImportPath: "s3://data/in", lustreExportPath: "s3://data/out/" },
        }, [
            "capblocks:cluster.lustreExportPath: s3://data/out/ is in the same bucket as lustreImportPath s3://data/in, and FSx links a bucket to a file system only once; " +
                "give both keys the same path (import and export under /fsx/data) or use another bucket",
        ]],
        ["reserved tag key", { reservation: buy, tags: { "aws:team": "ml" } }, [
            "capblocks:tags: \"aws:team\" is not a usable tag key (1..128 characters, not starting with aws:)",
        ]],
        ["numeric tag value", { reservation: buy, tags: { cost: 12 } }, [
            "capblocks:tags.cost: 12 must be a string; write it as \"12\", in quotes (YAML reads 12 without quotes as a number), " +
                "or set it with pulumi config set --type string --path capblocks:tags.cost 12",
        ]],
    ];
    for (const [what, over, expected] of cases) {
        it(`names the key when: ${what}`, () => {
            expect(problemsOf(base(over))).to.deep.equal(expected);
        });
    }

    it("lists every problem at once, one line per key", () => {
        const problems = problemsOf(base({
            reservation: { ...buy, durationHours: 30, instanceCount: 0 },
            codeServer: { user: "root", allowedCidrs: ["x"] },
            tags: { ok: 1 },
        }));
        expect(problems).to.deep.equal([
            "capblocks:reservation.instanceCount: 0 must be 1..64 instances (the Capacity Block limit)",
            "capblocks:reservation.durationHours: 30 is not a valid Capacity Block duration (24..336 in steps of 24, or 504..4368 in steps of 168); use 24 or 48",
            "capblocks:codeServer.user: \"root\" is not a usable login name (lower case, up to 32 characters, not root/ubuntu/ssm-user)",
            "capblocks:codeServer.allowedCidrs[0]: \"x\" is not an IPv4 CIDR (e.g. 203.0.113.7/32)",
            "capblocks:tags.ok: 1 must be a string; write it as \"1\", in quotes (YAML reads 1 without quotes as a number), " +
                "or set it with pulumi config set --type string --path capblocks:tags.ok 1",
        ]);
    });

    describe("cluster rules, each reported once in the one message format", () => {
        const twoInstances = { ...buy, instanceCount: 2 };
        const NAME_RULE =
            "is not a PCS cluster name (2-40 letters, digits or hyphens, starting with a letter, and not exactly 10 letters/digits: " +
            "PCS reserves that shape for cluster ids); choose another name";
        const SLURM_RULE =
            "is not accepted by AWS PCS for new clusters (accepted: 24.11, 25.05, 25.11; 24.05 and older are end of life); " +
            "set one of the accepted versions";

        // PCS API model ClusterName: (?!pcs_)^(?![A-Za-z0-9]{10}$)[A-Za-z][A-Za-z0-9-]+, max 40.
        for (const name of ["a", "abcdefghij", "1cluster", "a".repeat(41)]) {
            it(`a cluster named ${JSON.stringify(name)}`, () => {
                expect(problemsOf(base({ reservation: twoInstances, cluster: { enabled: true, name } }))).to.deep.equal([
                    `capblocks:cluster.name: ${JSON.stringify(name)} ${NAME_RULE}`,
                ]);
            });
        }

        it("the name it derives from project and stack", () => {
            const derived = base({ project: "2026", stack: "abcdefghij", reservation: twoInstances, cluster: { enabled: true } });
            expect(problemsOf(derived)).to.deep.equal([`capblocks:cluster.name: "abcdefghij" ${NAME_RULE}`]);
        });

        // PCS user guide "Slurm versions in AWS PCS": new clusters accept 24.11, 25.05, 25.11; 24.05 and older are end of life.
        it("the Slurm versions PCS accepts for new clusters, and the end of life of the others", () => {
            for (const ok of ["24.11", "25.05", "25.11"]) {
                expect(validateStackConfig(base({ reservation: buy, cluster: { slurmVersion: ok } })).cluster.slurmVersion).to.equal(ok);
            }
            for (const old of ["24.05", "23.11"]) {
                expect(problemsOf(base({ reservation: twoInstances, cluster: { enabled: true, slurmVersion: old } }))).to.deep.equal([
                    `capblocks:cluster.slurmVersion: "${old}" ${SLURM_RULE}`,
                ]);
            }
            expect(problemsOf(base({ reservation: buy, cluster: { slurmVersion: 25.05 } }))).to.deep.equal([
                "capblocks:cluster.slurmVersion: 25.05 must be a string; write it as \"25.05\", in quotes (YAML reads 25.05 without quotes as a number), " +
                    "or set it with pulumi config set --type string --path capblocks:cluster.slurmVersion 25.05",
            ]);
        });

        it("a compute minimum: its shape always, the block size once the cluster is on", () => {
            expect(problemsOf(base({ reservation: buy, cluster: { computeMinCount: -1 } }))).to.deep.equal([
                "capblocks:cluster.computeMinCount: -1 must be 0..64 (at most the block size)",
            ]);
            expect(problemsOf(base({ reservation: buy, cluster: { computeMinCount: 1.5 } }))).to.deep.equal([
                "capblocks:cluster.computeMinCount: 1.5 must be a whole number",
            ]);
            expect(validateStackConfig(base({ reservation: buy, cluster: { computeMinCount: 3 } })).cluster.computeMinCount).to.equal(3);
        });

        it("a VPC or a login subnet without a compute subnet", () => {
            expect(problemsOf(base({ reservation: twoInstances, cluster: { enabled: true, vpcId: "vpc-0123456789abcdef0" } }))).to.deep.equal([
                "capblocks:cluster.vpcId: vpc-0123456789abcdef0 is set without capblocks:cluster.computeSubnetId; name a private subnet " +
                    "of that VPC in the block's Availability Zone, or remove vpcId to get a new VPC",
            ]);
            expect(problemsOf(base({ reservation: twoInstances, cluster: { enabled: true, loginSubnetId: "subnet-0123456789abcdef0" } }))).to.deep.equal([
                "capblocks:cluster.loginSubnetId: subnet-0123456789abcdef0 is set without capblocks:cluster.computeSubnetId; " +
                    "give both subnets of your VPC, or neither to get a new VPC",
            ]);
        });

        it("computeInstanceType, even set to the block's own type", () => {
            expect(problemsOf(base({ reservation: twoInstances, cluster: { enabled: true, computeInstanceType: "trn2.3xlarge" } }))).to.deep.equal([
                "capblocks:cluster.computeInstanceType: \"trn2.3xlarge\" is not a setting any more: the compute nodes run the Capacity Block's " +
                    "instance type (capblocks:reservation.instanceType); remove it",
            ]);
        });
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
