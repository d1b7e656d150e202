import type * as pulumi from "@pulumi/pulumi";
import { awsSettingsFailures, sameAwsSettings } from "../shared/awsCredentials";
import type { CheckFailure } from "../shared/checks";
import { withoutUndefined } from "../shared/checks";
import { clock } from "../shared/clock";
import { regionOf } from "../shared/region";
import { isKnown } from "../shared/unknown";
import { alreadyThereMessage, createStep, deleteStep, updateStep } from "./rules";
import { remove, ssmFor, valueOf, write } from "./ssm";

type Props = Record<string, unknown>;

const NAME = /^\/[A-Za-z0-9_./-]+$/;

/** The inputs as stored: what was written, where, and whether an existing parameter may be overwritten. */
function inputsOf(props: Props): Props {
    return withoutUndefined({ name: props.name, value: props.value, overwrite: props.overwrite === true, description: props.description, region: props.region, aws: props.aws });
}

function shapeFailures(news: Props): CheckFailure[] {
    const failures: CheckFailure[] = [];
    if (isKnown(news.name) && !(typeof news.name === "string" && NAME.test(news.name))) {
        failures.push({ property: "name", reason: `name ${JSON.stringify(news.name)} is not an SSM parameter name (an absolute path such as /capacity-block/us-east-2/reservation-id)` });
    }
    if (isKnown(news.value) && !(typeof news.value === "string" && news.value.trim() !== "")) {
        failures.push({ property: "value", reason: `value ${JSON.stringify(news.value)} must be a non-empty string` });
    }
    if (regionOf(news) === undefined) failures.push({ property: "region", reason: "no AWS region: run `pulumi config set aws:region <region>` (or set AWS_REGION)" });
    return [...failures, ...awsSettingsFailures(news.aws)];
}

/**
 * Preview says it now, before `up` buys or writes anything: a parameter this resource has not written yet (new, or
 * renamed) that already exists is refused unless `overwrite`. A read that fails is no answer; create checks again.
 */
async function inTheWay(olds: Props, news: Props): Promise<CheckFailure[]> {
    if (news.overwrite === true || !isKnown(news.name) || olds.name === news.name || regionOf(news) === undefined) return [];
    try {
        const existing = await valueOf(await ssmFor(news, true), String(news.name));
        return existing === undefined ? [] : [{ property: "name", reason: alreadyThereMessage(String(news.name), existing) }];
    } catch {
        return [];
    }
}

/**
 * A value published to an SSM parameter other tools read. It never silently overwrites what someone else wrote
 * (./rules.ts), and destroy deletes it only while it still holds what this resource wrote.
 */
export const publishedParameterProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const inputs = { ...news, region: news.region ?? regionOf(news) };
        const failures = shapeFailures(inputs);
        if (failures.length === 0) failures.push(...await inTheWay(olds, inputs));
        return { inputs: withoutUndefined(inputs), failures };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const replaces = ["name", "region"].filter((k) => isKnown(news[k]) && olds[k] !== news[k]);
        const changed = ["value", "overwrite", "description"].some((k) => !isKnown(news[k]) || (olds[k] ?? false) !== (news[k] ?? false)) ||
            !isKnown(news.aws) || !sameAwsSettings(olds.aws, news.aws);
        return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: false };
    },

    async create(props: Props): Promise<pulumi.dynamic.CreateResult> {
        const inputs = inputsOf(props);
        const name = String(inputs.name);
        const value = String(inputs.value);
        const ssm = await ssmFor(inputs);
        const step = createStep(name, await valueOf(ssm, name), inputs.overwrite === true);
        if (step.kind === "refuse") throw new Error(`PublishedParameter: ${step.message}`);
        let version: number;
        try {
            version = await write(ssm, name, value, String(inputs.description ?? ""), step.kind === "take-over");
        } catch (err) {
            // Written meanwhile: by this very call whose answer was lost (it holds this value), or by someone else.
            if ((err as Error)?.name !== "ParameterAlreadyExists") throw err;
            const now = await valueOf(ssm, name);
            if (now !== value) throw new Error(`PublishedParameter: ${alreadyThereMessage(name, String(now))}`);
            version = 0;
        }
        const tookOver = step.kind === "take-over" ? { previousValue: step.previousValue } : {};
        if (step.kind === "take-over") clock().notify(`PublishedParameter: took over SSM parameter ${name}: it held ${JSON.stringify(step.previousValue)}, now ${JSON.stringify(value)}.`);
        return { id: name, outs: { ...inputs, ...tookOver, version, currentValue: value } };
    },

    async read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
        const current = props ?? {};
        const live = await valueOf(await ssmFor(current), id);
        // What this resource wrote stays `value`; what the parameter holds now is `currentValue` ("" when it is gone).
        return { id, props: { ...current, currentValue: live ?? "" } };
    },

    async update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        const inputs = inputsOf(news);
        const value = String(inputs.value);
        const ssm = await ssmFor(inputs);
        const step = updateStep(id, await valueOf(ssm, id), String(olds.value), inputs.overwrite === true);
        if (step.kind === "refuse") throw new Error(`PublishedParameter: ${step.message}`);
        const version = await write(ssm, id, value, String(inputs.description ?? ""), step.kind === "write");
        return { outs: { ...inputs, ...(olds.previousValue !== undefined ? { previousValue: olds.previousValue } : {}), version, currentValue: value } };
    },

    async delete(id: string, props: Props): Promise<void> {
        const ssm = await ssmFor(props);
        const step = deleteStep(id, await valueOf(ssm, id), String(props.value));
        if (step.kind === "delete") await remove(ssm, id);
        if (step.kind === "leave") clock().notify(step.notice);
    },
};
