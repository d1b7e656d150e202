import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { SsmTasks } from "../../dynamic-providers/ssmTasks";
import type { CodeServerConfig } from "../config";
import type { ReservationInfo } from "../reservation";
import type { AwsSettings } from "../shared/awsSettings";
import { awsSettingsInput } from "../shared/awsSettings";
import { instanceFacts } from "../shared/catalog";
import { awsPartition, ec2Role } from "../shared/ec2Role";
import { launchTemplateBase, rootDeviceNameOf } from "../shared/launchTemplate";
import type { AccessCommands } from "./access";
import { accessCommands, passwordCommand } from "./access";
import { DevImage } from "./devImage";
import { idleStopAlarm } from "./idleStop";
import { boxImageId, pinnedLaunchTemplateInputs } from "./image";
import type { LaunchNetwork } from "./network";
import { efaChoice, launchNetwork, securityGroupRules } from "./network";
import type { Placement } from "./placement";
import type { DevImagePlan } from "./prebake";
import type { FingerprintParameter } from "./tls";
import { fingerprintParameter, readFingerprint, servesHttps } from "./tls";
import type { ExistingVolume } from "./workVolume";
import { workVolumeNote } from "./workVolume";
import type { WorkVolumePlan } from "./workVolumeMove";
import { moveReport, volumeInPlace } from "./workVolumeMove";
import { mountWorkVolumeTask } from "./workVolumeTask";
import type { SetupSecret } from "./setupSecrets";
import { readSecretsPolicy, setupSecretInputs } from "./setupSecrets";
import { rerunRequest, SETUP_OFF, setupEnabled, setupOffHint } from "./setupControls";
import { setupOutputLog } from "./setupOutputLog";
import { noSetupSummary, setupTasksSummary } from "./setupTasksSummary";

/** Where the work volume is attached; on Nitro it shows up as NVMe and is found by its serial instead. */
const WORK_DEVICE_NAME = "/dev/sdf";

export interface CodeServerInstanceArgs {
    config: CodeServerConfig;
    region: string;
    /** The stack's AWS account settings: setup's SSM calls are made in the stack's account. */
    aws?: AwsSettings;
    placement: Placement;
    /** Undefined: on demand. */
    reservation?: ReservationInfo;
    /** False while the block is not active: everything but the instance, its attachment and setup is built. */
    launch: boolean;
    /** Setup tasks after the work-volume mount (tasks/code-server-setup.json and any extra task files). */
    tasks: TaskSpec[];
    /** Values for the tasks' variables (setupTasks.ts setupVariables); the TLS fingerprint parameter is named here. */
    variables: Record<string, pulumi.Input<string>>;
    /** The user's secrets the tasks read on the instance (capblocks:codeServer.secrets, looked up). */
    secrets?: SetupSecret[];
    /** The dev image (prebake.ts): whether this run bakes it, what the box boots, and the image tasks with their variables. */
    image?: { plan: DevImagePlan; tasks: TaskSpec[]; variables: Record<string, string> };
    /**
     * The volume named by codeServer.workVolumeId, already looked up and checked to be in the instance's AZ:
     * attached instead of creating one, and never deleted.
     */
    existingWorkVolume?: ExistingVolume;
    /** The stack's own volume on this run (workVolumeMove.ts); default: a new one. Not used with existingWorkVolume. */
    workVolumePlan?: WorkVolumePlan;
    /** The public SSM parameter of the image to boot without codeServer.amiId; default: the catalog's for the type. */
    amiParameter?: string;
    /** The stack's PCS cluster, when the box is one of its members (clusterAccess.ts). */
    cluster?: BoxInCluster;
    tags?: Record<string, string>;
}

/** What makes the box a member of the cluster; placement already puts it in the cluster's compute subnet. */
export interface BoxInCluster {
    /** The nodes' group: the box reaches Slurm and the shared storage, and the nodes reach back (srun). */
    securityGroupId: pulumi.Output<string>;
    /** Run before code-server's tasks: the user, with the uid the nodes give it. */
    firstTasks: TaskSpec[];
    /** Run after code-server's tasks: mount the shared storage, join Slurm. */
    tasks: pulumi.Output<TaskSpec[]>;
    /** The role's policy for the join (clusterAccessPolicy); undefined while the PCS cluster waits to be built. */
    policy?: pulumi.Output<string>;
}

