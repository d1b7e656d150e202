import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SsmTasks, TaskSpec } from "../../dynamic-providers/ssmTasks";
import { instanceFacts } from "../shared/catalog";
import { CodeServerConfig } from "../config";
import { Placement } from "./placement";
import { ReservationInfo } from "../reservation";
import { ExistingVolume, workVolumeNote } from "./workVolume";
import { mountWorkVolumeTask } from "./workVolumeTask";

/** nginx in front of code-server listens here; the security group and the port forward both use it. */
export const HTTP_PORT = 80;
/** Local end of the SSM port forward. */
export const LOCAL_PORT = 8080;
/** Where the work volume is attached; on Nitro it shows up as NVMe and is found by its serial instead. */
const WORK_DEVICE_NAME = "/dev/sdf";

export interface CodeServerInstanceArgs {
    config: CodeServerConfig;
    region: string;
    placement: Placement;
    /** Undefined: on demand. */
    reservation?: ReservationInfo;
    /** False while the block is not active: everything but the instance, its attachment and setup is built. */
    launch: boolean;
    /** Setup tasks after the work-volume mount (tasks/code-server-setup.json and any extra task files). */
    tasks: TaskSpec[];
    /** Values for the tasks' variables (USER, HOME_DIR, INTERNAL_PORT, NGINX_PORT, …). */
    variables: Record<string, pulumi.Input<string>>;
    /**
     * The volume named by codeServer.workVolumeId, already looked up and checked to be in the instance's AZ:
     * attached instead of creating one, and never deleted.
     */
    existingWorkVolume?: ExistingVolume;
    tags?: Record<string, string>;
}

const NOT_LAUNCHED = "no instance yet: see nextStep";

/** Commands and URL a user needs; pure so their exact text is tested. */
export function accessCommands(instanceId: string, region: string, secretArn: string, publicDns: string, allowedCidrs: string[]) {
    const portForwardCommand =
        `aws ssm start-session --target ${instanceId} --document-name AWS-StartPortForwardingSession ` +
        `--parameters '{"portNumber":["${HTTP_PORT}"],"localPortNumber":["${LOCAL_PORT}"]}' --region ${region}`;
    return {
        url: allowedCidrs.length && publicDns ? `http://${publicDns}/` : `http://localhost:${LOCAL_PORT}/ (while portForwardCommand runs)`,
        portForwardCommand,
        sessionCommand: `aws ssm start-session --target ${instanceId} --region ${region}`,
        passwordCommand: `aws secretsmanager get-secret-value --secret-id ${secretArn} --query SecretString --output text --region ${region}`,
    };
}

/**
 * A code-server dev box: on the block (launch template with the block's market type and reservation
 * target) or on demand, with a work volume that outlives instances and blocks, and its setup run over SSM.
 */
export class CodeServerInstance extends pulumi.ComponentResource {
    /** Empty until the block is active and the instance is launched. */
    public readonly instanceId: pulumi.Output<string>;
    public readonly launched: boolean;
    public readonly workVolumeId: pulumi.Output<string>;
    /** What `pulumi destroy` does to the work volume, with its id, and how to attach it again. */
    public readonly workVolumeNote: pulumi.Output<string>;
    public readonly passwordSecretArn: pulumi.Output<string>;
    public readonly passwordCommand: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;
    public readonly portForwardCommand: pulumi.Output<string>;
    public readonly sessionCommand: pulumi.Output<string>;
    /** One sentence on how to reach code-server; empty until the instance is launched. */
    public readonly connectHint: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly launchTemplateId: pulumi.Output<string>;

