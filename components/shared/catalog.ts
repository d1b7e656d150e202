/**
 * Instance facts the program needs before it can ask AWS anything: which accelerator (and so which AMI),
 * whether EFA is supported and over how many network cards, sensible root volumes, and whether EC2
 * Capacity Blocks sell the type.
 *
 * Sources: EC2 user guide "Capacity Blocks for ML" (supported instance types; G-family types are not sold as
 * blocks), "Elastic Fabric Adapter" (supported types) and "Network cards" (cards per type; check one with
 * `aws ec2 describe-instance-types` → NetworkInfo.NetworkCards), and docs/aws-notes.md#efa-network-cards for
 * p6-b300.48xlarge. The block list changes over time, so an unknown type is never an error here: it gets defaults
 * and one warning naming the settings that override them, and EC2 itself is the judge.
 */

export type Accelerator = "neuron" | "nvidia";

export interface InstanceFacts {
    instanceType: string;
    accelerator: Accelerator;
    efaSupported: boolean;
    /** Physical network cards; with EFA, one EFA interface per card that supports it. */
    networkCards: number;
    /** False when network card 0 carries only the primary ENA interface and EFA starts at card 1 (p6-b300). */
    primaryCardEfa: boolean;
    /** Recommended encrypted gp3 root volume of a cluster node, GiB (DLAMIs ship ~100 GiB of frameworks and drivers). */
    rootVolumeGb: number;
    /**
     * Recommended root volume of the code-server dev box, GiB: it also holds the models, datasets and environments
     * a person works with (cluster nodes keep theirs on shared storage).
     */
    devBoxRootVolumeGb: number;
    /** Public SSM parameter holding the current DLAMI id for this accelerator. */
    amiParameter: string;
    /** Whether EC2 Capacity Blocks for ML offer this type. */
    blockEligible: boolean;
    /** False when the type is not in this catalog and the values are defaults. */
    known: boolean;
}

export const NEURON_AMI_PARAMETER = "/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id";
/**
 * "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04)", x86_64: the image AWS lists G7e (and the P and G
 * families in the catalog) for, Ubuntu 24.04 like the Neuron DLAMI and the PCS nodes (docs/aws-notes.md#ami-ssm-parameters).
 */
export const NVIDIA_AMI_PARAMETER =
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id";

type Row = Omit<InstanceFacts, "instanceType" | "amiParameter" | "known" | "devBoxRootVolumeGb">;

const row =
    (accelerator: Accelerator) =>
    (efaSupported: boolean, networkCards: number, rootVolumeGb: number, blockEligible: boolean, primaryCardEfa = true): Row => ({
        accelerator,
        efaSupported,
        networkCards,
        primaryCardEfa,
        rootVolumeGb,
        blockEligible,
    });
const neuron = row("neuron");
const nvidia = row("nvidia");

/**
 * Dev-box roots where the CDK projects capblocks replaces recommend more than a cluster node needs: the
 * trn2.3xlarge code-server box's 500 GiB default, and the G7e sizes of the NIXL/EFA dev stack (2x/4x/8x/12x/24x/48x
 * = 200/200/300/300/500/1000). Every other type's dev box gets the node's root size.
 */
const DEV_BOX_ROOT_GB: Record<string, number> = {
    "trn2.3xlarge": 500,
    "g7e.2xlarge": 200,
    "g7e.4xlarge": 200,
    "g7e.8xlarge": 300,
    "g7e.12xlarge": 300,
    "g7e.24xlarge": 500,
    "g7e.48xlarge": 1000,
};

const CATALOG: Record<string, Row> = {
    "trn1.2xlarge": neuron(false, 1, 200, false),
    "trn1.32xlarge": neuron(true, 8, 500, true),
    "trn1n.32xlarge": neuron(true, 16, 500, false),
    "trn2.3xlarge": neuron(true, 1, 300, true),
    "trn2.48xlarge": neuron(true, 16, 500, true),
    "inf2.xlarge": neuron(false, 1, 200, false),
    "inf2.8xlarge": neuron(false, 1, 200, false),
    "inf2.24xlarge": neuron(false, 1, 300, false),
    "inf2.48xlarge": neuron(false, 1, 500, false),
    "p4d.24xlarge": nvidia(true, 4, 500, true),
    "p4de.24xlarge": nvidia(true, 4, 500, true),
    "p5.4xlarge": nvidia(true, 1, 300, true),
    "p5.48xlarge": nvidia(true, 32, 500, true),
    "p5e.48xlarge": nvidia(true, 32, 500, true),
    "p5en.48xlarge": nvidia(true, 16, 500, true),
    "p6-b200.48xlarge": nvidia(true, 8, 500, true),
    // 17 network cards; EFA on cards 1-16, card 0 the ENA primary (docs/aws-notes.md#efa-network-cards).
    "p6-b300.48xlarge": nvidia(true, 17, 500, true, false),
    "g6e.xlarge": nvidia(false, 1, 200, false),
    "g6e.2xlarge": nvidia(false, 1, 200, false),
    "g6e.4xlarge": nvidia(false, 1, 200, false),
    "g6e.8xlarge": nvidia(true, 1, 200, false),
    "g6e.12xlarge": nvidia(true, 1, 300, false),
    "g6e.16xlarge": nvidia(true, 1, 300, false),
    "g6e.24xlarge": nvidia(true, 2, 300, false),
    "g6e.48xlarge": nvidia(true, 4, 500, false),
    "g7e.2xlarge": nvidia(false, 1, 200, false),
    "g7e.4xlarge": nvidia(false, 1, 200, false),
    "g7e.8xlarge": nvidia(true, 1, 200, false),
    "g7e.12xlarge": nvidia(true, 1, 300, false),
    "g7e.24xlarge": nvidia(true, 2, 300, false),
    "g7e.48xlarge": nvidia(true, 4, 500, false),
};

