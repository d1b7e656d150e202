/**
 * NodeImage: the PCS node image capblocks builds with EC2 Image Builder on `pulumi up`, before the node groups
 * are created (they boot from it): the PCS-ready DLAMI plus capblocks' components (the Neuron driver for
 * Trainium/Inferentia, the user's packages) and the user's own components (shared/imageBuild.ts makes the
 * Image Builder resources).
 *
 * The build instance is x86_64 with no accelerator, in the cluster's home subnet and node security group, so it
 * reaches the package repositories through the cluster's NAT. The image is built once; it is built again only when
 * what defines it changes (components, packages, cluster.image.generation), and the nodes then move to the new AMI.
 * docs/aws-notes.md#node-images.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NodeImageConfig } from "../config/types";
import { imageBuild } from "../shared/imageBuild";
import type { ComponentSpec } from "../shared/imageDocument";
import { contentDigest } from "../shared/imageDocument";
import { PCS_DLAMI_PARAMETER } from "./ami";
import { NEURON_COMPONENT, packagesComponent } from "./imageComponents";

/** Build, validate, test instance and snapshot: AWS's PCS DLAMI recipe reports 30-45 minutes; room for slow days. */
const BUILD_TIMEOUT = "150m";
const TEST_TIMEOUT_MINUTES = 90;

export interface NodeImageArgs {
    clusterName: string;
    image: NodeImageConfig;
    /** Install the Neuron driver (the compute nodes are Trainium/Inferentia). */
    neuron: boolean;
    region: string;
    /** Where the build instance runs: a subnet with a route to the internet (package repositories), and a group allowing egress. */
    subnetId: pulumi.Input<string>;
    securityGroupId: pulumi.Input<string>;
    /** Resources the build needs first (the NAT routes). */
    networkReady: pulumi.Resource[];
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** capblocks' components for this image, in the order they run. */
function imageComponentSpecs(image: NodeImageConfig, neuron: boolean): ComponentSpec[] {
    return [...(neuron ? [NEURON_COMPONENT] : []), ...(image.packages.length > 0 ? [packagesComponent(image.packages)] : [])];
}

/** The recipe's description (an input that replaces it, so its name's digest covers it). */
function recipeDescription(clusterName: string, neuron: boolean): string {
    return `PCS-ready DLAMI for cluster ${clusterName}${neuron ? " with the AWS Neuron driver" : ""}`;
}

/** The recipe's name: it changes whenever anything the image is built from changes. */
export function recipeName(clusterName: string, image: NodeImageConfig, documents: string[], neuron: boolean): string {
    const digest = contentDigest(PCS_DLAMI_PARAMETER, String(image.generation), recipeDescription(clusterName, neuron), ...documents, ...image.components);
    return `${clusterName}-node-${digest}`;
}

export class NodeImage extends pulumi.ComponentResource {
    /** The built AMI, for the login and compute node groups. */
    public readonly amiId: pulumi.Output<string>;
    /** ARNs of capblocks' components, for reuse elsewhere (e.g. `pcluster build-image` Build.Components). */
    public readonly componentArns: pulumi.Output<string[]>;

    constructor(name: string, args: NodeImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capblocks:index:NodeImage", name, {}, opts);
        const cluster = args.clusterName;
        const built = imageBuild(name, {
            what: `the node image of cluster ${cluster}`,
            configKey: "capblocks:cluster.image",
            namePrefix: cluster,
            recipeName: (documents) => recipeName(cluster, args.image, documents, args.neuron),
            recipeDescription: recipeDescription(cluster, args.neuron),
            parentImage: `ssm:${PCS_DLAMI_PARAMETER}`,
            specs: imageComponentSpecs(args.image, args.neuron),
            supportedOsVersions: ["Ubuntu 24"],
            extraComponentArns: args.image.components,
            infrastructure: {
                name: `${cluster}-node-image`,
                description: `Build instance for the node image of cluster ${cluster}`,
                instanceTypes: [args.image.buildInstanceType],
                subnetId: args.subnetId,
                securityGroupId: args.securityGroupId,
            },
            distribution: {
                name: `${cluster}-node-image`,
                description: `The node AMI of cluster ${cluster}`,
                amiName: `${cluster}-node-{{ imagebuilder:buildDate }}`,
                amiTags: { ...args.tags, "capblocks:image": cluster },
            },
            testTimeoutMinutes: TEST_TIMEOUT_MINUTES,
            buildTimeout: BUILD_TIMEOUT,
            region: args.region,
            partition: args.partition,
            tags: args.tags,
            dependsOn: args.networkReady,
        }, this);
        this.amiId = built.amiId;
        this.componentArns = pulumi.all(built.componentArns);
        this.registerOutputs({ amiId: this.amiId, componentArns: this.componentArns });
    }
}
