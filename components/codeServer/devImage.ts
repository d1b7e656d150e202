/**
 * DevImage: the dev box's image, baked by EC2 Image Builder before the block starts (prebake.ts decides when):
 * the box's own base image (codeServer.amiId, else the catalog DLAMI, resolved when the image is built) plus the
 * `image` setup tasks, run by the script SsmTasks would send, on a cheap on-demand build instance in the box's
 * subnet and security group. Image Builder terminates the build instance as soon as the AMI exists; no test
 * instance is launched (the box's own setup verifies code-server). shared/imageBuild.ts makes the resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { instanceFacts } from "../shared/catalog";
import { imageBuild } from "../shared/imageBuild";
import { contentDigest } from "../shared/imageDocument";
import { BAKE_INSTANCE_TYPES, bakeComponent, bakeScript, imageBuilderName } from "./prebake";

/** Launch, package installs, the extension cache and the snapshot: 20-40 minutes; room for slow mirrors. */
const BUILD_TIMEOUT = "120m";

export interface DevImageArgs {
    /** `<project>-<stack>-code-server`: the Image Builder names and the AMI's name start with it. */
    label: string;
    /** The box's instance type (the image's parent is its catalog DLAMI unless amiId is set). */
    instanceType: string;
    amiId?: string;
    /** The SSM parameter of the box's image when it is not the catalog's (a box in the cluster boots the nodes'). */
    amiParameter?: string;
    /** The image tasks, in file order, and the variables they are substituted with. */
    tasks: TaskSpec[];
    variables: Record<string, string>;
    region: string;
    subnetId: pulumi.Input<string>;
    securityGroupId: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

export class DevImage extends pulumi.ComponentResource {
    /** The baked AMI. */
    public readonly amiId: pulumi.Output<string>;

    constructor(name: string, args: DevImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("capblocks:index:DevImage", name, {}, opts);
        const prefix = imageBuilderName(args.label);
        const parentImage = args.amiId ?? `ssm:${args.amiParameter ?? instanceFacts(args.instanceType).amiParameter}`;
        const description = `code-server dev image for ${args.label}`;
        const built = imageBuild(name, {
            what: `the dev image of ${args.label}`,
            configKey: "capblocks:codeServer.prebake",
            namePrefix: prefix,
            recipeName: (documents) => `${prefix}-dev-${contentDigest(parentImage, description, ...documents)}`,
            recipeDescription: description,
            parentImage,
            specs: [bakeComponent(bakeScript(args.tasks, args.variables))],
            infrastructure: {
                name: `${prefix}-dev-image`,
                description: `Build instance for the dev image of ${args.label}`,
                instanceTypes: BAKE_INSTANCE_TYPES,
                subnetId: args.subnetId,
                securityGroupId: args.securityGroupId,
            },
            distribution: {
                name: `${prefix}-dev-image`,
                description: `The dev AMI of ${args.label}`,
                amiName: `${prefix}-dev-{{ imagebuilder:buildDate }}`,
                amiTags: { ...args.tags, "capblocks:image": args.label },
            },
            buildTimeout: BUILD_TIMEOUT,
            region: args.region,
            partition: args.partition,
            tags: args.tags,
        }, this);
        this.amiId = built.amiId;
        this.registerOutputs({ amiId: this.amiId });
    }
}
