import type { AwsSettings } from "../shared/awsCredentials";
import type { CheckFailure } from "../shared/checks";
import { isKnown } from "../shared/unknown";
import { DURATION_RULE, isAllowedDuration, nearestDurations } from "./durations";
import { isPositiveFee } from "./fees";

// Input rules from the EC2 user guide, "Capacity Blocks for ML"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html).

export type Selection = "cheapest" | "earliest";

/** Platforms EC2 sells Capacity Blocks for through the API (default tenancy only). */
export const INSTANCE_PLATFORMS = ["Linux/UNIX", "Red Hat Enterprise Linux", "RHEL with HA", "SUSE Linux", "Ubuntu Pro"];
const DEFAULT_PLATFORM = "Linux/UNIX";
const MAX_INSTANCE_COUNT = 64;
/** Blocks start from 30 minutes to 8 weeks ahead. */
const MAX_START_AHEAD_MS = 8 * 7 * 24 * 3600 * 1000;

/** The inputs the provider sees after the class has filled in token and region. */
export interface CapacityBlockInputs {
    /** The one type to buy; or, instead, instanceTypes. */
    instanceType?: string;
    /** The types acceptable instead of one instanceType: the cheapest per accelerator-hour is bought (./offerings.ts rankOfferings). */
    instanceTypes?: string[];
    /** Accelerators per instance of each of instanceTypes, to compare their prices per accelerator-hour. */
    acceleratorsPerInstance?: Record<string, number>;
    instanceCount: number;
    durationHours: number;
    maxUpfrontFee: string;
    startAfter?: string;
    startBefore?: string;
    availabilityZones?: string[];
    instancePlatform: string;
    selection: Selection;
    generation: number;
    tags?: Record<string, string>;
    region?: string;
    /** The stack's AWS account settings; every EC2 call is signed with them. */
    aws?: AwsSettings;
    purchaseToken: string;
    /** This copy of the stack: a random id made once and kept in its state, tagged on the block it buys. */
    identity: string;
    /** The Pulumi project and stack, tagged on the block bought so people can tell whose it is. */
    project?: string;
    stack?: string;
    /** Set by check for a block not yet bought: what `up` would buy, shown by `pulumi preview`. */
    quote?: string;
}

export function withDefaults(news: Record<string, unknown>): Record<string, unknown> {
    return {
        ...news,
        instancePlatform: news.instancePlatform ?? DEFAULT_PLATFORM,
        selection: news.selection ?? "cheapest",
        generation: news.generation ?? 1,
    };
}

/** The rule one input must follow: `problem` judges a known value, `required` is the reason when it is missing. */
interface InputRule {
    property: string;
    required?: string;
    problem(value: unknown): string | undefined;
}

const isTypeName = (type: unknown) => typeof type === "string" && type.trim() !== "";

const INPUT_RULES: InputRule[] = [
    {
        property: "instanceType",
        problem: (type) => isTypeName(type) ? undefined : "instanceType must be an EC2 instance type such as trn2.3xlarge or p5.48xlarge",
    },
    {
        property: "instanceTypes",
        problem: (types) => Array.isArray(types) && types.length > 0 && types.every(isTypeName) && new Set(types).size === types.length ? undefined
            : "instanceTypes must be a list of distinct EC2 instance types such as [p5.48xlarge, p5e.48xlarge]",
    },
    {
        property: "instanceCount",
        required: "instanceCount is required",
        problem: (n) => Number.isInteger(n) && Number(n) >= 1 && Number(n) <= MAX_INSTANCE_COUNT ? undefined
            : `instanceCount ${String(n)} is not allowed: a Capacity Block holds 1 to ${MAX_INSTANCE_COUNT} instances`,
    },
    {
        property: "durationHours",
        required: "durationHours is required",
        problem: (h) => {
            if (typeof h === "number" && isAllowedDuration(h)) return undefined;
            const near = typeof h === "number" ? nearestDurations(h) : [];
            return `durationHours ${String(h)} is not a Capacity Block duration: use ${DURATION_RULE}` + (near.length ? ` (nearest: ${near.join(" or ")})` : "");
        },
    },
    {
        property: "maxUpfrontFee",
        required: "maxUpfrontFee (USD, decimal string) is required: it is the most a purchase may cost",
        problem: (fee) => isPositiveFee(fee) ? undefined
            : `maxUpfrontFee ${JSON.stringify(fee)} must be a positive USD amount as a decimal string, e.g. "900"`,
    },
    {
        property: "instancePlatform",
        problem: (platform) => INSTANCE_PLATFORMS.includes(String(platform)) ? undefined
            : `instancePlatform ${JSON.stringify(platform)} is not sold as a Capacity Block; use one of: ${INSTANCE_PLATFORMS.join(", ")}`,
    },
    {
        property: "selection",
        problem: (selection) => selection === "cheapest" || selection === "earliest" ? undefined
            : `selection ${JSON.stringify(selection)} must be "cheapest" or "earliest"`,
    },
    {
        property: "generation",
        problem: (g) => Number.isInteger(g) && Number(g) >= 1 ? undefined : `generation ${String(g)} must be a whole number ≥ 1`,
    },
    {
        property: "identity",
        required: "identity is required: the random id of this copy of the stack (components/reservation makes it with random.RandomUuid)",
        problem: (id) => typeof id === "string" && id.trim() !== "" ? undefined : `identity ${JSON.stringify(id)} must be a non-empty string`,
    },
    {
        property: "availabilityZones",
        problem: (azs) => Array.isArray(azs) && azs.every((az) => typeof az === "string" && az !== "") ? undefined
            : "availabilityZones must be a list of zone names such as sa-east-1b",
    },
];

