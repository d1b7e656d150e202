/**
 * The stack's `aws:*` settings that choose the AWS account and credentials, read for the two dynamic providers
 * (CapacityBlock, SsmTasks), which call AWS themselves. Everything else the program asks AWS goes through Pulumi
 * invokes and resources, that is through the stack's `aws` provider, which reads the same settings; so every AWS
 * call of a stack is made in one account, with one set of credentials.
 *
 * Keys follow the `aws` provider's configuration reference
 * (https://www.pulumi.com/registry/packages/aws/installation-configuration/). Values arrive as Pulumi's flat
 * config map hands them to programs (`pulumi.runtime.allConfig()`): strings, with lists and objects as JSON text.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AssumeRoleSettings, AwsSettings } from "../../dynamic-providers/shared/awsCredentials";

export type { AwsSettings } from "../../dynamic-providers/shared/awsCredentials";

/** Keys whose values stay Pulumi secrets in the resources' inputs and state. */
const SECRET_KEYS = ["accessKey", "secretKey", "token"] as const;

type Raw = Record<string, unknown>;

/** Go duration text as the `aws` provider takes it ("1h", "15m", "1h30m", "900s") → seconds; undefined if not one. */
export function durationSeconds(text: string): number | undefined {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
    if (!m || text.trim() === "") return undefined;
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function parsed(values: Record<string, string>, key: string, problems: string[]): unknown {
    const text = values[`aws:${key}`];
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        problems.push(`aws:${key}: ${JSON.stringify(text.slice(0, 40))} is not a list or object; set it with \`pulumi config set --path\` or as YAML in the stack file`);
        return undefined;
    }
}

/** One file: the SDK reads a single shared credentials file and a single config file. */
function oneFile(values: Record<string, string>, key: string, problems: string[]): string | undefined {
    const files = parsed(values, key, problems);
    if (files === undefined) return undefined;
    if (!Array.isArray(files) || files.some((f) => typeof f !== "string" || f === "")) {
        problems.push(`aws:${key}: ${JSON.stringify(files)} must be a list of file paths`);
        return undefined;
    }
    if (files.length > 1) {
        problems.push(`aws:${key}: lists ${files.length} files; capblocks' providers read one; keep the one that holds your profile`);
        return undefined;
    }
    return files[0] as string | undefined;
}

const ROLE_TEXT_KEYS = ["roleArn", "sessionName", "externalId", "policy", "sourceIdentity", "duration"] as const;
const ROLE_KEYS = [...ROLE_TEXT_KEYS, "durationSeconds", "policyArns", "tags", "transitiveTagKeys"];

function roleFrom(raw: unknown, key: string, problems: string[]): AssumeRoleSettings | undefined {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        problems.push(`${key}: ${JSON.stringify(raw)} must be a role (roleArn: arn:aws:iam::<account>:role/<name>, and optional sessionName, externalId, duration)`);
        return undefined;
    }
    const r = raw as Raw;
    const before = problems.length;
    for (const k of Object.keys(r).filter((k) => !ROLE_KEYS.includes(k))) problems.push(`${key}.${k}: is not a setting of an assumed role (known: ${ROLE_KEYS.join(", ")})`);
    for (const k of ROLE_TEXT_KEYS) {
        if (r[k] !== undefined && typeof r[k] !== "string") problems.push(`${key}.${k}: ${JSON.stringify(r[k])} must be a string`);
    }
    if (typeof r.roleArn !== "string" || !/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(r.roleArn)) {
        problems.push(`${key}.roleArn: ${JSON.stringify(r.roleArn)} is not an IAM role ARN; set it to arn:aws:iam::<account>:role/<name>`);
    }
    const seconds = typeof r.duration === "string" ? durationSeconds(r.duration) : (r.durationSeconds as number | undefined);
    if (typeof r.duration === "string" && seconds === undefined) problems.push(`${key}.duration: ${JSON.stringify(r.duration)} is not a duration such as 1h or 15m`);
    if (r.durationSeconds !== undefined && !Number.isInteger(r.durationSeconds)) problems.push(`${key}.durationSeconds: ${JSON.stringify(r.durationSeconds)} must be a whole number of seconds`);
    if (problems.length > before) return undefined;
    return Object.fromEntries(Object.entries({
        roleArn: r.roleArn,
        sessionName: r.sessionName,
        externalId: r.externalId,
        durationSeconds: seconds,
        policy: r.policy,
        policyArns: r.policyArns,
        tags: r.tags,
        transitiveTagKeys: r.transitiveTagKeys,
        sourceIdentity: r.sourceIdentity,
    }).filter(([, v]) => v !== undefined)) as unknown as AssumeRoleSettings;
}

