import { expect } from "chai";
import type { RawStackConfig } from "../../../components/config";
import { validateStackConfig } from "../../../components/config";
import { problemsOf } from "../../helpers/configProblems";

const base = (over: Partial<RawStackConfig> = {}): RawStackConfig => ({ project: "capblocks", stack: "dev", region: "us-east-2", ...over });
const block = (instanceType: string, instanceCount = 2) => ({ instanceType, instanceCount, durationHours: 24, maxUpfrontFee: "5000" });
/** A cluster on a block of this type, code-server off (it would take one of the instances). */
const cluster = (instanceType: string, settings: Record<string, unknown> = {}) =>
    base({ reservation: block(instanceType), codeServer: { enabled: false }, cluster: { enabled: true, ...settings } });

describe("config: the cluster's node image (capblocks:cluster.image, amiId)", () => {
    // The PCS-ready DLAMI has no Neuron driver: Trainium/Inferentia nodes get an image with it, built by default.
    it("builds an image for Trainium/Inferentia by default, and not for NVIDIA types or with an image of your own", () => {
        expect(validateStackConfig(cluster("trn2.48xlarge")).cluster.image).to.deep.equal({
            build: true, packages: [], components: [], buildInstanceType: "m7i.large", generation: 1,
        });
        expect(validateStackConfig(cluster("trn1.32xlarge")).cluster.image.build).to.equal(true);
        expect(validateStackConfig(cluster("p5.48xlarge")).cluster.image.build).to.equal(false);
        expect(validateStackConfig(cluster("trn2.48xlarge", { amiId: "ami-0123456789abcdef0" })).cluster.image.build).to.equal(false);
    });

    it("builds an image for NVIDIA types when extras are asked for", () => {
        const arn = "arn:aws:imagebuilder:us-east-2:aws:component/amazon-cloudwatch-agent-linux/1.0.1/1";
        const image = validateStackConfig(cluster("p5.48xlarge", { image: { packages: ["htop", "libnccl2=2.27.*"], components: [arn] } })).cluster.image;
        expect(image).to.include({ build: true });
        expect(image.packages).to.deep.equal(["htop", "libnccl2=2.27.*"]);
        expect(image.components).to.deep.equal([arn]);
    });

    it("refuses a Trainium cluster left on the PCS-ready DLAMI, before anything is bought", () => {
        expect(problemsOf(cluster("trn2.48xlarge", { image: { build: false } }))).to.deep.equal([
            "capblocks:cluster.image.build: false leaves the trn2.48xlarge nodes on the PCS-ready DLAMI, which has no AWS Neuron driver, " +
                "so no Neuron job could use the block; nothing was bought. Remove image.build: false (capblocks builds an image with the " +
                "Neuron driver), or set capblocks:cluster.amiId to an image with the PCS agent, Slurm and Neuron",
        ]);
        // The same config with the cluster off is fine: nothing boots that image.
        expect(() => validateStackConfig(base({ reservation: block("trn2.48xlarge"), cluster: { image: { build: false } } }))).to.not.throw();
    });

    it("refuses two images, extras for an image it does not build, and an arm64 build instance", () => {
        const ami = "ami-0123456789abcdef0";
        expect(problemsOf(cluster("p5.48xlarge", { amiId: ami, image: { build: true } }))).to.deep.equal([
            `capblocks:cluster.image.build: true and capblocks:cluster.amiId ${ami} both name the node image; ` +
                "remove amiId to let capblocks build the image, or remove image.build to boot your own",
        ]);
        expect(problemsOf(cluster("p5.48xlarge", { amiId: ami, image: { packages: ["htop"] } }))).to.deep.equal([
            `capblocks:cluster.image.packages: only apply to the image capblocks builds, but capblocks:cluster.amiId ${ami} ` +
                "is your own image; install them in your image, or remove amiId",
        ]);
        expect(problemsOf(cluster("p5.48xlarge", { image: { build: false, packages: ["htop"] } }))).to.deep.equal([
            "capblocks:cluster.image.packages: only apply when image.build is true; remove image.build: false or the packages",
        ]);
        expect(problemsOf(cluster("trn2.48xlarge", { image: { buildInstanceType: "m7g.large" } }))).to.deep.equal([
            "capblocks:cluster.image.buildInstanceType: m7g.large is an arm64 (Graviton) type, and the PCS-ready DLAMI the image " +
                "starts from is x86_64; use an x86_64 type such as m7i.large",
        ]);
    });

    it("checks the shape of each image setting", () => {
        expect(problemsOf(cluster("trn2.48xlarge", {
            image: { packages: ["Bad Name"], components: ["arn:aws:s3:::bucket/x"], generation: 0, built: true },
        }))).to.deep.equal([
            "capblocks:cluster.image.built: is not a setting of capblocks:cluster.image; did you mean build?",
            "capblocks:cluster.image.packages[0]: \"Bad Name\" is not an Ubuntu package name (e.g. htop, or libnccl2=2.27.*)",
            "capblocks:cluster.image.components[0]: \"arn:aws:s3:::bucket/x\" is not an Image Builder component ARN " +
                "(arn:aws:imagebuilder:<region>:<account or aws>:component/<name>/<version>)",
            "capblocks:cluster.image.generation: 0 must be a whole number >= 1 (bump it to build the image again)",
        ]);
    });
});

