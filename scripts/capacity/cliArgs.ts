/**
 * Flags of the capacity CLIs: `--name value` (or `--name=value`) and bare switches, checked against what the command
 * knows, each problem said with the flag's name.
 */
import { CAPACITY_BLOCK_REGIONS } from "../../components/shared/blockRegions";

/** A problem with what the user asked, said before any AWS call; the CLI exits with 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface FlagSpec {
    /** Flags that take a value. */
    values: string[];
    /** Flags that take none. */
    switches: string[];
}

export type Flags = Map<string, string | true>;

export function parseFlags(argv: string[], spec: FlagSpec, usage: string): Flags {
    const flags: Flags = new Map();
    for (let i = 0; i < argv.length; i++) {
        const [raw, inline] = argv[i].split(/=(.*)/s, 2);
        const name = raw.replace(/^--/, "");
        if (!raw.startsWith("--") || ![...spec.values, ...spec.switches].includes(name)) throw new UsageError(`unknown argument ${argv[i]}\n${usage}`);
        if (spec.switches.includes(name)) {
            flags.set(name, true);
            continue;
        }
        const value = inline ?? argv[++i];
        if (value === undefined || value === "") throw new UsageError(`--${name} needs a value\n${usage}`);
        flags.set(name, value);
    }
    return flags;
}

export function text(flags: Flags, name: string): string | undefined {
    const v = flags.get(name);
    return typeof v === "string" ? v : undefined;
}

export function list(flags: Flags, name: string): string[] | undefined {
    return text(flags, name)?.split(",").map((s) => s.trim()).filter(Boolean);
}

/** The Regions the user named, and the flag that named them. */
export interface GivenRegions {
    regions: string[];
    flag: string;
}

/** --regions r1,r2 | --region r | --all-regions (the Regions AWS documents as selling blocks); undefined: the default. */
export function regionFlags(flags: Flags): GivenRegions | undefined {
    const given = [
        { flag: "--regions", regions: list(flags, "regions") },
        { flag: "--region", regions: list(flags, "region") },
        { flag: "--all-regions", regions: flags.has("all-regions") ? CAPACITY_BLOCK_REGIONS : undefined },
    ].filter((g): g is GivenRegions => g.regions !== undefined);
    if (given.length > 1) throw new UsageError("give one of --region, --regions or --all-regions");
    return given[0];
}

export const REGION_USAGE = "[--region REGION | --regions R1,R2 | --all-regions] [--profile NAME] [--json]";