/** `aws:assumeRoles` (a list, assumed in order) or the older single `aws:assumeRole`. */
function rolesFrom(values: Record<string, string>, problems: string[]): AssumeRoleSettings[] | undefined {
    const list = parsed(values, "assumeRoles", problems);
    const single = parsed(values, "assumeRole", problems);
    if (list !== undefined && single !== undefined) {
        problems.push("aws:assumeRole: is set together with aws:assumeRoles; keep aws:assumeRoles (the current key) and remove aws:assumeRole");
        return undefined;
    }
    if (single !== undefined) {
        const role = roleFrom(single, "aws:assumeRole", problems);
        return role && [role];
    }
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) {
        problems.push(`aws:assumeRoles: ${JSON.stringify(list)} must be a list of roles, assumed in order`);
        return undefined;
    }
    const roles = list.map((r, i) => roleFrom(r, `aws:assumeRoles[${i}]`, problems));
    return roles.every((r) => r !== undefined) ? roles as AssumeRoleSettings[] : undefined;
}

/**
 * The account settings in Pulumi's flat config map, checked: the settings, and the problems found, one line each
 * in the `<key>: <value> <rule>; <what to do>` format. Pure: the offline plan checks a stack file the same way.
 */
export function awsSettingsFrom(values: Record<string, string>): { settings: AwsSettings; problems: string[] } {
    const problems: string[] = [];
    if (values["aws:assumeRoleWithWebIdentity"] !== undefined) {
        problems.push(
            "aws:assumeRoleWithWebIdentity: is not supported by capblocks' providers, which would then buy with other credentials than the stack's; " +
                "use a profile with web_identity_token_file and role_arn (aws:profile), or the AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE environment variables",
        );
    }
    const text = (key: string) => values[`aws:${key}`] || undefined;
    const settings: AwsSettings = {
        profile: text("profile"),
        sharedCredentialsFile: oneFile(values, "sharedCredentialsFiles", problems),
        sharedConfigFile: oneFile(values, "sharedConfigFiles", problems),
        accessKey: text("accessKey"),
        secretKey: text("secretKey"),
        token: text("token"),
        assumeRoles: rolesFrom(values, problems),
    };
    if (settings.accessKey && !settings.secretKey) problems.push("aws:accessKey: is set without aws:secretKey; set both (as secrets: pulumi config set --secret) or neither");
    if (settings.secretKey && !settings.accessKey) problems.push("aws:secretKey: is set without aws:accessKey; set both (as secrets: pulumi config set --secret) or neither");
    if (settings.token && !settings.accessKey) problems.push("aws:token: is set without aws:accessKey and aws:secretKey; set all three or remove it");
    const set = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as AwsSettings;
    return { settings: set, problems };
}

/**
 * The settings as the `aws` input of a dynamic resource: undefined when none is set (the SDK's default chain, no
 * change for stacks that set none), keys as Pulumi secrets whether or not they were set with `--secret`, so they
 * are encrypted in the state too (the engine keeps a secret input's path secret in the outputs).
 */
export function awsSettingsInput(settings: AwsSettings): pulumi.Input<AwsSettings> | undefined {
    if (Object.keys(settings).length === 0) return undefined;
    const input: Record<string, unknown> = { ...settings };
    for (const key of SECRET_KEYS) if (settings[key] !== undefined) input[key] = pulumi.secret(settings[key]);
    return input as pulumi.Input<AwsSettings>;
}
