/**
 * capblocks:reservation.publishParameter: the block's id, and the subnet it is used from (the code-server box's, else
 * the cluster's compute subnet), written where the seed scripts kept them (`/capacity-block/<region>/reservation-id`,
 * `/capacity-block/<region>/subnet-id`), so those scripts and other stacks (capblocks:reservation.parameterName) pick
 * up a block this stack bought or adopted.
 * A parameter that already exists is taken over only with `publishParameter: overwrite`; `pulumi destroy` (or turning
 * publishParameter off) deletes a parameter only while it still holds what this stack wrote.
 */
import * as pulumi from "@pulumi/pulumi";
import { PublishedParameter } from "../../dynamic-providers/publishedParameter";
import type { PublishParameter } from "../config";
import type { AwsSettings } from "../shared/awsSettings";
import { awsSettingsInput } from "../shared/awsSettings";
import { seedParameterNames } from "./seedParameters";

/** Logical names: part of the URNs, so they must never change. */
const BLOCK_PARAMETER_NAME = "block-parameter";
const SUBNET_PARAMETER_NAME = "block-subnet-parameter";

export interface PublishArgs {
    setting: PublishParameter | undefined;
    region: string;
    aws: AwsSettings;
    /** The block the instances use (for a new generation still starting: the one they stay on). */
    blockId: pulumi.Input<string>;
    /** The box's subnet, else the cluster's compute subnet; none without either. */
    subnetId?: pulumi.Input<string>;
}

/** The parameters published, as stack outputs (their names); none when publishParameter is off. */
export function publishBlock({ setting, region, aws, blockId, subnetId }: PublishArgs): Record<string, string> {
    if (!setting) return {};
    const names = seedParameterNames(region);
    const common = {
        overwrite: setting === "overwrite",
        region,
        aws: awsSettingsInput(aws),
        description: `Written by capblocks stack ${pulumi.getProject()}/${pulumi.getStack()} (capblocks:reservation.publishParameter); ` +
            "pulumi destroy deletes it while it holds this value",
    };
    new PublishedParameter(BLOCK_PARAMETER_NAME, { ...common, name: names.reservationId, value: blockId });
    if (subnetId === undefined) return { blockParameter: names.reservationId };
    new PublishedParameter(SUBNET_PARAMETER_NAME, { ...common, name: names.subnetId, value: subnetId });
    return { blockParameter: names.reservationId, subnetParameter: names.subnetId };
}
