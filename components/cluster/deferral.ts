/**
 * When the cluster's hourly parts (and with them its node image) are built (pure), on the schedule of
 * shared/imageSchedule.ts, which the dev box's image shares. A block can be bought up to 8 weeks before it starts, and the
 * NAT gateway, the PCS controller and the login node bill by the hour from the moment they exist (FSx for Lustre
 * by its capacity), so they wait until the block is close:
 *
 * - They are built by the first `pulumi up` that runs within LEAD_HOURS of the block's start, or later; before that
 *   only what bills nothing by the hour is built (the VPC and subnets, security groups, the node role, EFS).
 * - The run that buys the block never builds them: the block's start date is known only once it is bought, and
 *   whether a resource exists must be decided before that. nextStep then says when to run `pulumi up` again.
 * - Once built they stay until `pulumi destroy`: FSx for Lustre holds data, and a generation bump to a far block
 *   must never remove the running cluster. The stack's last outputs say whether they were built (clusterId).
 * - Only a block that has not started is waited for: an active or ended block (or one in any other state) gets
 *   the whole cluster, as it always did.
 *
 * Nothing is ever replaced by this: a later run only adds the deferred resources and the NAT route
 * (docs/replacements.md#the-cluster).
 */
import type { KnownBlock } from "../shared/imageSchedule";
import { LEAD_HOURS, prepareFrom, tooEarly } from "../shared/imageSchedule";

export { LEAD_HOURS };

export interface ClusterTiming {
    /** The block's state and start, when the program knows them (found by its id); undefined on the run that buys it. */
    known?: KnownBlock;
    /** The stack's last deployment built the hourly parts (it exported clusterId). */
    built: boolean;
    now: Date;
}

/** True: build only what bills nothing by the hour; the hourly parts wait for a later `pulumi up`. */
export function deferHourlyParts({ known, built, now }: ClusterTiming): boolean {
    if (built) return false;
    if (!known) return true;
    return tooEarly(known, now);
}

/** From when `pulumi up` builds the hourly parts in time for a block starting at `startDate` (ISO 8601); now if that has passed. */
export const buildFrom = prepareFrom;

/** What nextStep says while the hourly parts (and the node image capblocks builds, `nodeImage`) wait for a block starting at `startDate`. */
export function deferredStep(startDate: string, now: Date, sharedStorage: string, nodeImage = false): string {
    const from = buildFrom(startDate, now);
    const parts = `the NAT gateway, the PCS controller, the login node${sharedStorage === "fsx-lustre" ? ", FSx for Lustre" : ""}, ` +
        `${nodeImage ? "the node image (built with them, about an hour), " : ""}the node groups and the queue`;
    const when = from === now.toISOString()
        ? `run \`pulumi up\` again now (the block starts at ${startDate}, within ${LEAD_HOURS} hours)`
        : `run \`pulumi up\` again from ${from}, before the block starts at ${startDate}`;
    return `The cluster's hourly parts (${parts}) are not built yet, so they bill nothing before the block: ${when} to build them in time.`;
}

/** What nextStep says once the node image capblocks builds exists, while the block waits. */
export function nodeImageReadyStep(amiId: string, startDate: string): string {
    return `The node image ${amiId} is ready: the nodes boot it when the block starts at ${startDate}.`;
}