/**
 * Per-property validation; a value unknown during preview is not judged. The window is only validated while a
 * purchase is still to come (`windowMatters`): once bought, a window in the past is history, not an error.
 */
export function checkFailures(inputs: Record<string, unknown>, now: Date, windowMatters: boolean): CheckFailure[] {
    const failures = INPUT_RULES.flatMap(({ property, required, problem }): CheckFailure[] => {
        const value = inputs[property];
        const reason = value === undefined ? required : isKnown(value) ? problem(value) : undefined;
        return reason === undefined ? [] : [{ property, reason }];
    });
    return [...failures, ...typeChoiceFailures(inputs), ...(windowMatters ? windowFailures(inputs, now) : [])];
}

/** The types to search: instanceTypes, or the one instanceType. */
export function typesOf(inputs: Pick<CapacityBlockInputs, "instanceType" | "instanceTypes">): string[] {
    return inputs.instanceTypes ?? (inputs.instanceType === undefined ? [] : [inputs.instanceType]);
}

/** One instanceType or a list of instanceTypes, never both; a list needs every type's accelerators to compare their prices. */
function typeChoiceFailures(inputs: Record<string, unknown>): CheckFailure[] {
    const { instanceType, instanceTypes, acceleratorsPerInstance } = inputs;
    if (instanceType === undefined && instanceTypes === undefined) return [{ property: "instanceType", reason: "instanceType (or instanceTypes) is required" }];
    if (instanceType !== undefined && instanceTypes !== undefined) {
        return [{ property: "instanceTypes", reason: "set either instanceType (one type) or instanceTypes (acceptable types), not both" }];
    }
    if (!Array.isArray(instanceTypes) || !isKnown(acceleratorsPerInstance)) return [];
    const counts = (acceleratorsPerInstance ?? {}) as Record<string, unknown>;
    const unknown = instanceTypes.filter((t) => !(Number.isInteger(counts[String(t)]) && Number(counts[String(t)]) > 0));
    return unknown.length === 0 ? [] : [{
        property: "acceleratorsPerInstance",
        reason: `acceleratorsPerInstance must give a whole number above 0 for every one of instanceTypes; missing for ${unknown.join(", ")}`,
    }];
}

function windowFailures(inputs: Record<string, unknown>, now: Date): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const parsed: Record<string, Date | undefined> = {};
    for (const key of ["startAfter", "startBefore"]) {
        const value = inputs[key];
        if (value === undefined || !isKnown(value)) continue;
        const date = typeof value === "string" ? new Date(value) : new Date(NaN);
        if (Number.isNaN(date.getTime())) {
            failures.push({ property: key, reason: `${key} ${JSON.stringify(value)} is not an ISO 8601 date such as 2026-11-24T00:00:00Z` });
        } else {
            parsed[key] = date;
        }
    }
    const { startAfter, startBefore } = parsed;
    const latestStart = new Date(now.getTime() + MAX_START_AHEAD_MS);
    if (startBefore && startBefore.getTime() <= now.getTime()) {
        failures.push({ property: "startBefore", reason: `startBefore ${startBefore.toISOString()} is in the past (now ${now.toISOString()}): ` +
            "no block can start in this window; set a later startBefore or remove it" });
    }
    if (startAfter && startBefore && startBefore.getTime() <= startAfter.getTime()) {
        failures.push({ property: "startBefore", reason: `startBefore ${startBefore.toISOString()} is not after startAfter ${startAfter.toISOString()}; ` +
            "set startBefore later than startAfter" });
    }
    if (startAfter && startAfter.getTime() > latestStart.getTime()) {
        failures.push({ property: "startAfter", reason: `startAfter ${startAfter.toISOString()} is more than 8 weeks ahead; Capacity Blocks start ` +
            `at most 8 weeks out (latest ${latestStart.toISOString()}); set an earlier startAfter` });
    }
    return failures;
}