/** The instance types this catalog knows (for "did you mean" on a misspelt one). */
export const CATALOG_TYPES: readonly string[] = Object.keys(CATALOG);

/**
 * Families sold as Capacity Blocks (the catalog's block-eligible types, plus their newer siblings EC2 may add:
 * p4d, p4de, p5*, p6*, trn1*, trn2*). On demand they cost tens of USD an hour per instance, so running one on demand
 * must be asked for (capblocks:codeServer.onDemand).
 */
const BLOCK_FAMILIES = /^(p4d|p4de|p5[a-z]*|p6[a-z0-9-]*|trn1[a-z]*|trn2[a-z]*)\./;

/** Whether the type is Capacity Block hardware: in a block family, or marked block-eligible in the catalog. */
export function isBlockHardware(instanceType: string): boolean {
    return BLOCK_FAMILIES.test(instanceType) || CATALOG[instanceType]?.blockEligible === true;
}

/** Families whose accelerator is AWS Neuron (Trainium/Inferentia); everything else here is NVIDIA. */
const NEURON_FAMILY = /^(trn|inf)\d/;

function amiParameterFor(accelerator: Accelerator): string {
    return accelerator === "neuron" ? NEURON_AMI_PARAMETER : NVIDIA_AMI_PARAMETER;
}

/**
 * Facts for an instance type. Unknown types get defaults guessed from the family (neuron for trn/inf,
 * otherwise nvidia), no EFA, one network card, a 200 GiB root, and `known: false` so callers can warn.
 */
export function instanceFacts(instanceType: string): InstanceFacts {
    const row = CATALOG[instanceType];
    if (row) {
        const devBoxRootVolumeGb = DEV_BOX_ROOT_GB[instanceType] ?? row.rootVolumeGb;
        return { instanceType, ...row, devBoxRootVolumeGb, amiParameter: amiParameterFor(row.accelerator), known: true };
    }
    const accelerator: Accelerator = NEURON_FAMILY.test(instanceType) ? "neuron" : "nvidia";
    return {
        instanceType,
        accelerator,
        efaSupported: false,
        networkCards: 1,
        primaryCardEfa: true,
        rootVolumeGb: 200,
        devBoxRootVolumeGb: 200,
        amiParameter: amiParameterFor(accelerator),
        blockEligible: false,
        known: false,
    };
}

/**
 * Accelerators per instance: GPUs for NVIDIA types, Trainium chips for trn, Inferentia chips for inf (a chip, not a
 * NeuronCore). Prices are compared per accelerator-hour with these (capblocks:reservation.instanceTypes, `npm run
 * offerings`). Sources: EC2 "Accelerated computing instance specifications"
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html) and the Neuron architecture guides for Trn1, Trn2 and
 * Inf2 (https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/index.html). A separate table from the
 * catalog rows: p6-b300.48xlarge is listed here (8 NVIDIA B300 GPUs) while its network facts are not verified yet.
 */
const ACCELERATORS: Record<string, number> = {
    "p4d.24xlarge": 8,
    "p4de.24xlarge": 8,
    "p5.4xlarge": 1,
    "p5.48xlarge": 8,
    "p5e.48xlarge": 8,
    "p5en.48xlarge": 8,
    "p6-b200.48xlarge": 8,
    "p6-b300.48xlarge": 8,
    "trn1.2xlarge": 1,
    "trn1.32xlarge": 16,
    "trn1n.32xlarge": 16,
    "trn2.3xlarge": 1,
    "trn2.48xlarge": 16,
    "inf2.xlarge": 1,
    "inf2.8xlarge": 1,
    "inf2.24xlarge": 6,
    "inf2.48xlarge": 12,
};

/** How many accelerators one instance of the type has; undefined when capblocks does not know. */
export function acceleratorsPerInstance(instanceType: string): number | undefined {
    return ACCELERATORS[instanceType];
}

/**
 * Defaults guessed for an unknown type are only a guess: say so once, and name the settings that override them
 * (`overrides`: the keys that apply to this stack, e.g. capblocks:cluster.efaInterfaces). Without EFA a cluster's
 * multi-node jobs talk over plain TCP, so that is said plainly.
 */
export function unknownTypeWarning(facts: InstanceFacts, overrides: string[]): string | undefined {
    if (facts.known) return undefined;
    const settings = overrides.length > 0 ? `set ${overrides.join(", ")}` : "choose a type from the catalog";
    return (
        `instance type ${facts.instanceType} is not in capblocks' catalog: assuming ${facts.accelerator} ` +
        `accelerator, no EFA (multi-node traffic over plain TCP), ${facts.rootVolumeGb} GiB root volume ` +
        `(AMI ${facts.amiParameter}). If these are wrong, ${settings}; ` +
        `\`aws ec2 describe-instance-types --instance-types ${facts.instanceType} --query "InstanceTypes[0].NetworkInfo"\` ` +
        "shows its network cards and EFA support."
    );
}
