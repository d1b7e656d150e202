import { paymentPollDelays } from "../shared/backoff";
import { clock } from "../shared/clock";
import { describeReservation } from "./ec2";
import type { Ec2 } from "./ec2";
import { errorText, isRetryableReadError } from "./errors";
import { liveFields } from "./outputs";
import { blockKeptInState, classifyState, neverUsableMessage } from "./states";

/** How long create waits for payment (`payment-pending` → `scheduled`) before handing back with the id kept. */
const PAYMENT_WAIT_MS = 20 * 60 * 1000;

/** Polls until the block is paid (`scheduled`/`active`); payment-failed or the bound keeps the id in state. */
export async function waitUntilPaid(ec2: Ec2, outs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = outs.reservationId as string;
    let current = outs;
    for (const delay of [0, ...paymentPollDelays(PAYMENT_WAIT_MS)]) {
        await clock().sleep(delay);
        const r = await describeReservation(ec2, id).catch((err) => {
            if (isRetryableReadError(err)) return undefined;
            throw blockKeptInState(`CapacityBlock ${id} was bought but could not be read (${errorText(err)}); run \`pulumi refresh\`.`, id, current);
        });
        if (!r) continue;
        current = { ...current, ...liveFields(r) };
        const cls = classifyState(String(current.state));
        if (cls === "paid") return current;
        if (cls === "payment-failed") {
            throw blockKeptInState(neverUsableMessage(id, "payment-failed", current.generation) as string, id, current);
        }
        if (cls !== "pending") {
            throw blockKeptInState(`CapacityBlock ${id} is in state ${String(current.state)}, not usable.`, id, current);
        }
    }
    throw blockKeptInState(`CapacityBlock ${id} was bought and is still ${String(current.state)} after ${PAYMENT_WAIT_MS / 60000} minutes. ` +
        `It is kept in state; run \`pulumi up\` or \`pulumi refresh\` later to see it paid.`, id, current);
}