/** A snapshot copies every block written to the volume: AWS says it "can take several hours" (EBS user guide, "Create Amazon EBS snapshots"). */
const SNAPSHOT_CREATE_TIMEOUT = "24h";

/** The component's name, its `<project>-<stack>-code-server` label, and the tags every child carries. */
interface Naming {
    name: string;
    label: string;
    tags: Record<string, string>;
}

/** The instance's role and profile, the password secret only that role can read, and the user's secrets it may read. */
interface InstanceIdentity {
    role: aws.iam.Role;
    profile: aws.iam.InstanceProfile;
    /** The code-server password, a secret wherever it goes. */
    password: pulumi.Output<string>;
    secretArn: pulumi.Output<string>;
    /** The password's current version: a new one (a rotated or replaced password) re-runs the tasks that read it. */
    passwordVersion: pulumi.Output<string>;
    /** Setup fetches the secrets on the instance: the password's value and the role's permissions to read them. */
    secretsReady: pulumi.Resource[];
    /** With HTTPS: where the box reports its certificate's fingerprint. */
    tls?: FingerprintParameter;
}

/** The launch template and how the instance attaches to the network. */
interface LaunchedFrom {
    template: aws.ec2.LaunchTemplate;
    network: LaunchNetwork<pulumi.Output<string>>;
    /** The dev image baked on this run; "" when none is. */
    devImageId: pulumi.Output<string>;
}

interface WorkVolume {
    id: pulumi.Output<string>;
    sizeGb: number;
    note: pulumi.Output<string>;
}

/** What the setup runs on, and what must exist before it starts. */
interface SetupTarget {
    instance: aws.ec2.Instance;
    work: WorkVolume;
    identity: InstanceIdentity;
    ready: pulumi.Resource[];
}

/** Where each setup task stands, and with HTTPS the certificate's fingerprint the box reported during setup. */
interface SetupResult {
    setupTasks: pulumi.Output<string>;
    tlsCertificateSha256: pulumi.Output<string>;
}

type Access = { [K in keyof AccessCommands]: pulumi.Output<string> } & { instanceId: pulumi.Output<string> } & SetupResult;

/**
 * A code-server dev box: on the block (launch template with the block's market type and reservation
 * target) or on demand, with a work volume that outlives instances and blocks, and its setup run over SSM.
 */
export class CodeServerInstance extends pulumi.ComponentResource {
    /** Empty until the block is active and the instance is launched. */
    public readonly instanceId: pulumi.Output<string>;
    public readonly workVolumeId: pulumi.Output<string>;
    /** What `pulumi destroy` does to the work volume, with its id, and how to attach it again. */
    public readonly workVolumeNote: pulumi.Output<string>;
    public readonly passwordCommand: pulumi.Output<string>;
    /** The code-server password, marked secret (encrypted in the state, shown only with --show-secrets). */
    public readonly password: pulumi.Output<string>;
    /** The URL, the port forward and the shell command; "" until the instance is launched. */
    public readonly url: pulumi.Output<string>;
    public readonly portForwardCommand: pulumi.Output<string>;
    public readonly sessionCommand: pulumi.Output<string>;
    public readonly instanceInfoCommand: pulumi.Output<string>;
    /** One sentence on how to reach code-server; empty until the instance is launched. */
    public readonly connectHint: pulumi.Output<string>;
    /** The dev image baked on this run (or kept baked); "" when none is. */
    public readonly devImageId: pulumi.Output<string>;
    /** The image the launch template launches the box from. */
    public readonly launchImageId: pulumi.Output<string>;
    /** Where each setup task stands on each instance, as JSON (setupTasksSummary.ts). */
    public readonly setupTasks: pulumi.Output<string>;
    /** With allowedCidrs: the SHA-256 fingerprint of the certificate nginx serves, as the box reported it; "" until it is launched, or without allowedCidrs. */
    public readonly tlsCertificateSha256: pulumi.Output<string>;

