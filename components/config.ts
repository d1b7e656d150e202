// SKELETON: the types below are the contract; reading and schema validation are built in issue 4.

/** `capblocks:reservation` when buying a block. */
export interface BuyReservationConfig {
    kind: "buy";
    instanceType: string;
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
}

/** `capblocks:reservation` when adopting a block bought elsewhere, by id or by SSM parameter name. */
export interface AdoptReservationConfig {
    kind: "adopt";
    id?: string;
    parameterName?: string;
    /** The type the adopted block must be (checked against the reservation). */
    instanceType: string;
}

export type ReservationConfig = BuyReservationConfig | AdoptReservationConfig;

export interface CodeServerConfig {
    enabled: boolean;
    /** Defaults to the reservation's type. */
    instanceType: string;
    /** Root volume, GiB; defaults from the catalog. */
    volumeSizeGb: number;
    workVolumeSizeGb: number;
    deleteWorkVolume: boolean;
    user: string;
    homeDir: string;
    /** Empty: no inbound rule at all; connect by SSM port forwarding. */
    allowedCidrs: string[];
    amiId?: string;
    subnetId?: string;
    /** Extra task files (paths relative to the project) run after tasks/code-server-setup.json. */
    taskFiles: string[];
}

export type SharedStorage = "efs" | "fsx-lustre" | "none";

export interface ClusterConfig {
    enabled: boolean;
    /** PCS cluster name; defaults from project and stack. */
    name: string;
    slurmVersion: string;
    size: "SMALL" | "MEDIUM" | "LARGE";
    /** Compute node type; defaults to the reservation's. */
    computeInstanceType: string;
    loginInstanceType: string;
    loginPublic: boolean;
    sharedStorage: SharedStorage;
    computeMinCount: number;
    amiId?: string;
    vpcId?: string;
    computeSubnetId?: string;
    loginSubnetId?: string;
}

export interface StackConfig {
    region: string;
    /** Undefined: on-demand, no block. */
    reservation?: ReservationConfig;
    /** Instance type used on demand when there is no reservation (from codeServer.instanceType). */
    codeServer: CodeServerConfig;
    cluster: ClusterConfig;
    tags: Record<string, string>;
}
