/**
 * When what a block needs before it starts is prepared (pure): the images (the dev box's, the cluster nodes') and
 * the cluster's hourly parts. A block can be bought up to 8 weeks before it starts; preparing within LEAD_HOURS of
 * its start keeps what bills by the hour (the NAT gateway, the PCS controller) or by the GB-month (an image's
 * snapshot) from billing for weeks, gets the newest packages into the images, and still leaves time to build (an
 * image takes 30-60 minutes, FSx and PCS tens of minutes) and a window to run `pulumi up` in.
 */

/** How long before the block's start `pulumi up` prepares for it. */
export const LEAD_HOURS = 48;

/** Block states that wait for their start. */
export const WAITING_STATES = ["scheduled", "payment-pending"];

/** The block as the program knows it before registering anything (found by its id). */
export interface KnownBlock {
    state: string;
    /** ISO 8601. */
    startDate: string;
}

/** True while the block waits and starts more than LEAD_HOURS from now: too early to prepare. */
export function tooEarly(known: KnownBlock, now: Date): boolean {
    return WAITING_STATES.includes(known.state) && Date.parse(known.startDate) - now.getTime() > LEAD_HOURS * 3600_000;
}

/** True while the block waits and starts within LEAD_HOURS: the time to prepare. */
export function preparing(known: KnownBlock, now: Date): boolean {
    return WAITING_STATES.includes(known.state) && !tooEarly(known, now);
}

/** From when `pulumi up` prepares for a block starting at `startDate` (ISO 8601); now if that has passed. */
export function prepareFrom(startDate: string, now: Date): string {
    return new Date(Math.max(Date.parse(startDate) - LEAD_HOURS * 3600_000, now.getTime())).toISOString();
}
