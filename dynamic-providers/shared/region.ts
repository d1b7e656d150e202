import * as pulumi from "@pulumi/pulumi";

/** The region a resource gets when its args name none: the stack's `aws:region` (the provider then falls back to AWS_REGION). */
export function regionInput(region: pulumi.Input<string> | undefined): pulumi.Input<string> | undefined {
    return region ?? new pulumi.Config("aws").get("region");
}

/** The region a provider call uses: the resource's own, else the AWS_REGION environment variable. */
export function regionOf(props: { region?: unknown }): string | undefined {
    return (props.region as string | undefined) || process.env.AWS_REGION || undefined;
}
