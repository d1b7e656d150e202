/**
 * The AWS side of the capacity CLIs (`npm run offerings`, `npm run blocks`): read-only EC2 and SSM clients signed
 * with the user's own credentials (`--profile`, else AWS_PROFILE and the SDK's default chain), the Regions to ask,
 * and AWS errors said for people. Nothing here buys, writes or deletes.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { regionSchema } from "../../components/config/schema";
import { awsClientConfig } from "../../dynamic-providers/shared/awsCredentials";
import type { GivenRegions } from "./cliArgs";
import { UsageError } from "./cliArgs";

/** What the searches read with: the EC2 SDK and a client that only reads (the SDK's adaptive retry handles throttling). */
export interface Ec2Reader {
    sdk: typeof import("@aws-sdk/client-ec2");
    reads: EC2Client;
}

export interface Access {
    /** A named profile from the shared config files; undefined: AWS_PROFILE or the SDK's default chain. */
    profile?: string;
}

const REQUEST_HANDLER = { connectionTimeout: 5000, requestTimeout: 60000 };

export async function ec2Reader(region: string, access: Access): Promise<Ec2Reader> {
    const sdk = await import("@aws-sdk/client-ec2");
    const account = await awsClientConfig(access.profile ? { profile: access.profile } : undefined, region);
    return { sdk, reads: new sdk.EC2Client({ ...account, retryMode: "adaptive", maxAttempts: 5, requestHandler: REQUEST_HANDLER }) };
}

export async function ssmReader(region: string, access: Access): Promise<{ sdk: typeof import("@aws-sdk/client-ssm"); reads: SSMClient }> {
    const sdk = await import("@aws-sdk/client-ssm");
    const account = await awsClientConfig(access.profile ? { profile: access.profile } : undefined, region);
    return { sdk, reads: new sdk.SSMClient({ ...account, retryMode: "adaptive", maxAttempts: 5, requestHandler: REQUEST_HANDLER }) };
}

const REGION_SHAPE = new RegExp(regionSchema.pattern);

/** Checks Region names before anything is asked: a typo is named, not sent to a host name that does not exist. */
export function checkedRegions(regions: string[], flag: string): string[] {
    const bad = regions.filter((r) => !REGION_SHAPE.test(r));
    if (bad.length > 0) throw new UsageError(`${flag}: ${bad.join(", ")} ${bad.length > 1 ? "are not AWS Region names" : "is not an AWS Region name"} (e.g. us-east-2)`);
    return [...new Set(regions)];
}

/**
 * The Regions to ask: those given, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's `region`. `profileRegion`
 * asks the SDK for the last (it reads the shared config file).
 */
export async function regionsToAsk(given: GivenRegions | undefined, env: NodeJS.ProcessEnv, profileRegion: () => Promise<string | undefined>): Promise<string[]> {
    if (given && given.regions.length > 0) return checkedRegions(given.regions, given.flag);
    const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (fromEnv) return checkedRegions([fromEnv], env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION");
    const fromProfile = await profileRegion().catch(() => undefined);
    if (fromProfile) return checkedRegions([fromProfile], "the profile's region");
    throw new UsageError("no AWS Region: pass --region REGION (or --regions r1,r2), or set AWS_REGION, or a region in your AWS profile");
}

/** The region the shared config file gives the profile (the SDK's own resolution), if any. */
export async function profileRegion(access: Access): Promise<string | undefined> {
    const { EC2Client } = await import("@aws-sdk/client-ec2");
    return new EC2Client(access.profile ? { profile: access.profile } : {}).config.region();
}

interface AwsLikeError {
    name?: string;
    code?: string;
    message?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
}

const THROTTLING = ["RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException"];
const REJECTED_CREDENTIALS = ["AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch"];
const EXPIRED = ["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"];
const UNREACHABLE = ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "TimeoutError"];

/** An AWS error from `action` in `region`, said for people: what went wrong and what to do. */
export function errorForPeople(err: unknown, region: string, action: string): string {
    const e = (err ?? {}) as AwsLikeError;
    const code = e.Code ?? e.name ?? "";
    const text = `${code}: ${(e.message ?? String(err)).split("\n")[0]}`;
    if (code === "CredentialsProviderError" || /Could not load credentials|could not be found or parsed/i.test(e.message ?? "")) {
        return `no usable AWS credentials (${text}); sign in (\`aws sso login\`, \`aws configure\`) or choose a profile with --profile NAME or AWS_PROFILE`;
    }
    if (EXPIRED.includes(code)) return `the AWS credentials have expired (${text}); sign in again (\`aws sso login\`) and rerun`;
    if (code === "OptInRequired") return `${region} is not enabled for this account (${text}); enable it in the AWS console (Account → AWS Regions) or leave it out`;
    if (REJECTED_CREDENTIALS.includes(code)) {
        return `AWS did not accept the credentials in ${region} (${text}); check the profile, or if ${region} is an opt-in Region, enable it for the account`;
    }
    if (code === "UnauthorizedOperation" || code === "AccessDenied" || code === "AccessDeniedException") {
        return `the credentials may not ${action} in ${region} (${text}); their IAM policy needs that action`;
    }
    if (THROTTLING.includes(code)) return `EC2 throttled ${action} in ${region} after retries (${text}); run it again in a minute, or ask fewer Regions or types at once`;
    if (UNREACHABLE.includes(e.code ?? "") || UNREACHABLE.includes(code)) {
        return `could not reach AWS in ${region} (${text}); check the network, and that ${region} is a Region AWS has`;
    }
    return `${action} failed in ${region} (${text})`;
}
