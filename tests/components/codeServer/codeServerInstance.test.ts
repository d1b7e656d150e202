import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CodeServerInstance } from "../../../components/codeServer/codeServerInstance";
import type { CodeServerConfig } from "../../../components/config";
import { placementIn } from "../../../components/codeServer/placement";
import type { ReservationInfo } from "../../../components/reservation";
import type { ExistingVolume } from "../../../components/codeServer/workVolume";
import { MOUNT_TASK_ID } from "../../../components/codeServer/workVolumeTask";
import type { TaskSpec } from "../../../dynamic-providers/ssmTasks";
import type { MockRun } from "../../../scripts/offlineMocks";
import { codeServerConfig } from "../../helpers/codeServerConfig";
import { mockAws, ofType, oneOfType, REGION, resolved } from "../../helpers/mocks";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INSTANCE = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
const TASKS = "pulumi-nodejs:dynamic/capblocks:SsmTasks";

const csConfig = (over: Partial<CodeServerConfig> = {}): CodeServerConfig => codeServerConfig(over);

const setupTasks: TaskSpec[] = [{ id: "install-code-server", name: "Install code-server", commands: ["echo install"] }];

function block(state = "active"): ReservationInfo {
    return {
        id: pulumi.output("cr-0123456789abcdef0"),
        availabilityZone: pulumi.output("sa-east-1b"),
        instanceType: "trn2.3xlarge",
        instanceCount: 1,
        startDate: pulumi.output("2026-11-23T11:30:00.000Z"),
        endDate: pulumi.output("2026-11-24T11:30:00.000Z"),
        state: pulumi.output(state),
        source: "adopted",
        launchable: state === "active",
    };
}

interface Built {
    run: MockRun;
    outputs: Record<string, string>;
}

interface BuildOptions {
    config?: Partial<CodeServerConfig>;
    reservation?: ReservationInfo;
    launch?: boolean;
    existingWorkVolume?: ExistingVolume;
}

async function build(opts: BuildOptions = {}): Promise<Built> {
    const run = await mockAws();
    const reservation = "reservation" in opts ? opts.reservation : block();
    const cs = new CodeServerInstance("code-server", {
        config: csConfig(opts.config),
        region: REGION,
        placement: placementIn(reservation ? reservation.availabilityZone : "sa-east-1a", REGION),
        reservation,
        launch: opts.launch ?? true,
        tasks: setupTasks,
        variables: { USER: "coder", HOME_DIR: "/work" },
        existingWorkVolume: opts.existingWorkVolume,
        tags: { team: "ml" },
    });
    const outputs = await resolved<Record<string, string>>({
        instanceId: cs.instanceId,
        url: cs.url,
        portForwardCommand: cs.portForwardCommand,
        sessionCommand: cs.sessionCommand,
        instanceInfoCommand: cs.instanceInfoCommand,
        passwordCommand: cs.passwordCommand,
        password: cs.password,
        workVolumeId: cs.workVolumeId,
        workVolume: cs.workVolumeNote,
        connectHint: cs.connectHint,
    });
    return { run, outputs };
}

