import type { AwsSettings } from "../shared/awsSettings";
import type { EfaOverride } from "../shared/efaLayout";

/**
 * The stack config's types: the typed, defaulted config the program reads (`…Config`), and the raw values
 * Pulumi hands over. Types only, so every module can depend on them without depending on the checks.
 */

/**
 * `capblocks:reservation.publishParameter`: write the block's id (and the subnet it is used from) to the seed scripts' SSM
 * parameters; "overwrite" also takes over parameters that already exist (components/reservation/publishedParameters.ts).
 */
export type PublishParameter = boolean | "overwrite";

/** `capblocks:reservation` when buying a block. */
export interface BuyReservationConfig {
    kind: "buy";
    /** The one type to buy; exactly one of instanceType and instanceTypes is set. */
    instanceType?: string;
    /** The acceptable types: the purchase takes the cheapest per accelerator-hour; the block then is that type. */
    instanceTypes?: string[];
    instanceCount: number;
    durationHours: number;
    startAfter?: string;
    startBefore?: string;
    availabilityZones?: string[];
    /** USD, decimal string. */
    maxUpfrontFee: string;
    selection: "cheapest" | "earliest";
    generation: number;
    instancePlatform: string;
    publishParameter?: PublishParameter;
}

/** `capblocks:reservation` when adopting a block bought elsewhere, by id or by SSM parameter name. */
export interface AdoptReservationConfig {
    kind: "adopt";
    id?: string;
    parameterName?: string;
    /** The type the adopted block must be, checked against it; unset: the block says what it is. */
    instanceType?: string;
    publishParameter?: PublishParameter;
}

export type ReservationConfig = BuyReservationConfig | AdoptReservationConfig;

export interface CodeServerConfig {
    enabled: boolean;
    /**
     * Defaults to the reservation's type; empty only when code-server is disabled and there is no block, or until the
     * program learns the block's type (typeFromBlock).
     */
    instanceType: string;
    /**
     * Set when the type is the block's and the config does not say it (a block adopted by id or parameterName, or bought
     * among reservation.instanceTypes): the program sets instanceType, and the root volume's default with it, from the
     * block before anything uses them (withBlockType). Holds volumeSizeGb when the user set it.
     */
    typeFromBlock?: { volumeSizeGb?: number };
    /** Root volume, GiB; defaults from the catalog. */
    volumeSizeGb: number;
    /** True when volumeSizeGb is the catalog's default, not set in config: a running box keeps the size it started with. */
    volumeSizeFromCatalog: boolean;
    workVolumeSizeGb: number;
    deleteWorkVolume: boolean;
    /** An existing EBS volume (`vol-…`) to attach instead of creating one; capblocks never deletes it. */
    workVolumeId?: string;
    user: string;
    homeDir: string;
    /** Empty: no inbound rule at all; connect by SSM port forwarding. Else nginx serves HTTPS to these only. */
    allowedCidrs: string[];
    /** True: allowedCidrs may admit the whole internet (0.0.0.0/0, ::/0); refused otherwise. */
    allowPublicInternet: boolean;
    /** code-server listens on 127.0.0.1 here; the SSM port forward reaches it directly. */
    internalPort: number;
    /** nginx, in front of code-server, listens here: HTTPS with allowedCidrs (default 443), else HTTP (default 80). */
    nginxPort: number;
    /** The code-server release installed (a version of its GitHub releases, without the v). */
    version: string;
    /** Open VSX extension ids installed for the user; one that cannot be installed is a warning, not a failure. */
    extensions: string[];
    /** LANG and LC_ALL on the box. */
    locale: string;
    /** False: VS Code's workspace trust is off (no trust prompt, no restricted mode), as in the CDK setup capblocks replaces. */
    workspaceTrust: boolean;
    /** True: one EFA interface per network card, where the instance type supports EFA. */
    efa: boolean;
    amiId?: string;
    subnetId?: string;
    /** On demand only (a block fixes its own AZ); defaults to the subnet's AZ, else `<region>a`. */
    availabilityZone?: string;
    /** Extra task files (paths relative to the project) run after tasks/code-server-setup.json. */
    taskFiles: string[];
    /** True: Capacity Block hardware (p4d/p5/p6/trn…) may run on demand, billed by the hour; asked for explicitly. */
    onDemand?: boolean;
    /** On demand only: stop the instance after this many minutes with its CPU idle (codeServer/idleStop.ts); unset: never. */
    idleStopMinutes?: number;
    /** The code-server password, set as a Pulumi secret; undefined: a random one is generated. */
    password?: string;
    /** Secrets task files read on the instance: placeholder name → SSM SecureString parameter name or Secrets Manager ARN. */
    secrets?: Record<string, string>;
    /**
     * Bake the `image` setup tasks into a dev image before the block starts (codeServer/prebake.ts): true (in the
     * 48 hours before it), "now" (on this run), false (never: the whole setup runs on the box).
     */
    prebake: boolean | "now";
    /** False: the box (instance, work volume, access) is built but not set up: no setup tasks run. Absent: true. */
    setup?: boolean;
    /** Setup tasks to run once more (ids, or "all"): a list runs them when it changes; `{tasks, id}` each time `id` changes. */
    rerun?: string[] | RerunConfig;
}