describe("config: EFA for a type the catalog does not know (capblocks:cluster.efaInterfaces)", () => {
    it("takes a count of EFA interfaces, or a count from network card 1", () => {
        expect(validateStackConfig(cluster("p7.48xlarge", { efaInterfaces: 16 })).cluster.efaInterfaces).to.equal(16);
        expect(validateStackConfig(cluster("p7.48xlarge", { efaInterfaces: { count: 16, firstCard: 1 } })).cluster.efaInterfaces)
            .to.deep.equal({ count: 16, firstCard: 1 });
        expect(validateStackConfig(cluster("p7.48xlarge", { efaInterfaces: 0 })).cluster.efaInterfaces).to.equal(0);
    });

    it("names the rule for anything else", () => {
        const RULE = "must be the number of EFA interfaces, one per network card from card 0 (0..64; 0: no EFA), or {count: N, firstCard: 1} when card 0 has no EFA";
        for (const bad of [-1, 65]) {
            expect(problemsOf(cluster("p7.48xlarge", { efaInterfaces: bad })), String(bad)).to.deep.equal([`capblocks:cluster.efaInterfaces: ${bad} ${RULE}`]);
        }
        expect(problemsOf(cluster("p7.48xlarge", { efaInterfaces: "16" }))).to.deep.equal([
            'capblocks:cluster.efaInterfaces: "16" must be a whole number or a mapping (key: value); write it as 16, without quotes ("16" in quotes is text)',
        ]);
        expect(problemsOf(cluster("p7.48xlarge", { efaInterfaces: 2.5 }))).to.deep.equal([
            "capblocks:cluster.efaInterfaces: 2.5 must be a whole number or a mapping (key: value)",
        ]);
        expect(problemsOf(cluster("p7.48xlarge", { efaInterfaces: { count: 4, firstCard: 2 } }))).to.deep.equal([
            "capblocks:cluster.efaInterfaces.firstCard: 2 must be 0, or 1 when network card 0 has no EFA",
        ]);
    });
});

describe("config: code-server's share of the cluster's block (capblocks:cluster.shareBlockWithCodeServer)", () => {
    it("shares by default: code-server takes one instance, the cluster the rest", () => {
        const cfg = validateStackConfig(base({ reservation: block("p5.48xlarge", 3), cluster: { enabled: true } }));
        expect(cfg.cluster.shareBlockWithCodeServer).to.equal(true);
        expect(cfg.codeServer.enabled).to.equal(true);
    });

    it("refuses code-server on a block the config gives wholly to the cluster", () => {
        expect(problemsOf(base({ reservation: block("p5.48xlarge", 3), cluster: { enabled: true, shareBlockWithCodeServer: false } }))).to.deep.equal([
            "capblocks:cluster.shareBlockWithCodeServer: false gives the cluster the whole block, but code-server is enabled and runs on one " +
                "of the block's instances; disable code-server (capblocks:codeServer.enabled: false), or set shareBlockWithCodeServer: true",
        ]);
        expect(() => validateStackConfig(base({
            reservation: block("p5.48xlarge", 3), codeServer: { enabled: false }, cluster: { enabled: true, shareBlockWithCodeServer: false },
        }))).to.not.throw();
    });
});
