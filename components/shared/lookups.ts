/**
 * Program-time AWS lookups (invokes) of things the stack config names: a block, a volume, a file system, the
 * default VPC. "Nothing matches" is an answer the caller words for the user; any other failure (permissions,
 * throttling, a bad region) is real, so it stops the run as a RunError naming the config key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { KnownSubnet } from "./subnetZone";

/**
 * The AWS provider's singular data sources answer "no matching … found" when a filter matches nothing
 * (terraform-provider-aws tfresource.SingularDataSourceFindError), and "couldn't find resource" when a read by
 * id finds nothing (retry.NotFoundError).
 */
export function isNoMatchError(err: unknown): boolean {
    return /no matching|no matches found|empty result|couldn't find resource/i.test(String((err as Error)?.message ?? err));
}

export interface LookupSubject {
    /** The config key that names what is looked up (or that the user sets to avoid the lookup). */
    key: string;
    /** What is looked up, as the message names it: an id, or a phrase such as "the default VPC". */
    what: string;
    region: string;
}

function lookupFailed(subject: LookupSubject, err: unknown): pulumi.RunError {
    return new pulumi.RunError(`${subject.key}: could not look up ${subject.what} in ${subject.region}: ${(err as Error)?.message ?? String(err)}`);
}

/** The lookup's answer, or undefined when nothing matches. */
export async function lookUpIfAny<T>(subject: LookupSubject, lookup: () => Promise<T>): Promise<T | undefined> {
    try {
        return await lookup();
    } catch (err) {
        if (isNoMatchError(err)) return undefined;
        throw lookupFailed(subject, err);
    }
}

/** The lookup's answer; when nothing matches, a RunError `<key>: <noMatch>` (the value, the rule broken and the fix). */
export async function lookUp<T>(subject: LookupSubject, lookup: () => Promise<T>, noMatch: string): Promise<T> {
    const found = await lookUpIfAny(subject, lookup);
    if (found === undefined) throw new pulumi.RunError(`${subject.key}: ${noMatch}`);
    return found;
}

/** A subnet the config names under `key`, as EC2 describes it; a RunError naming the key when there is no such subnet. */
export async function lookUpSubnet(key: string, id: string, region: string): Promise<KnownSubnet> {
    const subnet = await lookUp(
        { key, what: id, region },
        () => aws.ec2.getSubnet({ id, region }),
        `${id} is not a subnet in ${region} for this account (list yours with \`aws ec2 describe-subnets --region ${region}\`)`,
    );
    return { id, availabilityZone: subnet.availabilityZone, vpcId: subnet.vpcId };
}
