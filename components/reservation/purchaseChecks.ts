/**
 * The CapacityBlock check's own rules (dynamic-providers/capacityBlock/inputs.ts, imported, not copied), applied to
 * the stack config while a purchase is still to come: a window that has closed or opens more than 8 weeks out fails
 * before anything is created, in the offline plan as in `pulumi preview`, naming the key.
 */
import { checkFailures } from "../../dynamic-providers/capacityBlock/inputs";
import type { BuyReservationConfig } from "../config";

/** Problems with buying this config at `now`, one line per key: `capblocks:reservation.<key>: <value> <rule>; <fix>`. */
export function purchaseProblems(cfg: BuyReservationConfig, now: Date): string[] {
    // Only what the config says: the identity and token check also wants are made by the program, not set by the user.
    return checkFailures({ ...cfg }, now, true).filter(({ property }) => property in cfg).map(({ property, reason }) => {
        const rule = reason.startsWith(`${property} `) ? reason.slice(property.length + 1) : reason;
        return `capblocks:reservation.${property}: ${rule}`;
    });
}
