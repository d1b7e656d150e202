import type { SSMClient } from "@aws-sdk/client-ssm";
import { awsClientConfig } from "../shared/awsCredentials";
import type { AwsSettings } from "../shared/awsCredentials";
import { regionOf } from "../shared/region";

// The SSM calls of PublishedParameter. The SDK is loaded inside ssmFor, never at module scope: the provider is
// serialized into Pulumi state and must capture no SDK module.

export interface Ssm {
    sdk: typeof import("@aws-sdk/client-ssm");
    client: SSMClient;
}

/** A client for the resource's Region, signed with the stack's AWS account settings; `quick` for preview. */
export async function ssmFor(props: { region?: unknown; aws?: unknown }, quick = false): Promise<Ssm> {
    const region = regionOf(props);
    if (!region) throw new Error("PublishedParameter: no AWS region; run `pulumi config set aws:region <region>` (or set AWS_REGION)");
    const sdk = await import("@aws-sdk/client-ssm");
    const account = await awsClientConfig(props.aws as AwsSettings | undefined, region);
    return { sdk, client: new sdk.SSMClient({ ...account, retryMode: "adaptive", maxAttempts: quick ? 2 : 5 }) };
}

/** The parameter's value, or undefined when it does not exist. */
export async function valueOf(ssm: Ssm, name: string): Promise<string | undefined> {
    try {
        const out = await ssm.client.send(new ssm.sdk.GetParameterCommand({ Name: name }));
        return out.Parameter?.Value;
    } catch (err) {
        if ((err as Error)?.name === "ParameterNotFound") return undefined;
        throw err;
    }
}

/** Writes the value: a new parameter (fails if one appeared meanwhile), or over the existing one. Returns the version. */
export async function write(ssm: Ssm, name: string, value: string, description: string, over: boolean): Promise<number> {
    const out = await ssm.client.send(new ssm.sdk.PutParameterCommand({ Name: name, Value: value, Type: "String", Description: description, Overwrite: over }));
    return out.Version ?? 0;
}

export async function remove(ssm: Ssm, name: string): Promise<void> {
    try {
        await ssm.client.send(new ssm.sdk.DeleteParameterCommand({ Name: name }));
    } catch (err) {
        if ((err as Error)?.name !== "ParameterNotFound") throw err;
    }
}