    constructor(name: string, args: CodeServerInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capblocks:index:CodeServerInstance", name, {}, opts);
        const label = `${pulumi.getProject()}-${pulumi.getStack()}-code-server`;
        const naming: Naming = { name, label, tags: { ...args.tags, Name: label } };

        const identity = this.instanceIdentity(naming, args);
        const launchedFrom = this.launchTemplate(naming, args, identity.profile);
        // A move snapshots the volume only once this run's instance exists: its predecessor, deleted before it is
        // created, can no longer write to the volume. Otherwise the volume is declared first, as it always was.
        const movesAfterLaunch = args.launch && args.workVolumePlan?.kind === "move" && args.workVolumePlan.afterLaunch;
        const early = movesAfterLaunch ? this.instance(naming, launchedFrom) : undefined;
        const work = this.workVolume(naming, args, early);
        const instance = early ?? (args.launch ? this.instance(naming, launchedFrom) : undefined);
        const access = instance ? this.attachAndSetUp(naming, args, { instance, network: launchedFrom.network }, work, identity) : notLaunched();
        const idleMinutes = args.config.idleStopMinutes;
        if (instance && !args.reservation && idleMinutes !== undefined) {
            idleStopAlarm(name, { instanceId: instance.id, minutes: idleMinutes, region: args.region, partition: awsPartition(this), tags: naming.tags }, this);
        }

        this.instanceId = access.instanceId;
        this.workVolumeId = work.id;
        this.workVolumeNote = work.note;
        this.passwordCommand = identity.secretArn.apply((arn) => passwordCommand(arn, args.region));
        this.password = identity.password;
        this.url = access.url;
        this.portForwardCommand = access.portForwardCommand;
        this.sessionCommand = access.sessionCommand;
        this.instanceInfoCommand = access.instanceInfoCommand;
        this.connectHint = access.connectHint;
        this.devImageId = launchedFrom.devImageId;
        this.launchImageId = launchedFrom.template.imageId.apply((id) => id ?? "");
        this.setupTasks = access.setupTasks;
        this.tlsCertificateSha256 = access.tlsCertificateSha256;
        this.registerOutputs({
            instanceId: this.instanceId,
            workVolumeId: this.workVolumeId,
            workVolumeNote: this.workVolumeNote,
            passwordCommand: this.passwordCommand,
            password: this.password,
            url: this.url,
            portForwardCommand: this.portForwardCommand,
            sessionCommand: this.sessionCommand,
            instanceInfoCommand: this.instanceInfoCommand,
            connectHint: this.connectHint,
            devImageId: this.devImageId,
            launchImageId: this.launchImageId,
            setupTasks: this.setupTasks,
            tlsCertificateSha256: this.tlsCertificateSha256,
        });
    }

