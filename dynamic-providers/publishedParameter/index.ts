import * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../shared/awsCredentials";
import { regionInput } from "../shared/region";
import { publishedParameterProvider } from "./provider";

export { publishedParameterProvider } from "./provider";

export interface PublishedParameterArgs {
    /** The SSM parameter name, an absolute path. */
    name: pulumi.Input<string>;
    value: pulumi.Input<string>;
    /** Take over a parameter that already exists (else it is refused, and nothing is written). Default false. */
    overwrite?: pulumi.Input<boolean>;
    description?: pulumi.Input<string>;
    /** Default: the stack's `aws:region`, then the AWS_REGION environment variable. */
    region?: pulumi.Input<string>;
    /** The stack's AWS account settings (components/shared/awsSettings.ts); keys must be Pulumi secrets. */
    aws?: pulumi.Input<AwsSettings>;
}

/**
 * A plain String SSM parameter this stack publishes for other tools to read. Unlike a plain `aws.ssm.Parameter`
 * it knows whose the parameter is: one that already exists is taken over only with `overwrite` (preview says so
 * first), one changed by someone else since is not overwritten without it, and destroy deletes the parameter
 * only while it still holds what this resource wrote.
 */
export class PublishedParameter extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    /** What this resource wrote. */
    declare public readonly value: pulumi.Output<string>;
    /** What the parameter holds as last read (refresh): another value means someone else wrote it since. */
    declare public readonly currentValue: pulumi.Output<string>;
    /** Set when it took over an existing parameter: what that held. */
    declare public readonly previousValue: pulumi.Output<string | undefined>;

    constructor(name: string, args: PublishedParameterArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs = { currentValue: undefined, previousValue: undefined, version: undefined, ...args, overwrite: args.overwrite ?? false, region: regionInput(args.region) };
        super(publishedParameterProvider, name, inputs, opts, "capblocks", "PublishedParameter");
    }
}
