/**
 * An AMI built by EC2 Image Builder on `pulumi up`: the resources the cluster's node image and the dev box's image
 * both use, declared under the caller's component with the caller's resource names.
 *
 * Resources: a build-instance role (EC2InstanceProfileForImageBuilder + AmazonSSMManagedInstanceCore, EC2 Image
 * Builder user guide "Image Builder prerequisites"), one Image Builder component per spec, the image recipe, the
 * infrastructure configuration (the build instance: its type, subnet and security group), a distribution
 * configuration (the AMI's name and tags) and the image. Image Builder launches the build instance, runs the
 * components and terminates it as soon as the AMI exists (or the build fails: terminateInstanceOnFailure), so no
 * instance outlives the build.
 *
 * Components and recipes are immutable in Image Builder, so their names carry a digest of their content: a changed
 * one is created under a new name before the old one is deleted, and the image built from it is replaced: a new
 * AMI. Deleting the image (or `pulumi destroy`) does not delete the AMI or its snapshot (Image Builder API
 * DeleteImage); the README says how to. docs/aws-notes.md#node-images.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ec2Role } from "./ec2Role";
import type { ComponentSpec } from "./imageDocument";
import { componentDocument, contentDigest } from "./imageDocument";

/** Image Builder's own version of every capblocks component and recipe; a changed one gets a new name instead. */
const RESOURCE_VERSION = "1.0.0";

export interface ImageBuildArgs {
    /** What the image is, for descriptions and errors (e.g. "the node image of cluster c1"). */
    what: string;
    /** The config key an error about the build names. */
    configKey: string;
    /** Prefix of the Image Builder names: `<prefix>-<component>-<digest>`. */
    namePrefix: string;
    /** The recipe's name from the component documents (it must change whenever anything the image is built from does). */
    recipeName: (documents: string[]) => string;
    recipeDescription: string;
    /** An AMI id, or `ssm:<parameter>` resolved when the image is built. */
    parentImage: string;
    /** capblocks' components, in the order they run. */
    specs: ComponentSpec[];
    /** More component ARNs, run after capblocks' own. */
    extraComponentArns?: string[];
    /** The build instance: its types (Image Builder tries them in order), subnet and security group. */
    infrastructure: { name: string; description: string; instanceTypes: string[]; subnetId: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
    /** The OS versions capblocks' components declare; undefined: any Linux (the parent image decides). */
    supportedOsVersions?: string[];
    distribution: { name: string; description: string; amiName: string; amiTags: Record<string, string> };
    /** Image Builder's test phase on a second instance, with its timeout; undefined: no tests. */
    testTimeoutMinutes?: number;
    /** How long the build may take before `pulumi up` gives up. */
    buildTimeout: string;
    region: string;
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
    /** Resources the build needs first (routes to the package repositories). */
    dependsOn?: pulumi.Resource[];
}

export interface ImageBuild {
    /** The built AMI. */
    amiId: pulumi.Output<string>;
    /** ARNs of capblocks' components, then the extra ones. */
    componentArns: pulumi.Output<string>[];
}

/** The Image Builder resources of one image, as children of `parent`, named `<name>-…`. */
export function imageBuild(name: string, args: ImageBuildArgs, parent: pulumi.ComponentResource): ImageBuild {
    const opts = { parent };
    const { tags } = args;
    const builder = ec2Role({
        names: { role: `${name}-builder`, ssmCore: `${name}-builder-ssm-core`, profile: `${name}-builder` },
        description: `EC2 Image Builder instances building ${args.what}`,
        tags,
    }, args.partition, parent);
    const builderPolicy = new aws.iam.RolePolicyAttachment(`${name}-builder-policy`, {
        role: builder.role.name,
        policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/EC2InstanceProfileForImageBuilder`,
    }, opts);

    const documents = args.specs.map(componentDocument);
    const components = args.specs.map((spec, i) => new aws.imagebuilder.Component(`${name}-${spec.name}`, {
        name: `${args.namePrefix}-${spec.name}-${contentDigest(documents[i], spec.description)}`,
        description: spec.description,
        platform: "Linux",
        ...(args.supportedOsVersions ? { supportedOsVersions: args.supportedOsVersions } : {}),
        version: RESOURCE_VERSION,
        data: documents[i],
        tags,
    }, opts));
    const componentArns = [...components.map((c) => c.arn), ...(args.extraComponentArns ?? []).map((arn) => pulumi.output(arn))];

    const recipe = new aws.imagebuilder.ImageRecipe(`${name}-recipe`, {
        name: args.recipeName(documents),
        description: args.recipeDescription,
        parentImage: args.parentImage,
        version: RESOURCE_VERSION,
        components: componentArns.map((componentArn) => ({ componentArn })),
        tags,
    }, opts);
    const { infrastructure: infra, distribution: dist } = args;
    const infrastructure = new aws.imagebuilder.InfrastructureConfiguration(`${name}-infrastructure`, {
        name: infra.name,
        description: infra.description,
        instanceProfileName: builder.profile.name,
        instanceTypes: infra.instanceTypes,
        subnetId: infra.subnetId,
        securityGroupIds: [infra.securityGroupId],
        terminateInstanceOnFailure: true,
        instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
        resourceTags: tags,
        tags,
    }, opts);
    const distribution = new aws.imagebuilder.DistributionConfiguration(`${name}-distribution`, {
        name: dist.name,
        description: dist.description,
        distributions: [{ region: args.region, amiDistributionConfiguration: { name: dist.amiName, amiTags: dist.amiTags } }],
        tags,
    }, opts);
    const image = new aws.imagebuilder.Image(`${name}-build`, {
        imageRecipeArn: recipe.arn,
        infrastructureConfigurationArn: infrastructure.arn,
        distributionConfigurationArn: distribution.arn,
        imageTestsConfiguration: args.testTimeoutMinutes === undefined
            ? { imageTestsEnabled: false }
            : { imageTestsEnabled: true, timeoutMinutes: args.testTimeoutMinutes },
        tags,
    }, { parent, dependsOn: [builderPolicy, builder.ssmCore, ...(args.dependsOn ?? [])], customTimeouts: { create: args.buildTimeout } });

    const amiId = image.outputResources.apply((resources) => {
        const ami = resources[0]?.amis?.[0]?.image;
        if (!ami) {
            throw new pulumi.RunError(
                `${args.configKey}: building ${args.what} reported no AMI; ` +
                    "read its log in CloudWatch Logs (/aws/imagebuilder/…) and run `pulumi up` again",
            );
        }
        return ami;
    });
    return { amiId, componentArns };
}