    /**
     * The password in Secrets Manager (capblocks:codeServer.password, else a generated one), and the instance role:
     * SSM core, reading that one secret, and reading the user's secrets when there are any.
     */
    private instanceIdentity({ name, label, tags }: Naming, args: CodeServerInstanceArgs): InstanceIdentity {
        const parent = { parent: this };
        const configured = args.config.password;
        const password = pulumi.secret(configured === undefined
            ? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent).result
            : configured);
        const secret = new aws.secretsmanager.Secret(`${name}-password`, { description: `code-server password for ${label}`, tags }, parent);
        const secretVersion = new aws.secretsmanager.SecretVersion(`${name}-password`, { secretId: secret.id, secretString: password }, parent);
        const { role, profile } = ec2Role({
            names: { role: `${name}-role`, ssmCore: `${name}-ssm-core`, profile: `${name}-profile` },
            description: `code-server instance role for ${label}`,
            tags,
        }, awsPartition(this), this);
        const readPassword = new aws.iam.RolePolicy(`${name}-read-password`, {
            role: role.id,
            policy: secret.arn.apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arn }],
                }),
            ),
        }, parent);
        const secretsPolicy = readSecretsPolicy(args.secrets ?? []);
        const readSecrets = secretsPolicy
            ? [new aws.iam.RolePolicy(`${name}-read-secrets`, { role: role.id, policy: JSON.stringify(secretsPolicy) }, parent)]
            : [];
        const clusterPolicy = args.cluster?.policy;
        const joinCluster = clusterPolicy ? [new aws.iam.RolePolicy(`${name}-cluster-access`, { role: role.id, policy: clusterPolicy }, parent)] : [];
        const tls = servesHttps(args.config) ? fingerprintParameter(name, role, { label, tags }, this) : undefined;
        return {
            role,
            profile,
            password,
            secretArn: secret.arn,
            passwordVersion: secretVersion.versionId,
            secretsReady: [secretVersion, readPassword, ...readSecrets, ...joinCluster],
            ...(tls ? { tls } : {}),
        };
    }

    /**
     * The security group and the launch template: the block's market settings, the image (the dev image when one is
     * baked, else the DLAMI), the encrypted root, and the network (EFA interfaces when asked for and the type has
     * them); and the dev image's bake when this run has one.
     */
    private launchTemplate({ name, label, tags }: Naming, args: CodeServerInstanceArgs, profile: aws.iam.InstanceProfile): LaunchedFrom {
        const cs = args.config;
        const facts = instanceFacts(cs.instanceType);
        const efa = efaChoice(cs.efa, facts);
        if (efa.warning) void pulumi.log.warn(efa.warning, this);
        const rules = securityGroupRules(cs, efa.use);
        const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
            description: rules.description,
            vpcId: args.placement.vpcId,
            ingress: rules.ingress,
            egress: rules.egress,
            tags,
            // A new description would replace the group, its launch template version and the running box (on a block,
            // setup again on paid time) for words only: a group keeps the description it was created with.
        }, { parent: this, ignoreChanges: ["description"] });
        const memberOf = args.cluster ? [args.cluster.securityGroupId] : [];
        const network = launchNetwork(facts, efa.use, securityGroup.id, args.placement.subnetId, args.placement.defaultSubnet, memberOf);
        const image = args.image;
        const baked = image?.plan.bake
            ? new DevImage(`${name}-image`, {
                label,
                instanceType: cs.instanceType,
                ...(cs.amiId ? { amiId: cs.amiId } : {}),
                ...(args.amiParameter ? { amiParameter: args.amiParameter } : {}),
                tasks: image.tasks,
                variables: image.variables,
                region: args.region,
                subnetId: args.placement.subnetId,
                securityGroupId: securityGroup.id,
                partition: awsPartition(this),
                tags,
            }, { parent: this })
            : undefined;
        const launchFrom = image?.plan.launchFrom ?? { kind: "stock" };
        const stock = launchFrom.kind === "stock";
        const imageId = launchFrom.kind === "previous" ? launchFrom.imageId
            : launchFrom.kind === "baked" && baked ? baked.amiId
            : boxImageId(cs, args.region, this, args.amiParameter);
        const block = args.reservation;
        const template = new aws.ec2.LaunchTemplate(`${name}-lt`, {
            ...launchTemplateBase({
                rootDeviceName: rootDeviceNameOf(imageId, args.region, this),
                rootVolumeGb: cs.volumeSizeGb,
                instanceTags: tags,
                tags,
                capacityBlockId: block?.id,
            }),
            description: block ? `code-server on Capacity Block (${cs.instanceType})` : `code-server on demand (${cs.instanceType})`,
            imageId,
            instanceType: cs.instanceType,
            iamInstanceProfile: { arn: profile.arn },
            ...network.template,
            updateDefaultVersion: true,
        }, {
            parent: this,
            // A new DLAMI, or a new default size, would otherwise replace the dev box on a routine `pulumi up` (image.ts).
            // The dev image is followed instead (prebake.ts keeps a running box's own).
            ignoreChanges: pinnedLaunchTemplateInputs(cs).filter((input) => stock || input !== "imageId"),
        });
        return { template, network, devImageId: baked ? baked.amiId : pulumi.output("") };
    }

    /**
     * The volume the work lives on: the adopted one, or the stack's encrypted gp3 volume that survives the block
     * and `pulumi destroy` unless the user opts out. The stack's volume keeps the AZ it is in (never the block's
     * output, which a purchase on this run would leave unknown), and moves by snapshot when the plan says so.
     */
    private workVolume(naming: Naming, args: CodeServerInstanceArgs, launched?: aws.ec2.Instance): WorkVolume {
        const cs = args.config;
        const existing = args.existingWorkVolume;
        if (existing) {
            const id = pulumi.output(existing.id);
            return { id, sizeGb: existing.sizeGb, note: id.apply((volumeId) => workVolumeNote(volumeId, false)) };
        }
        const plan = args.workVolumePlan ?? { kind: "create" };
        const keepOld = !cs.deleteWorkVolume;
        const inPlace = volumeInPlace(plan);
        const snapshot = plan.kind === "move" ? this.moveSnapshot(naming, plan.from, launched) : undefined;
        const volume = new aws.ebs.Volume(`${naming.name}-work`, {
            availabilityZone: plan.kind === "move" ? plan.toAz : inPlace ? inPlace.availabilityZone : args.placement.availabilityZone,
            size: cs.workVolumeSizeGb,
            type: "gp3",
            encrypted: true,
            // A volume made from a snapshot records it, and so must its inputs on every later run: snapshotId forces a replacement.
            ...(snapshot ? { snapshotId: snapshot.id } : inPlace?.snapshotId ? { snapshotId: inPlace.snapshotId } : {}),
            tags: { ...naming.tags, Name: `${naming.label}-work`, "capblocks:mount-point": cs.homeDir },
        }, {
            parent: this,
            // Also on a move: the volume it replaces is kept (dropped from the stack, not deleted) unless deleteWorkVolume.
            retainOnDelete: keepOld,
            ...(snapshot ? { customTimeouts: { create: "30m" } } : {}),
        });
        const note = pulumi
            .all([volume.id, snapshot ? snapshot.id : ""])
            .apply(([volumeId, snapshotId]) => [moveReport(plan, snapshotId, keepOld, args.region), workVolumeNote(volumeId, !keepOld)].filter(Boolean).join(" "));
        return { id: volume.id, sizeGb: cs.workVolumeSizeGb, note };
    }

    /** The snapshot that carries the work to the new AZ; kept after the move (its id is in the workVolume output). */
    private moveSnapshot({ name, label, tags }: Naming, from: ExistingVolume, launched?: aws.ec2.Instance): aws.ebs.Snapshot {
        return new aws.ebs.Snapshot(`${name}-work-move`, {
            volumeId: from.id,
            description: `${label}: the work volume ${from.id} moving out of ${from.availabilityZone}`,
            tags: { ...tags, Name: `${label}-work-move` },
        }, {
            parent: this,
            retainOnDelete: true,
            dependsOn: launched ? [launched] : [],
            customTimeouts: { create: SNAPSHOT_CREATE_TIMEOUT },
        });
    }

    /** The instance; a block has exactly its instance count of slots, so the old instance goes before the new one starts. */
    private instance({ name, tags }: Naming, { template, network }: LaunchedFrom): aws.ec2.Instance {
        return new aws.ec2.Instance(`${name}-instance`, {
            launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
            ...(network.instanceSubnetId ? { subnetId: network.instanceSubnetId } : {}),
            tags,
        }, { parent: this, deleteBeforeReplace: true });
    }

    /**
     * The work volume's attachment and the setup over SSM (mount first, then the tasks), unless setup is off; an
     * Elastic IP first when the box has several EFA interfaces and no public address of its own.
     */
    private attachAndSetUp(
        naming: Naming,
        args: CodeServerInstanceArgs,
        { instance, network }: { instance: aws.ec2.Instance; network: LaunchNetwork<pulumi.Output<string>> },
        work: WorkVolume,
        identity: InstanceIdentity,
    ): Access {
        const { name } = naming;
        const cs = args.config;
        const attachment = new aws.ec2.VolumeAttachment(`${name}-work-attachment`, {
            deviceName: WORK_DEVICE_NAME,
            volumeId: work.id,
            instanceId: instance.id,
            // Detaching happens when the instance terminates (at block end EC2 has already done it);
            // stopping a terminated instance to detach would fail the next `up`.
            skipDestroy: true,
        }, { parent: this, deleteBeforeReplace: true });
        const address = network.elasticIp ? this.elasticIp(naming, instance) : undefined;
        const access = pulumi
            .all([instance.id, address ? address.publicDns : instance.publicDns])
            .apply(([instanceId, dns]) => accessCommands({
                instanceId,
                region: args.region,
                publicDns: dns ?? "",
                allowedCidrs: cs.allowedCidrs,
                internalPort: cs.internalPort,
                nginxPort: cs.nginxPort,
            }));
        if (!setupEnabled(cs)) {
            const off = pulumi.output(SETUP_OFF);
            return {
                instanceId: instance.id,
                url: off,
                portForwardCommand: off,
                sessionCommand: access.sessionCommand,
                instanceInfoCommand: access.instanceInfoCommand,
                connectHint: pulumi.output(setupOffHint(cs.homeDir)),
                setupTasks: pulumi.output(noSetupSummary("off")),
                tlsCertificateSha256: identity.tls ? off : pulumi.output(""),
            };
        }
        const ready = [attachment, ...identity.secretsReady, ...(identity.tls?.ready ?? []), ...(address ? [address] : [])];
        return {
            instanceId: instance.id,
            url: access.url,
            portForwardCommand: access.portForwardCommand,
            sessionCommand: access.sessionCommand,
            instanceInfoCommand: access.instanceInfoCommand,
            connectHint: access.connectHint,
            ...this.setUp(naming, args, { instance, work, identity, ready }),
        };
    }

    /**
     * The setup over SSM: the work-volume mount, then the tasks, with their output streamed to a log group for `up`'s
     * progress lines; returns where each task stands (setupTasksSummary.ts), and the fingerprint the box reported.
     */
    private setUp(naming: Naming, args: CodeServerInstanceArgs, { instance, work, identity, ready }: SetupTarget): SetupResult {
        const { name } = naming;
        const cs = args.config;
        const tls = identity.tls;
        const tasks = pulumi
            .all([work.id, args.cluster?.tasks ?? []])
            .apply(([volumeId, clusterTasks]) => [
                mountWorkVolumeTask({ volumeId, mountPoint: cs.homeDir, sizeGb: work.sizeGb }),
                ...(args.cluster?.firstTasks ?? []),
                ...args.tasks,
                ...clusterTasks,
            ]);
        const rerun = rerunRequest(cs);
        const output = setupOutputLog(naming, identity.role, this);
        const setup = new SsmTasks(`${name}-setup`, {
            instanceIds: [instance.id],
            tasks,
            variables: tls ? { ...args.variables, TLS_FINGERPRINT_PARAMETER: tls.name } : args.variables,
            // Fetched on the instance with its role: no secret travels in a command parameter, only references and versions.
            ...setupSecretInputs({ arn: identity.secretArn, version: identity.passwordVersion }, args.secrets ?? []),
            region: args.region,
            aws: awsSettingsInput(args.aws ?? {}),
            outputLogGroup: output.groupName,
            ...(rerun ? { rerun } : {}),
        }, { parent: this, dependsOn: [...ready, ...output.ready] });
        return {
            setupTasks: pulumi
                .all([setup.tasks, setup.variables, setup.taskStates, setup.instanceIds])
                .apply(([list, variables, states, ids]) => setupTasksSummary(list, variables ?? {}, states ?? {}, ids ?? [])),
            tlsCertificateSha256: tls ? readFingerprint(tls.name, args.region, setup, this) : pulumi.output(""),
        };
    }

    /** A public address for the box's primary interface: EC2 gives none to a launch with several interfaces. */
    private elasticIp({ name, tags }: Naming, instance: aws.ec2.Instance): aws.ec2.Eip {
        return new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", networkInterface: instance.primaryNetworkInterfaceId, tags }, { parent: this });
    }
}

function notLaunched(): Access {
    return {
        instanceId: pulumi.output(""),
        url: pulumi.output(""),
        portForwardCommand: pulumi.output(""),
        sessionCommand: pulumi.output(""),
        instanceInfoCommand: pulumi.output(""),
        connectHint: pulumi.output(""),
        setupTasks: pulumi.output(noSetupSummary("no-instance")),
        tlsCertificateSha256: pulumi.output(""),
    };
}