/** `capblocks:codeServer.rerun`. */
export interface RerunConfig {
    tasks: string[];
    /** Any new value (a number to bump, or a label) runs the tasks once more; the same value changes nothing. */
    id: number | string;
}

export type SharedStorage = "efs" | "fsx-lustre" | "none";

/** `capblocks:cluster.image`: the node image capblocks builds with EC2 Image Builder, on top of the PCS-ready DLAMI. */
export interface NodeImageConfig {
    /** Defaults to true for Trainium/Inferentia types (the PCS-ready DLAMI has no Neuron driver) and when extras are asked for. */
    build: boolean;
    /** Extra Ubuntu packages (apt) installed into the image. */
    packages: string[];
    /** Extra Image Builder component ARNs (yours or AWS-managed) run after capblocks' own. */
    components: string[];
    /** The x86_64 instance type the image is built on (no accelerator needed). */
    buildInstanceType: string;
    /** Bump to build the image again (the latest base image and packages); the nodes move to it. */
    generation: number;
}

export interface ClusterConfig {
    enabled: boolean;
    /** PCS cluster name; defaults from project and stack. */
    name: string;
    slurmVersion: string;
    size: "SMALL" | "MEDIUM" | "LARGE";
    loginInstanceType: string;
    loginPublic: boolean;
    sharedStorage: SharedStorage;
    /** False (default): `pulumi destroy` keeps the EFS file system, or takes a final backup of FSx for Lustre. */
    deleteSharedStorage: boolean;
    /** An existing EFS file system (`fs-…`) to mount instead of creating one; capblocks never deletes it. */
    sharedFileSystemId?: string;
    computeMinCount: number;
    /** An image of your own for the nodes (PCS agent and Slurm, plus drivers); no image is built then. */
    amiId?: string;
    vpcId?: string;
    computeSubnetId?: string;
    loginSubnetId?: string;
    /** The node image capblocks builds, or not (build: false). */
    image: NodeImageConfig;
    /** EFA interfaces of the compute nodes, for a type the catalog does not know (or to change its layout). */
    efaInterfaces?: EfaOverride;
    /** True (default): code-server runs on one of the block's instances and the cluster gets the rest. */
    shareBlockWithCodeServer: boolean;
    /** Enroot and Pyxis on every node (`srun --container-image`), and read access to ECR. */
    containers: boolean;
    /** /home on the shared file system (when there is one), so every node sees the same home directories. */
    sharedHome: boolean;
    /** S3 buckets the nodes may read (list and get objects); none by default. */
    dataBuckets: string[];
    /** FSx for Lustre: the S3 prefix whose objects appear under /fsx/data (kept in step as they change). */
    lustreImportPath?: string;
    /** FSx for Lustre: the S3 prefix that files written under /fsx/results (or /fsx/data, for the import path) go to. */
    lustreExportPath?: string;
    /** Each job gets whole nodes (Slurm OverSubscribe=EXCLUSIVE on the queue). */
    exclusiveNodes: boolean;
    /** Nodes may open connections to any port outside the VPC, not only HTTP and HTTPS. */
    allowAllEgress: boolean;
}

export interface StackConfig {
    region: string;
    /** The `aws` provider's account settings (profile, roles, keys), for the dynamic providers to sign with. */
    aws: AwsSettings;
    /** Undefined: on-demand, no block. */
    reservation?: ReservationConfig;
    /** The dev box; on the block, or on demand when there is no reservation. */
    codeServer: CodeServerConfig;
    cluster: ClusterConfig;
    tags: Record<string, string>;
}

/** The stack config as Pulumi hands it over: parsed JSON values, nothing checked yet. */
export interface RawStackConfig {
    project: string;
    stack: string;
    region?: unknown;
    reservation?: unknown;
    codeServer?: unknown;
    cluster?: unknown;
    tags?: unknown;
    /** The `aws:*` values as Pulumi hands them over (lists and objects as JSON text). */
    aws?: Record<string, string>;
    /** Every other key set in the `capblocks` namespace (flat keys set without --path, typos or leftovers). */
    otherKeys?: string[];
    /** The values of otherKeys as Pulumi hands them over, for the command that sets them right. */
    otherValues?: Record<string, string>;
    /** Every key of the stack, whatever its namespace (a look-alike of `capblocks:` is a mistake). */
    allKeys?: string[];
    /** The keys Pulumi marks secret (set with --secret, or holding a value that was): their values are never shown. */
    secretKeys?: string[];
}

/** What a user may write under `capblocks:reservation`: the buy and the adopt keys, all optional until the rules run. */
export type ReservationInput = Partial<Omit<BuyReservationConfig, "kind" | "maxUpfrontFee"> & Omit<AdoptReservationConfig, "kind">> & {
    maxUpfrontFee?: string | number;
};
export type CodeServerInput = Partial<Omit<CodeServerConfig, "typeFromBlock" | "volumeSizeFromCatalog">>;
export type ClusterInput = Partial<Omit<ClusterConfig, "image">> & { image?: Partial<NodeImageConfig> };

/** The raw config once every value has its schema's shape; the rules across keys and the defaults come next. */
export interface StackInput {
    region: string;
    reservation?: ReservationInput;
    codeServer: CodeServerInput;
    cluster: ClusterInput;
    tags: Record<string, string>;
}
