/**
 * Every default of the stack config: the static ones, then those that follow from other keys (the block's
 * instance type, the catalog's root volume size, a cluster name from project and stack).
 */
import { nodeImageFrom } from "../cluster/nodeImagePlan";
import { instanceFacts } from "../shared/catalog";
import { CODE_SERVER_VERSION, DEFAULT_EXTENSIONS } from "./codeServerSoftware";
import { adoptedBy, configuredBlockType } from "./crossKeyRules";
import type {
    BuyReservationConfig,
    ClusterConfig,
    ClusterInput,
    CodeServerConfig,
    CodeServerInput,
    ReservationConfig,
    ReservationInput,
} from "./types";

const BUY_DEFAULTS = {
    instanceCount: 1,
    selection: "cheapest",
    generation: 1,
    instancePlatform: "Linux/UNIX",
} satisfies Partial<BuyReservationConfig>;

const CODE_SERVER_DEFAULTS = {
    enabled: true,
    workVolumeSizeGb: 200,
    deleteWorkVolume: false,
    user: "coder",
    homeDir: "/work",
    allowedCidrs: [],
    allowPublicInternet: false,
    taskFiles: [],
    prebake: true,
    internalPort: 8080,
    version: CODE_SERVER_VERSION,
    extensions: DEFAULT_EXTENSIONS,
    locale: "en_US.UTF-8",
    workspaceTrust: false,
    efa: false,
} satisfies Partial<CodeServerConfig>;

/** nginx's port: HTTPS's own when it serves allowedCidrs, HTTP's when only the port forward could reach it. */
export function defaultNginxPort(allowedCidrs: string[]): number {
    return allowedCidrs.length ? 443 : 80;
}

const CLUSTER_DEFAULTS = {
    enabled: false,
    slurmVersion: "25.05",
    size: "SMALL",
    loginInstanceType: "m7i.large",
    loginPublic: false,
    sharedStorage: "efs",
    deleteSharedStorage: false,
    computeMinCount: 0,
    shareBlockWithCodeServer: true,
    containers: false,
    sharedHome: true,
    dataBuckets: [],
    exclusiveNodes: true,
    allowAllEgress: false,
} satisfies Partial<ClusterConfig>;

export function reservationFrom(r: ReservationInput): ReservationConfig {
    const published = r.publishParameter !== undefined ? { publishParameter: r.publishParameter } : {};
    if (adoptedBy(r).length) {
        return { kind: "adopt", id: r.id, parameterName: r.parameterName, ...(r.instanceType !== undefined ? { instanceType: r.instanceType } : {}), ...published };
    }
    // Missing required keys are problems the rules report: these placeholders never reach the program.
    const instanceType = r.instanceTypes === undefined ? { instanceType: r.instanceType ?? "" } : {};
    const durationHours = r.durationHours ?? 0;
    return { kind: "buy", ...BUY_DEFAULTS, ...r, ...instanceType, durationHours, maxUpfrontFee: String(r.maxUpfrontFee) };
}

export function codeServerFrom(c: CodeServerInput, reservation: ReservationConfig | undefined): CodeServerConfig {
    const instanceType = c.instanceType ?? (reservation ? configuredBlockType(reservation) : undefined);
    const nginxPort = defaultNginxPort(c.allowedCidrs ?? CODE_SERVER_DEFAULTS.allowedCidrs);
    const volumeSizeFromCatalog = c.volumeSizeGb === undefined;
    if (instanceType === undefined && reservation) {
        // The block says its type once it is found or bought: until then the box's type and default root size wait.
        return {
            ...CODE_SERVER_DEFAULTS, volumeSizeGb: 0, nginxPort, ...c, instanceType: "", volumeSizeFromCatalog,
            typeFromBlock: c.volumeSizeGb !== undefined ? { volumeSizeGb: c.volumeSizeGb } : {},
        };
    }
    return {
        ...CODE_SERVER_DEFAULTS, volumeSizeGb: instanceFacts(instanceType ?? "").devBoxRootVolumeGb, nginxPort, ...c,
        instanceType: instanceType ?? "", volumeSizeFromCatalog,
    };
}

/** The box's settings once the block's type is known: the block's type, and the catalog's dev-box root size unless one was set. */
export function withBlockType(cs: CodeServerConfig, blockType: string): CodeServerConfig {
    if (!cs.typeFromBlock) return cs;
    const { typeFromBlock, ...rest } = cs;
    return { ...rest, instanceType: blockType, volumeSizeGb: typeFromBlock.volumeSizeGb ?? instanceFacts(blockType).devBoxRootVolumeGb };
}

function defaultClusterName(project: string, stack: string): string {
    const name = `${project}-${stack}`.replace(/[^A-Za-z0-9-]/g, "-").replace(/^[^A-Za-z]+/, "");
    return (name || "capblocks").slice(0, 40);
}

/** `computeInstanceType`: the block's type, which decides whether a node image is built by default. */
export function clusterFrom(c: ClusterInput, project: string, stack: string, computeInstanceType?: string): ClusterConfig {
    const image = nodeImageFrom(c.image ?? {}, { amiId: c.amiId, computeInstanceType });
    return { ...CLUSTER_DEFAULTS, name: defaultClusterName(project, stack), ...c, image };
}
