/**
 * Which image the PCS nodes boot, decided from the config alone: the PCS-ready DLAMI, the user's own image
 * (`cluster.amiId`), or one capblocks builds with EC2 Image Builder on top of the PCS-ready DLAMI (`cluster.image`).
 *
 * The PCS-ready DLAMI carries the PCS agent, Slurm and the NVIDIA stack, but no AWS Neuron driver
 * (docs/aws-notes.md#pcs-amis): a Trainium/Inferentia cluster on it buys a block no Neuron job can use. So for
 * those types capblocks builds an image with the Neuron driver unless the user gives one, and a config that
 * would leave them on the plain DLAMI is an error before anything is bought.
 */
import type { ClusterConfig, NodeImageConfig } from "../config/types";
import { instanceFacts } from "../shared/catalog";

/** Cheap, current-generation x86_64 (the PCS-ready DLAMI is x86_64); no accelerator is needed to install drivers. */
const DEFAULT_BUILD_INSTANCE_TYPE = "m7i.large";

/** Graviton families (m7g, c7gn, t4g, g5g …) are arm64 and cannot build an x86_64 image. */
const ARM64_FAMILY = /^[a-z]+\d+g[a-z]*\./;

function isArm64Type(instanceType: string): boolean {
    return ARM64_FAMILY.test(instanceType);
}

interface NodeImageContext {
    amiId?: string;
    /** The block's instance type; undefined when there is no block (then the cluster is an error anyway). */
    computeInstanceType?: string;
}

/** Whether nodes of this type need the Neuron driver in their image: Trainium/Inferentia. */
export function needsNeuron(instanceType: string | undefined): boolean {
    return instanceType !== undefined && instanceFacts(instanceType).accelerator === "neuron";
}

/**
 * The image settings with their defaults. `build` defaults to true when the nodes need the Neuron driver or extras
 * are asked for, unless the user gives an image of their own (amiId).
 */
export function nodeImageFrom(set: Partial<NodeImageConfig>, context: NodeImageContext): NodeImageConfig {
    const packages = set.packages ?? [];
    const components = set.components ?? [];
    const wantsExtras = packages.length > 0 || components.length > 0;
    const build = set.build ?? (context.amiId === undefined && (needsNeuron(context.computeInstanceType) || wantsExtras));
    return {
        build,
        packages,
        components,
        buildInstanceType: set.buildInstanceType ?? DEFAULT_BUILD_INSTANCE_TYPE,
        generation: set.generation ?? 1,
    };
}

/** The image rules, each `<key>: <value> <rule>; <fix>`; `computeInstanceType` is the block's type. */
export function nodeImageErrors(cluster: Pick<ClusterConfig, "amiId" | "image">, computeInstanceType: string): string[] {
    const { amiId, image } = cluster;
    const extras = [
        ...(image.packages.length > 0 ? ["packages"] : []),
        ...(image.components.length > 0 ? ["components"] : []),
    ];
    const problems: string[] = [];
    if (amiId && image.build) {
        problems.push(
            `capblocks:cluster.image.build: true and capblocks:cluster.amiId ${amiId} both name the node image; ` +
                "remove amiId to let capblocks build the image, or remove image.build to boot your own",
        );
    } else if (amiId && extras.length > 0) {
        problems.push(
            `capblocks:cluster.image.${extras[0]}: only apply to the image capblocks builds, but capblocks:cluster.amiId ${amiId} ` +
                "is your own image; install them in your image, or remove amiId",
        );
    } else if (!image.build && extras.length > 0) {
        problems.push(`capblocks:cluster.image.${extras[0]}: only apply when image.build is true; remove image.build: false or the ${extras[0]}`);
    }
    if (needsNeuron(computeInstanceType) && !amiId && !image.build) {
        problems.push(
            `capblocks:cluster.image.build: false leaves the ${computeInstanceType} nodes on the PCS-ready DLAMI, which has no ` +
                "AWS Neuron driver, so no Neuron job could use the block; nothing was bought. Remove image.build: false " +
                "(capblocks builds an image with the Neuron driver), or set capblocks:cluster.amiId to an image with the PCS agent, Slurm and Neuron",
        );
    }
    if (image.build && isArm64Type(image.buildInstanceType)) {
        problems.push(
            `capblocks:cluster.image.buildInstanceType: ${image.buildInstanceType} is an arm64 (Graviton) type, and the PCS-ready DLAMI ` +
                `the image starts from is x86_64; use an x86_64 type such as ${DEFAULT_BUILD_INSTANCE_TYPE}`,
        );
    }
    return problems;
}