    constructor(name: string, args: CodeServerInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capblocks:index:CodeServerInstance", name, {}, opts);
        const cs = args.config;
        const parent = { parent: this };
        const region = args.region;
        const label = `${pulumi.getProject()}-${pulumi.getStack()}-code-server`;
        const tags = { ...args.tags, Name: label };

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                description: cs.allowedCidrs.length
                    ? `code-server: HTTP ${HTTP_PORT} from ${cs.allowedCidrs.join(", ")}`
                    : "code-server: no inbound access (SSM port forwarding only)",
                vpcId: args.placement.vpcId,
                ingress: cs.allowedCidrs.length
                    ? [{ protocol: "tcp", fromPort: HTTP_PORT, toPort: HTTP_PORT, cidrBlocks: cs.allowedCidrs, description: "code-server via nginx" }]
                    : [],
                // SSM, package mirrors and the secret fetch all go out over HTTPS; no inbound is needed for them.
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "all outbound" }],
                tags,
            },
            parent,
        );

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
        const secret = new aws.secretsmanager.Secret(
            `${name}-password`,
            { description: `code-server password for ${label}`, tags },
            parent,
        );
        const secretVersion = new aws.secretsmanager.SecretVersion(
            `${name}-password`,
            { secretId: secret.id, secretString: password.result },
            parent,
        );

        const partition = aws.getPartitionOutput({}, parent).partition;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `code-server instance role for ${label}`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            parent,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-ssm-core`,
            { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` },
            parent,
        );
        const readPassword = new aws.iam.RolePolicy(
            `${name}-read-password`,
            {
                role: role.id,
                policy: secret.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arn }],
                    }),
                ),
            },
            parent,
        );
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, parent);

        const facts = instanceFacts(cs.instanceType);
        const imageId = cs.amiId ?? aws.ssm.getParameterOutput({ name: facts.amiParameter, region }, parent).value;
        // Root device names differ between images (/dev/sda1 on Ubuntu, /dev/xvda on Amazon Linux); ask the image.
        const rootDeviceName = pulumi
            .output(imageId)
            .apply((id) => aws.ec2.getAmi({ filters: [{ name: "image-id", values: [id] }], region }, parent))
            .apply((ami) => ami.rootDeviceName);
        const block = args.reservation;
        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-lt`,
            {
                description: block ? `code-server on Capacity Block (${cs.instanceType})` : `code-server on demand (${cs.instanceType})`,
                imageId,
                instanceType: cs.instanceType,
                iamInstanceProfile: { arn: profile.arn },
                vpcSecurityGroupIds: [securityGroup.id],
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
                blockDeviceMappings: [
                    {
                        deviceName: rootDeviceName,
                        ebs: { volumeSize: cs.volumeSizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                // EC2 needs both to launch into a block; without the market type it answers
                // "InvalidParameterValue: The market type (purchasing) option is not valid" (AWS-FACTS, Capacity Blocks).
                ...(block
                    ? {
                          instanceMarketOptions: { marketType: "capacity-block" },
                          capacityReservationSpecification: { capacityReservationTarget: { capacityReservationId: block.id } },
                      }
                    : {}),
                tagSpecifications: [
                    { resourceType: "instance", tags },
                    { resourceType: "volume", tags },
                ],
                updateDefaultVersion: true,
                tags,
            },
            // The catalog AMI parameter moves whenever AWS publishes a new DLAMI; pinning the first one keeps a
            // routine `pulumi up` from replacing the dev box. An explicit amiId is followed.
            { ...parent, ignoreChanges: cs.amiId ? [] : ["imageId"] },
        );

        const existing = args.existingWorkVolume;
        const workVolumeId = existing ? pulumi.output(existing.id) : this.newWorkVolume(name, args, label, tags).id;
        const workVolumeSizeGb = existing ? existing.sizeGb : cs.workVolumeSizeGb;

        this.launched = args.launch;
        this.workVolumeId = workVolumeId;
        this.workVolumeNote = workVolumeId.apply((id) => workVolumeNote(id, !existing && cs.deleteWorkVolume));
        this.passwordSecretArn = secret.arn;
        this.securityGroupId = securityGroup.id;
        this.launchTemplateId = launchTemplate.id;
        this.passwordCommand = secret.arn.apply((arn) => accessCommands("", region, arn, "", []).passwordCommand);

        if (!args.launch) {
            this.instanceId = pulumi.output("");
            this.url = pulumi.output(NOT_LAUNCHED);
            this.portForwardCommand = pulumi.output(NOT_LAUNCHED);
            this.sessionCommand = pulumi.output(NOT_LAUNCHED);
            this.connectHint = pulumi.output("");
        } else {
            const instance = new aws.ec2.Instance(
                `${name}-instance`,
                {
                    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                    subnetId: args.placement.subnetId,
                    tags,
                },
                // A block has exactly its instance count of slots: the old instance must go before the new one starts.
                { ...parent, deleteBeforeReplace: true },
            );
            const attachment = new aws.ec2.VolumeAttachment(
                `${name}-work-attachment`,
                {
                    deviceName: WORK_DEVICE_NAME,
                    volumeId: workVolumeId,
                    instanceId: instance.id,
                    // Detaching happens when the instance terminates (at block end EC2 has already done it);
                    // stopping a terminated instance to detach would fail the next `up`.
                    skipDestroy: true,
                },
                { ...parent, deleteBeforeReplace: true },
            );
            const tasks = workVolumeId.apply((volumeId) => [
                mountWorkVolumeTask({ volumeId, mountPoint: cs.homeDir, sizeGb: workVolumeSizeGb }),
                ...args.tasks,
            ]);
            new SsmTasks(
                `${name}-setup`,
                {
                    instanceIds: [instance.id],
                    tasks,
                    variables: args.variables,
                    // Fetched on the instance with its role: the password never travels in a command parameter.
                    secrets: { PASSWORD: secret.arn },
                    region,
                },
                { ...parent, dependsOn: [attachment, secretVersion, readPassword] },
            );
            const access = pulumi
                .all([instance.id, secret.arn, instance.publicDns])
                .apply(([id, arn, dns]) => accessCommands(id, region, arn, dns ?? "", cs.allowedCidrs));
            this.instanceId = instance.id;
            this.url = access.url;
            this.portForwardCommand = access.portForwardCommand;
            this.sessionCommand = access.sessionCommand;
            this.connectHint = cs.allowedCidrs.length
                ? pulumi.interpolate`Open ${access.url} and sign in with the password from passwordCommand.`
                : pulumi.output(`Run portForwardCommand, open http://localhost:${LOCAL_PORT}/ and sign in with the password from passwordCommand.`);
        }

        this.registerOutputs({
            instanceId: this.instanceId,
            workVolumeId: this.workVolumeId,
            passwordCommand: this.passwordCommand,
            url: this.url,
            portForwardCommand: this.portForwardCommand,
            sessionCommand: this.sessionCommand,
        });
    }

    /** A new encrypted gp3 work volume in the instance's AZ; it survives the block and `pulumi destroy` unless the user opts out. */
    private newWorkVolume(name: string, args: CodeServerInstanceArgs, label: string, tags: Record<string, string>): aws.ebs.Volume {
        const cs = args.config;
        return new aws.ebs.Volume(
            `${name}-work`,
            {
                availabilityZone: args.placement.availabilityZone,
                size: cs.workVolumeSizeGb,
                type: "gp3",
                encrypted: true,
                tags: { ...tags, Name: `${label}-work`, "capblocks:mount-point": cs.homeDir },
            },
            { parent: this, retainOnDelete: !cs.deleteWorkVolume },
        );
    }
}
