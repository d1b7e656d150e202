/**
 * NodeImage: the PCS node image capblocks builds with EC2 Image Builder on `pulumi up`, before the node groups
 * are created (they boot from it): the PCS-ready DLAMI plus capblocks' components (the Neuron driver for
 * Trainium/Inferentia, the user's packages) and the user's own components.
 *
 * Resources: a build-instance role (EC2InstanceProfileForImageBuilder + AmazonSSMManagedInstanceCore, EC2 Image
 * Builder user guide "Image Builder prerequisites"), one Image Builder component per capblocks component, the
 * image recipe (parent `ssm:<the PCS-ready DLAMI parameter>`, resolved when the image is built), the
 * infrastructure configuration (the build instance: x86_64, no accelerator, in the cluster's home subnet and node
 * security group, so it reaches the package repositories through the cluster's NAT), a distribution configuration
 * (the AMI's name and tags) and the image. The image is built once; it is built again only when what defines it
 * changes (components, packages, cluster.image.generation), and the nodes then move to the new AMI.
 *
 * Components and recipes are immutable in Image Builder, so their names carry a digest of their content: a changed
 * one is created under a new name before the old one is deleted. Deleting the image (or `pulumi destroy`) does not
 * delete the AMI or its snapshot (Image Builder API DeleteImage); the README says how to.
 * docs/aws-notes.md#node-images.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NodeImageConfig } from "../config/types";
import { ec2Role } from "../shared/ec2Role";
import { PCS_DLAMI_PARAMETER } from "./ami";
import type { ComponentSpec } from "./imageComponents";
import { componentDocument, contentDigest, NEURON_COMPONENT, packagesComponent } from "./imageComponents";

/** Image Builder's own version of every capblocks component and recipe; a changed one gets a new name instead. */
const RESOURCE_VERSION = "1.0.0";
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
        const parent = { parent: this };
        const tags = args.tags;
        const builder = ec2Role({
            names: { role: `${name}-builder`, ssmCore: `${name}-builder-ssm-core`, profile: `${name}-builder` },
            description: `EC2 Image Builder instances building the node image of cluster ${args.clusterName}`,
            tags,
        }, args.partition, this);
        const builderPolicy = new aws.iam.RolePolicyAttachment(`${name}-builder-policy`, {
            role: builder.role.name,
            policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/EC2InstanceProfileForImageBuilder`,
        }, parent);

        const specs = imageComponentSpecs(args.image, args.neuron);
        const documents = specs.map(componentDocument);
        const components = specs.map((spec, i) => new aws.imagebuilder.Component(`${name}-${spec.name}`, {
            name: `${args.clusterName}-${spec.name}-${contentDigest(documents[i], spec.description)}`,
            description: spec.description,
            platform: "Linux",
            supportedOsVersions: ["Ubuntu 24"],
            version: RESOURCE_VERSION,
            data: documents[i],
            tags,
        }, parent));
        const componentArns = [...components.map((c) => c.arn), ...args.image.components];

        const recipe = new aws.imagebuilder.ImageRecipe(`${name}-recipe`, {
            name: recipeName(args.clusterName, args.image, documents, args.neuron),
            description: recipeDescription(args.clusterName, args.neuron),
            parentImage: `ssm:${PCS_DLAMI_PARAMETER}`,
            version: RESOURCE_VERSION,
            components: componentArns.map((componentArn) => ({ componentArn })),
            tags,
        }, parent);
        const infrastructure = new aws.imagebuilder.InfrastructureConfiguration(`${name}-infrastructure`, {
            name: `${args.clusterName}-node-image`,
            description: `Build instance for the node image of cluster ${args.clusterName}`,
            instanceProfileName: builder.profile.name,
            instanceTypes: [args.image.buildInstanceType],
            subnetId: args.subnetId,
            securityGroupIds: [args.securityGroupId],
            terminateInstanceOnFailure: true,
            instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
            resourceTags: tags,
            tags,
        }, parent);
        const distribution = new aws.imagebuilder.DistributionConfiguration(`${name}-distribution`, {
            name: `${args.clusterName}-node-image`,
            description: `The node AMI of cluster ${args.clusterName}`,
            distributions: [{
                region: args.region,
                amiDistributionConfiguration: {
                    name: `${args.clusterName}-node-{{ imagebuilder:buildDate }}`,
                    amiTags: { ...tags, "capblocks:image": args.clusterName },
                },
            }],
            tags,
        }, parent);
        const image = new aws.imagebuilder.Image(`${name}-build`, {
            imageRecipeArn: recipe.arn,
            infrastructureConfigurationArn: infrastructure.arn,
            distributionConfigurationArn: distribution.arn,
            imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: TEST_TIMEOUT_MINUTES },
            tags,
        }, { parent: this, dependsOn: [builderPolicy, builder.ssmCore, ...args.networkReady], customTimeouts: { create: BUILD_TIMEOUT } });

        this.amiId = image.outputResources.apply((resources) => {
            const ami = resources[0]?.amis?.[0]?.image;
            if (!ami) {
                throw new pulumi.RunError(
                    `capblocks:cluster.image: the image build for cluster ${args.clusterName} reported no AMI; ` +
                        "read its log in CloudWatch Logs (/aws/imagebuilder/…) and run `pulumi up` again",
                );
            }
            return ami;
        });
        this.componentArns = pulumi.all(componentArns);
        this.registerOutputs({ amiId: this.amiId, componentArns: this.componentArns });
    }
}
