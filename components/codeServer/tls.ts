/**
 * HTTPS for a box open to capblocks:codeServer.allowedCidrs. The box makes its own self-signed certificate (the
 * setup task tls-certificate), so no private key is ever in the stack, its state or a command. To let the user
 * check the certificate their browser is shown, the box writes its SHA-256 fingerprint to an SSM parameter the
 * stack creates (only the instance role may write it), and the stack reads it back once setup has run: the
 * tlsCertificateSha256 output. Why HTTPS at all: docs/aws-notes.md#code-server-over-https.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { CodeServerConfig } from "../config";

/** nginx serves HTTPS exactly when something other than the SSM port forward may reach it. */
export function servesHttps(cs: Pick<CodeServerConfig, "allowedCidrs">): boolean {
    return cs.allowedCidrs.length > 0;
}

/** What the parameter holds until the box has written the fingerprint. */
export const FINGERPRINT_PENDING = "not written yet: the tls-certificate setup task writes the certificate's SHA-256 fingerprint here";

/** The instance role may overwrite this one parameter, and nothing else in Parameter Store. */
export function fingerprintWritePolicy(parameterArn: string): object {
    return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ssm:PutParameter", Resource: parameterArn }] };
}

export interface FingerprintParameter {
    name: pulumi.Output<string>;
    /** The parameter and the role's permission to write it: setup runs after both. */
    ready: pulumi.Resource[];
}

/** The parameter the box reports its certificate's fingerprint in, and the instance role's right to write it. */
export function fingerprintParameter(
    name: string,
    role: { id: pulumi.Input<string> },
    { label, tags }: { label: string; tags: Record<string, string> },
    parent: pulumi.Resource,
): FingerprintParameter {
    const parameter = new aws.ssm.Parameter(`${name}-tls-fingerprint`, {
        type: "String",
        description: `SHA-256 fingerprint of the TLS certificate ${label} serves, written by the instance`,
        insecureValue: FINGERPRINT_PENDING,
        tags,
    }, {
        parent,
        // The instance writes the value; the stack only reads it.
        ignoreChanges: ["insecureValue", "value"],
    });
    const policy = new aws.iam.RolePolicy(`${name}-write-tls-fingerprint`, {
        role: role.id,
        policy: parameter.arn.apply((arn) => JSON.stringify(fingerprintWritePolicy(arn))),
    }, { parent });
    return { name: parameter.name, ready: [parameter, policy] };
}

/** The fingerprint as the parameter holds it once `setup` has run (unknown in a preview that sets the box up anew). */
export function readFingerprint(name: pulumi.Input<string>, region: string, setup: pulumi.Resource, parent: pulumi.Resource): pulumi.Output<string> {
    return aws.ssm.getParameterOutput({ name, region }, { parent, dependsOn: [setup] }).insecureValue;
}