describe("CodeServerInstance", () => {
    // Most checks read the same default build: build it once.
    let defaultBuild: Promise<Built> | undefined;
    const built = () => (defaultBuild ??= build());

    // EC2 user guide "Capacity Blocks for ML": a launch needs both MarketType=capacity-block and the reservation target.
    it("puts both block settings in the launch template when there is a block", async () => {
        const { run } = await built();
        const lt = oneOfType(run, LT).inputs;
        expect(lt.instanceMarketOptions).to.deep.equal({ marketType: "capacity-block" });
        expect(lt.capacityReservationSpecification).to.deep.equal({ capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" } });
        expect(lt.instanceType).to.equal("trn2.3xlarge");
    });

    it("puts neither block setting in the launch template on demand", async () => {
        const { run } = await build({ reservation: undefined, config: { instanceType: "g7e.2xlarge" } });
        const lt = oneOfType(run, LT).inputs;
        expect(lt).to.not.have.property("instanceMarketOptions");
        expect(lt).to.not.have.property("capacityReservationSpecification");
    });

    it("requires IMDSv2 and encrypts a gp3 root of the configured size", async () => {
        const { run } = await build({ config: { volumeSizeGb: 450 } });
        const lt = oneOfType(run, LT).inputs;
        expect(lt.metadataOptions).to.include({ httpTokens: "required" });
        expect(lt.blockDeviceMappings).to.deep.equal([
            { deviceName: "/dev/sda1", ebs: { volumeSize: 450, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
        ]);
        expect(lt.imageId).to.equal("ami-0example000000001");
    });

    it("launches the instance from the template in the default subnet of the block's AZ", async () => {
        const { run } = await built();
        const instance = oneOfType(run, INSTANCE).inputs;
        expect(instance.launchTemplate).to.have.property("version", "1");
        expect((instance.launchTemplate as { id: string }).id).to.match(/^lt-/);
        const subnetsCall = run.calls.find((c) => c.token === "aws:ec2/getSubnets:getSubnets");
        expect(subnetsCall?.inputs.filters).to.deep.include({ name: "availability-zone", values: ["sa-east-1b"] });
        expect(oneOfType(run, VOLUME).inputs.availabilityZone).to.equal("sa-east-1b");
    });

    it("opens no inbound port at all without allowedCidrs, and says how to port-forward to code-server itself", async () => {
        const { run, outputs } = await built();
        const sg = oneOfType(run, SG).inputs;
        expect(sg.ingress).to.deep.equal([]);
        expect(JSON.stringify(sg.ingress)).to.not.contain("0.0.0.0/0");
        // Unchanged since before HTTPS existed: a new description would replace the group, and with it the instance.
        expect(sg.description).to.equal("code-server: no inbound access (SSM port forwarding only)");
        expect(outputs.portForwardCommand).to.equal(
            `aws ssm start-session --target ${outputs.instanceId} --document-name AWS-StartPortForwardingSession ` +
                "--parameters portNumber=8080,localPortNumber=8080 --region sa-east-1",
        );
        expect(outputs.url).to.equal("http://localhost:8080/");
        expect(outputs.connectHint).to.match(/^Run `\$\(pulumi stack output portForwardCommand\)` and leave it running, open http:\/\/localhost:8080\//);
    });

    it("opens only nginx's HTTPS port, only from allowedCidrs, when they are set", async () => {
        const { run, outputs } = await build({ config: { allowedCidrs: ["203.0.113.7/32", "198.51.100.0/24"], nginxPort: 443 } });
        const sg = oneOfType(run, SG).inputs;
        const ingress = sg.ingress as Record<string, unknown>[];
        expect(ingress).to.have.length(1);
        expect(ingress[0]).to.include({ protocol: "tcp", fromPort: 443, toPort: 443 });
        expect(ingress[0].cidrBlocks).to.deep.equal(["203.0.113.7/32", "198.51.100.0/24"]);
        // Says neither the CIDRs nor the port: editing them updates the rules in place instead of replacing the box.
        expect(sg.description).to.equal("code-server: HTTPS from capblocks:codeServer.allowedCidrs");
        expect(outputs.url).to.match(/^https:\/\/ec2-.*\.amazonaws\.com\/$/);
        expect(outputs.connectHint).to.equal(
            `Open ${outputs.url}, check that its certificate's SHA-256 fingerprint is \`pulumi stack output tlsCertificateSha256\`, ` +
                "and sign in with the password from `pulumi stack output password --show-secrets`.",
        );
    });

    it("keeps the password a secret and out of every output", async () => {
        const { run, outputs } = await built();
        const version = oneOfType(run, "aws:secretsmanager/secretVersion:SecretVersion").inputs;
        expect(version.secretString).to.equal("[secret]");
        const serialized = JSON.stringify(run.resources) + JSON.stringify(outputs);
        expect(serialized).to.not.match(/mock-pw-/);
        // The password output itself is marked secret (resolved as [secret]), so the state holds it encrypted.
        expect(outputs.password).to.equal("[secret]");
        expect(outputs.passwordCommand).to.equal(
            `aws secretsmanager get-secret-value --secret-id ${String(version.secretId)} --query SecretString --output text --region sa-east-1`,
        );
    });

    it("marks a configured password secret in the password output too, even when handed over as a plain string", async () => {
        const { run, outputs } = await build({ config: { password: "correct-horse-battery" } });
        expect(outputs.password).to.equal("[secret]");
        expect(JSON.stringify(run.resources) + JSON.stringify(outputs)).to.not.contain("correct-horse-battery");
    });

    it("lets the instance read its own password secret and nothing else", async () => {
        const { run } = await built();
        const policy = JSON.parse(String(ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "code-server-read-password")?.inputs.policy));
        const arn = String(oneOfType(run, "aws:secretsmanager/secretVersion:SecretVersion").inputs.secretId);
        expect(policy.Statement).to.deep.equal([{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arn }]);
        expect(oneOfType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        );
    });

    it("passes the password to setup as a secret reference, mounting the work volume first", async () => {
        const { run, outputs } = await built();
        const tasks = oneOfType(run, TASKS).inputs;
        const arn = String(oneOfType(run, "aws:secretsmanager/secretVersion:SecretVersion").inputs.secretId);
        expect(tasks.secrets).to.deep.equal({ PASSWORD: arn });
        const list = tasks.tasks as TaskSpec[];
        expect(list.map((t) => t.id)).to.deep.equal([MOUNT_TASK_ID, "install-code-server"]);
        expect(list[0].commands.join("\n")).to.contain(`nvme-Amazon_Elastic_Block_Store_${outputs.workVolumeId.replace("-", "")}`);
        expect(tasks.instanceIds).to.deep.equal([outputs.instanceId]);
        expect(oneOfType(run, TASKS).options.dependsOn).to.include.members(["code-server-work-attachment", "code-server-password", "code-server-read-password"]);
    });

    it("retains the work volume on delete, and says so", async () => {
        const { run, outputs } = await built();
        const volume = oneOfType(run, VOLUME);
        expect(volume.inputs).to.include({ encrypted: true, type: "gp3", size: 200 });
        expect(volume.options.retainOnDelete).to.equal(true);
        expect(outputs.workVolume).to.equal(
            `pulumi destroy keeps volume ${outputs.workVolumeId} (your work); to use it again set capblocks:codeServer.workVolumeId: ${outputs.workVolumeId}`,
        );
        const attachment = oneOfType(run, ATTACHMENT).inputs;
        expect(attachment).to.include({ volumeId: outputs.workVolumeId, instanceId: outputs.instanceId, skipDestroy: true });
    });

    it("deletes the work volume with the stack only when deleteWorkVolume is set", async () => {
        const { run, outputs } = await build({ config: { deleteWorkVolume: true } });
        expect(oneOfType(run, VOLUME).options.retainOnDelete).to.equal(undefined);
        expect(outputs.workVolume).to.equal(
            `pulumi destroy deletes volume ${outputs.workVolumeId} and the work on it (capblocks:codeServer.deleteWorkVolume is true)`,
        );
    });

    describe("with an existing work volume (codeServer.workVolumeId)", () => {
        const adopted: ExistingVolume = { id: "vol-0feedface0000001", availabilityZone: "sa-east-1b", encrypted: true, sizeGb: 500 };
        let adoptedBuild: Promise<Built> | undefined;
        const builtAdopted = () => (adoptedBuild ??= build({ config: { workVolumeId: adopted.id }, existingWorkVolume: adopted }));

        it("attaches the given volume and creates none", async () => {
            const { run, outputs } = await builtAdopted();
            expect(ofType(run, VOLUME)).to.have.length(0);
            expect(oneOfType(run, ATTACHMENT).inputs).to.include({ volumeId: adopted.id, instanceId: outputs.instanceId, skipDestroy: true });
            expect(outputs.workVolumeId).to.equal(adopted.id);
        });

        it("mounts it first with its own size, through the task that never formats a volume holding a filesystem", async () => {
            const { run } = await builtAdopted();
            const [mount] = oneOfType(run, TASKS).inputs.tasks as TaskSpec[];
            expect(mount.id).to.equal(MOUNT_TASK_ID);
            const script = mount.commands.join("\n");
            expect(script).to.contain("nvme-Amazon_Elastic_Block_Store_vol0feedface0000001");
            expect(script).to.contain("(500 GiB)");
            // Formatting is gated on `blkid -p` exit 2 (no signature at all); workVolumeTask.test runs it against a volume with data.
            expect(script).to.match(/if \[ "\$probe" -eq 2 \]; then\n\s+echo "formatting empty volume/);
        });

        it("says destroy keeps it and how to attach it again, even with deleteWorkVolume in the config object", async () => {
            const { outputs } = await build({ config: { workVolumeId: adopted.id, deleteWorkVolume: true }, existingWorkVolume: adopted });
            expect(outputs.workVolume).to.equal(
                "pulumi destroy keeps volume vol-0feedface0000001 (your work); to use it again set capblocks:codeServer.workVolumeId: vol-0feedface0000001",
            );
        });

        it("still attaches nothing and creates no volume while the block is not active", async () => {
            const { run, outputs } = await build({ reservation: block("scheduled"), launch: false, existingWorkVolume: adopted });
            expect(ofType(run, VOLUME)).to.have.length(0);
            expect(ofType(run, ATTACHMENT)).to.have.length(0);
            expect(outputs.workVolumeId).to.equal(adopted.id);
        });
    });

    // A block has exactly its instance count of slots: a replacement can only start after the old one is gone.
    it("replaces the instance delete-first, and pins the catalog AMI so a new DLAMI does not replace it", async () => {
        const { run } = await built();
        expect(oneOfType(run, INSTANCE).options.deleteBeforeReplace).to.equal(true);
        expect(oneOfType(run, LT).options.ignoreChanges).to.deep.equal(["imageId"]);
        const explicit = await build({ config: { amiId: "ami-0123456789abcdef0" } });
        expect(oneOfType(explicit.run, LT).options.ignoreChanges).to.equal(undefined);
        expect(oneOfType(explicit.run, LT).inputs.imageId).to.equal("ami-0123456789abcdef0");
    });

    it("boots the NVIDIA box from the Ubuntu 24.04 base OSS NVIDIA DLAMI, and pins a root size that came from the catalog", async () => {
        const { run } = await build({ reservation: undefined, config: { instanceType: "g7e.48xlarge", volumeSizeGb: 1000, volumeSizeFromCatalog: true } });
        const parameter = run.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")?.inputs.name;
        expect(parameter).to.equal("/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id");
        const lt = oneOfType(run, LT);
        expect(lt.options.ignoreChanges).to.deep.equal(["imageId", "blockDeviceMappings[0].ebs.volumeSize"]);
        expect((lt.inputs.blockDeviceMappings as { ebs: { volumeSize: number } }[])[0].ebs.volumeSize).to.equal(1000);
    });

    it("builds no instance, attachment or setup while the block is not active", async () => {
        const { run, outputs } = await build({ reservation: block("scheduled"), launch: false });
        expect(ofType(run, INSTANCE)).to.have.length(0);
        expect(ofType(run, ATTACHMENT)).to.have.length(0);
        expect(ofType(run, TASKS)).to.have.length(0);
        expect(ofType(run, VOLUME)).to.have.length(1);
        expect(ofType(run, LT)).to.have.length(1);
        expect(outputs.instanceId).to.equal("");
        expect([outputs.url, outputs.portForwardCommand, outputs.sessionCommand, outputs.instanceInfoCommand]).to.deep.equal(["", "", "", ""]);
    });
});
