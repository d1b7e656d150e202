/**
 * The stack config (`capblocks:*`, `aws:region` and the `aws:*` account settings) checked and defaulted before anything is created. Everything
 * but readStackConfig is pure, so the offline plan checks a stack file exactly as `pulumi up` does.
 */
import * as pulumi from "@pulumi/pulumi";
import { awsSettingsFrom } from "../shared/awsSettings";
import { clusterProblems, codeServerProblems, reservationProblems } from "./crossKeyRules";
import { clusterFrom, codeServerFrom, reservationFrom } from "./defaults";
import { checkedInput, ConfigError } from "./problems";
import { CONFIG_KEYS } from "./schema";
import type { RawStackConfig, StackConfig } from "./types";

export { clusterCapacity } from "./crossKeyRules";
export { ConfigError } from "./problems";
export type {
    AdoptReservationConfig,
    BuyReservationConfig,
    ClusterConfig,
    CodeServerConfig,
    RawStackConfig,
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
    const cluster = clusterFrom(input.cluster, raw.project, raw.stack);
    const problems = [
        ...aws.problems,
        ...(input.reservation ? reservationProblems(input.reservation, input.region) : []),
        ...codeServerProblems(input.codeServer, codeServer.enabled, reservation, input.region),
        ...clusterProblems(cluster, reservation, codeServer.enabled),
    ];
    if (problems.length) throw new ConfigError(problems);
    return { region: input.region, aws: aws.settings, reservation, codeServer, cluster, tags: input.tags };
}

/**
 * The raw config from Pulumi's flat key → string map (what `pulumi.runtime.allConfig()` returns, and what
 * the offline plan builds from a stack file): object-valued keys arrive as JSON text.
 */
export function rawStackConfigFrom(values: Record<string, string>, project: string, stack: string): RawStackConfig {
    const problems: string[] = [];
    const parsed = (name: string): unknown => {
        const text = values[`capblocks:${name}`];
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text) as unknown;
        } catch {
            problems.push(`capblocks:${name}: is not valid YAML/JSON (${JSON.stringify(text.slice(0, 40))})`);
            return undefined;
        }
    };
    const raw: RawStackConfig = {
        project,
        stack,
        region: values["aws:region"],
        reservation: parsed("reservation"),
        codeServer: parsed("codeServer"),
        cluster: parsed("cluster"),
        tags: parsed("tags"),
        aws: Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith("aws:"))),
        otherKeys: Object.keys(values).filter((k) => k.startsWith("capblocks:") && !CONFIG_KEYS.includes(k.slice("capblocks:".length))),
        allKeys: Object.keys(values),
    };
    if (problems.length) throw new ConfigError(problems);
    return raw;
}

/** Reads the stack config from Pulumi (`capblocks:*`, `aws:*`) and validates it. */
export function readStackConfig(): StackConfig {
    return validateStackConfig(rawStackConfigFrom(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack()));
}
