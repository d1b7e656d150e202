/**
 * The secrets the setup tasks read on the instance: the code-server password (the stack's own Secrets Manager
 * secret) and the user's own (capblocks:codeServer.secrets). Only references and version labels leave the
 * program; the instance fetches each value with its role, whose policy names exactly these secrets. A new version
 * of a secret re-runs the tasks that read it. IAM and KMS facts: docs/aws-notes.md#secrets-the-instance-reads.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const SECRETS_KEY = "capblocks:codeServer.secrets";

/** A user secret as the instance reads it: where it is stored, its ARN for the role's policy, and its current version. */
export interface SetupSecret {
    /** The placeholder name task files use, e.g. HF_TOKEN. */
    name: string;
    store: "ssm-parameter" | "secretsmanager";
    /** What the instance fetches: the SSM parameter name, or the secret's full ARN. */
    reference: string;
    /** The full ARN: the policy's resource and the KMS encryption context. */
    arn: string;
    /** A label that changes with the value (SSM parameter version, Secrets Manager AWSCURRENT version id); never the value. */
    version: string;
}

/** What SsmTasks takes for the secrets: name → reference, and name → version label (a new version re-runs its tasks). */
export interface SetupSecretInputs {
    secrets: Record<string, pulumi.Input<string>>;
    secretVersions: Record<string, pulumi.Input<string>>;
}

const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/;

function lookupFailure(name: string, what: string, err: unknown): pulumi.RunError {
    // The reference passed the config schema, so it is a path or an ARN, not a secret: it may be shown.
    const reason = (err as Error).message.split("\n")[0];
    return new pulumi.RunError(
        `${SECRETS_KEY}.${name}: ${what} cannot be read (${reason}); create it, or fix the reference, ` +
            "and check that you may read it (ssm:GetParameter or secretsmanager:ListSecretVersionIds)",
    );
}

async function ssmParameter(name: string, reference: string, region: string): Promise<SetupSecret> {
    // withDecryption false: the program needs the version, never the value.
    const found = await aws.ssm.getParameter({ name: reference, withDecryption: false, region }).catch((err: unknown) => {
        throw lookupFailure(name, `SSM parameter ${reference} in ${region}`, err);
    });
    if (found.type !== "SecureString") {
        throw new pulumi.RunError(
            `${SECRETS_KEY}.${name}: SSM parameter ${reference} is a ${found.type}, stored unencrypted; store the secret as a SecureString ` +
                `(aws ssm put-parameter --name ${reference} --type SecureString --overwrite --value …)`,
        );
    }
    return { name, store: "ssm-parameter", reference, arn: found.arn, version: String(found.version) };
}

async function secretsManagerSecret(name: string, reference: string): Promise<SetupSecret> {
    const region = SECRETS_MANAGER_ARN.exec(reference)?.[1];
    const found = await aws.secretsmanager.getSecretVersions({ secretId: reference, region }).catch((err: unknown) => {
        throw lookupFailure(name, `Secrets Manager secret ${reference}`, err);
    });
    const current = found.versions.find((v) => v.versionStages.includes("AWSCURRENT"));
    if (!current) {
        throw new pulumi.RunError(`${SECRETS_KEY}.${name}: Secrets Manager secret ${reference} has no current value (AWSCURRENT); put one with aws secretsmanager put-secret-value`);
    }
    // The instance fetches by the full ARN, which names exactly one secret (a partial one may not).
    return { name, store: "secretsmanager", reference: found.secretArn, arn: found.secretArn, version: current.versionId };
}

/**
 * Looks up each configured secret before anything is created: it must exist (an SSM parameter must be a
 * SecureString), and its ARN and current version are what the role's policy and the task hashes use.
 */
export async function lookUpSetupSecrets(secrets: Record<string, string>, region: string): Promise<SetupSecret[]> {
    return Promise.all(Object.entries(secrets).map(([name, reference]) =>
        SECRETS_MANAGER_ARN.test(reference) ? secretsManagerSecret(name, reference) : ssmParameter(name, reference, region),
    ));
}

/** `kms:ViaService` of a service in the ARN's region and partition. */
function viaService(service: string, arn: string): string {
    const [, partition, , region] = arn.split(":");
    return `${service}.${region}.${partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/**
 * The instance role's policy for the user's secrets, or undefined without any: read exactly those parameters and
 * secrets, and decrypt with KMS only through SSM or Secrets Manager and only for them (the encryption context
 * each service sends names the parameter or the secret), so a customer managed key works too.
 */
export function readSecretsPolicy(secrets: SetupSecret[]): object | undefined {
    if (secrets.length === 0) return undefined;
    const statements = ([
        ["ssm-parameter", "ssm:GetParameter", "ssm", "PARAMETER_ARN"],
        ["secretsmanager", "secretsmanager:GetSecretValue", "secretsmanager", "SecretARN"],
    ] as const).flatMap(([store, action, service, context]) => {
        const arns = secrets.filter((s) => s.store === store).map((s) => s.arn).sort();
        if (arns.length === 0) return [];
        return [
            { Effect: "Allow", Action: action, Resource: arns },
            {
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: {
                    StringEquals: {
                        "kms:ViaService": [...new Set(arns.map((arn) => viaService(service, arn)))],
                        [`kms:EncryptionContext:${context}`]: arns,
                    },
                },
            },
        ];
    });
    return { Version: "2012-10-17", Statement: statements };
}

/** The password (the stack's secret and its version) and the user's secrets, as SsmTasks takes them. */
export function setupSecretInputs(password: { arn: pulumi.Input<string>; version: pulumi.Input<string> }, secrets: SetupSecret[]): SetupSecretInputs {
    return {
        secrets: { PASSWORD: password.arn, ...Object.fromEntries(secrets.map((s) => [s.name, s.reference])) },
        secretVersions: { PASSWORD: password.version, ...Object.fromEntries(secrets.map((s) => [s.name, s.version])) },
    };
}
