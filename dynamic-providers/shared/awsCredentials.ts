import type { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { CheckFailure } from "./checks";
import { isKnown } from "./unknown";

// The stack's `aws` provider settings that choose the account and the credentials, as both dynamic providers get
// them in their `aws` input (components/shared/awsSettings.ts reads them from `aws:*` config). The providers sign
// every AWS call with what these name, so a block is bought in the account the rest of the stack is built in.
// @aws-sdk/credential-providers is loaded inside awsClientConfig, never at module scope: the providers are
// serialized into Pulumi state and must capture no module.

/** One role to assume, as `aws:assumeRoles[n]` names it (the duration already in seconds). */
export interface AssumeRoleSettings {
    roleArn: string;
    sessionName?: string;
    externalId?: string;
    durationSeconds?: number;
    policy?: string;
    policyArns?: string[];
    tags?: Record<string, string>;
    transitiveTagKeys?: string[];
    sourceIdentity?: string;
}

export interface AwsSettings {
    profile?: string;
    sharedCredentialsFile?: string;
    sharedConfigFile?: string;
    /** With secretKey (and token for temporary keys): static keys, ahead of any profile. */
    accessKey?: string;
    secretKey?: string;
    token?: string;
    /** Assumed in this order: the first with the base credentials, each next one with the credentials before it. */
    assumeRoles?: AssumeRoleSettings[];
}

/** What an SDK client's `credentials` setting takes: a function resolving to keys. */
type CredentialsProvider = ReturnType<typeof fromNodeProviderChain>;

interface AwsClientConfig {
    /** Undefined: the SDK's default region (AWS_REGION, the profile's region). */
    region?: string;
    /** Undefined: the SDK's default chain (environment, shared files, SSO, container or instance role). */
    credentials?: CredentialsProvider;
}

/** No setting at all is the same as an empty object: the SDK's default chain, as the `aws` provider uses then. */
function normalized(settings: unknown): string {
    const entries = Object.entries((settings ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))));
}

/** Whether two `aws` inputs name the same account and credentials. */
export function sameAwsSettings(a: unknown, b: unknown): boolean {
    return normalized(a) === normalized(b);
}

const isText = (v: unknown) => typeof v === "string" && v !== "";

/** The `aws` input's shape, as check failures on the `aws` property; unknown (preview) values are not judged. */
export function awsSettingsFailures(value: unknown): CheckFailure[] {
    if (value === undefined || !isKnown(value)) return [];
    const fail = (reason: string): CheckFailure[] => [{ property: "aws", reason }];
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("aws must be an object of AWS account settings");
    const s = value as Record<string, unknown>;
    for (const key of ["profile", "sharedCredentialsFile", "sharedConfigFile", "accessKey", "secretKey", "token"]) {
        if (s[key] !== undefined && !isText(s[key])) return fail(`aws.${key} must be a non-empty string`);
    }
    if (isText(s.accessKey) !== isText(s.secretKey)) return fail("aws.accessKey and aws.secretKey must be given together");
    const roles = s.assumeRoles;
    if (roles !== undefined && (!Array.isArray(roles) || roles.some((r) => !isText((r as AssumeRoleSettings | null)?.roleArn)))) {
        return fail("aws.assumeRoles must be a list of roles, each with a roleArn");
    }
    return [];
}

/** The client settings for `region` that sign as the stack's `aws` provider does. */
export async function awsClientConfig(settings: AwsSettings | undefined, region: string | undefined): Promise<AwsClientConfig> {
    const s = settings ?? {};
    const providers = await import("@aws-sdk/credential-providers");
    let credentials: CredentialsProvider | undefined;
    if (s.accessKey && s.secretKey) {
        const keys = { accessKeyId: s.accessKey, secretAccessKey: s.secretKey, ...(s.token ? { sessionToken: s.token } : {}) };
        credentials = async () => keys;
    } else if (s.profile || s.sharedCredentialsFile || s.sharedConfigFile) {
        // An explicit profile wins over AWS_ACCESS_KEY_ID in the environment, as it does for the `aws` provider.
        credentials = providers.fromIni({ profile: s.profile, filepath: s.sharedCredentialsFile, configFilepath: s.sharedConfigFile, clientConfig: { region } });
    }
    for (const role of s.assumeRoles ?? []) {
        credentials = providers.fromTemporaryCredentials({
            masterCredentials: credentials ?? providers.fromNodeProviderChain(),
            clientConfig: { region },
            params: {
                RoleArn: role.roleArn,
                RoleSessionName: role.sessionName,
                ExternalId: role.externalId,
                DurationSeconds: role.durationSeconds,
                Policy: role.policy,
                PolicyArns: role.policyArns?.map((arn) => ({ arn })),
                Tags: role.tags ? Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
                TransitiveTagKeys: role.transitiveTagKeys,
                SourceIdentity: role.sourceIdentity,
            },
        });
    }
    return { ...(region ? { region } : {}), ...(credentials ? { credentials } : {}) };
}
