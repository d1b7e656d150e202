import type { SSMClient } from "@aws-sdk/client-ssm";
import { retryRead } from "./ec2";
import type { Ec2 } from "./ec2";
import { decodeRecord } from "./records";
import type { PurchaseRecord } from "./records";

// Purchase records (./records.ts) in SSM Parameter Store: PutParameter, GetParameter and DeleteParameter on
// /capblocks/purchases/* (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).

export interface RecordStore {
    sdk: typeof import("@aws-sdk/client-ssm");
    client: SSMClient;
}

/** An SSM client in the account and Region the EC2 clients use: it takes their resolved region and credentials. */
export async function recordStoreFor(ec2: Ec2, quick = false): Promise<RecordStore> {
    const sdk = await import("@aws-sdk/client-ssm");
    const { region, credentials } = ec2.reads.config;
    return { sdk, client: new sdk.SSMClient({ region, credentials, retryMode: "adaptive", maxAttempts: quick ? 2 : 5 }) };
}

function named(err: unknown, name: string): boolean {
    return (err as { name?: string })?.name === name;
}

/** What the parameter holds: absent (undefined), a record, or text that is no record (`record` undefined). */
export async function readRecord(store: RecordStore, name: string, patient = true): Promise<{ record?: PurchaseRecord } | undefined> {
    const get = () => store.client.send(new store.sdk.GetParameterCommand({ Name: name }));
    try {
        const out = await (patient ? retryRead(get) : get());
        return { record: decodeRecord(out.Parameter?.Value ?? "") };
    } catch (err) {
        if (named(err, "ParameterNotFound")) return undefined;
        throw err;
    }
}

/**
 * Creates the record unless the parameter exists (Overwrite=false: of two writers, one gets ParameterAlreadyExists).
 * Answers "written", or what the parameter already holds: someone else's record (or this process's own, when the SDK
 * resent a write whose answer was lost: then "written").
 */
export async function claimRecord(store: RecordStore, name: string, record: PurchaseRecord): Promise<"written" | { record?: PurchaseRecord }> {
    try {
        await store.client.send(new store.sdk.PutParameterCommand({
            Name: name, Value: JSON.stringify(record), Type: "String", Overwrite: false,
            Description: "capblocks: a Capacity Block purchase, recorded before it is sent (see the capblocks README)",
        }));
        return "written";
    } catch (err) {
        if (!named(err, "ParameterAlreadyExists")) throw err;
        const held = (await readRecord(store, name)) ?? {};
        return held.record?.nonce === record.nonce ? "written" : held;
    }
}

/** Rewrites a record this process holds (the next offering tried, or an extension that was answered). */
export async function replaceRecord(store: RecordStore, name: string, record: PurchaseRecord): Promise<void> {
    await retryRead(() => store.client.send(new store.sdk.PutParameterCommand({ Name: name, Value: JSON.stringify(record), Type: "String", Overwrite: true })));
}

export async function clearRecord(store: RecordStore, name: string): Promise<void> {
    try {
        await retryRead(() => store.client.send(new store.sdk.DeleteParameterCommand({ Name: name })));
    } catch (err) {
        if (!named(err, "ParameterNotFound")) throw err;
    }
}
