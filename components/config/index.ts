/**
 * The stack config (`capblocks:*`, `aws:region` and the `aws:*` account settings) checked and defaulted before anything is created. Everything
 * but readStackConfig is pure, so the offline plan checks a stack file exactly as `pulumi up` does.
 */
import * as pulumi from "@pulumi/pulumi";
import { awsSettingsFrom } from "../shared/awsSettings";
import { accessProblems } from "./codeServerAccess";
import { clusterProblems, codeServerInClusterProblems, codeServerProblems, codeServerSecretProblems, reservationProblems } from "./crossKeyRules";
import { clusterFrom, codeServerFrom, reservationFrom } from "./defaults";
import { checkedInput, ConfigError, NOT_SHOWN } from "./problems";
import { CONFIG_KEYS } from "./schema";
import type { RawStackConfig, StackConfig } from "./types";
import { configWarnings } from "./warnings";

export { clusterCapacity, configuredBlockType } from "./crossKeyRules";
export { withBlockType } from "./defaults";
export { ConfigError } from "./problems";
export { configWarnings } from "./warnings";
export type {
    AdoptReservationConfig,
    BuyReservationConfig,
    ClusterConfig,
    CodeServerConfig,
    NodeImageConfig,
    PublishParameter,
    RawStackConfig,
    RerunConfig,
    SharedStorage,
    StackConfig,
} from "./types";

/**
 * Checks the whole stack config and fills in every default: the typed config, or one ConfigError listing
 * every problem (the shape of each value first, then the rules across keys).
 */
export function validateStackConfig(raw: RawStackConfig): StackConfig {
    const input = checkedInput(raw);
    const aws = awsSettingsFrom(raw.aws ?? {});
    const reservation = input.reservation && reservationFrom(input.reservation);
    const codeServer = codeServerFrom(input.codeServer, reservation);
    const cluster = clusterFrom(input.cluster, raw.project, raw.stack, reservation?.instanceType);
    const problems = [
        ...aws.problems,
        ...(input.reservation ? reservationProblems(input.reservation, input.region) : []),
        ...codeServerProblems(input.codeServer, codeServer.enabled, reservation, input.region),
        ...accessProblems(codeServer),
        ...codeServerSecretProblems(input.codeServer, raw.secretKeys?.includes("capblocks:codeServer") ?? false),
        ...clusterProblems(cluster, reservation, codeServer.enabled),
        ...codeServerInClusterProblems(input.codeServer, codeServer.enabled, cluster),
    ];
    if (problems.length) throw new ConfigError(problems);
    return { region: input.region, aws: aws.settings, reservation, codeServer, cluster, tags: input.tags };
}

/**
 * The raw config from Pulumi's flat key → string map (what `pulumi.runtime.allConfig()` returns, and what
 * the offline plan builds from a stack file): object-valued keys arrive as JSON text. `secretKeys` are the keys
 * Pulumi marks secret: an object with one secret value inside (`--secret --path`) is secret as a whole.
 */
export function rawStackConfigFrom(values: Record<string, string>, project: string, stack: string, secretKeys: string[] = []): RawStackConfig {
    const problems: string[] = [];
    const parsed = (name: string): unknown => {
        const key = `capblocks:${name}`;
        const text = values[key];
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text) as unknown;
        } catch {
            const shown = secretKeys.includes(key) ? NOT_SHOWN : JSON.stringify(text.slice(0, 40));
            problems.push(`${key}: is not valid YAML/JSON (${shown}); set it with pulumi config set --path ${key}.<setting> <value>`);
            return undefined;
        }
    };
    const otherKeys = Object.keys(values).filter((k) => k.startsWith("capblocks:") && !CONFIG_KEYS.includes(k.slice("capblocks:".length)));
    const raw: RawStackConfig = {
        project,
        stack,
        region: values["aws:region"],
        reservation: parsed("reservation"),
        codeServer: parsed("codeServer"),
        cluster: parsed("cluster"),
        tags: parsed("tags"),
        aws: Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith("aws:"))),
        otherKeys,
        otherValues: Object.fromEntries(otherKeys.map((k) => [k, values[k]])),
        allKeys: Object.keys(values),
        secretKeys,
    };
    if (problems.length) throw new ConfigError(problems);
    return raw;
}

/**
 * Pulumi's record of the keys that hold secrets (PULUMI_CONFIG_SECRET_KEYS); its SDK types mark the function
 * internal (docs/aws-notes.md#pulumi-secret-config).
 */
function secretConfigKeys(keys: string[]): string[] {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return keys.filter((key) => runtime.isConfigSecret?.(key) ?? false);
}

/** Reads the stack config from Pulumi (`capblocks:*`, `aws:*`) and validates it; settings probably not meant are warned about. */
export function readStackConfig(): StackConfig {
    const values = pulumi.runtime.allConfig();
    const cfg = validateStackConfig(rawStackConfigFrom(values, pulumi.getProject(), pulumi.getStack(), secretConfigKeys(Object.keys(values))));
    for (const warning of configWarnings(cfg)) void pulumi.log.warn(warning);
    return cfg;
}
