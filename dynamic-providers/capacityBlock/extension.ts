import { DURATION_RULE, extensionNeeded, spanHours } from "./durations";
import { closesAt, isOpen } from "./records";
import type { ExtensionRecord } from "./records";
import { extensionClosedReason } from "./states";

// The one extension formula, used by preview's quote and by update: from the live block, never from the state, so an
// adopted block, a slow payment or an earlier lost answer cannot make the two disagree or buy hours twice.

/** One line of DescribeCapacityBlockExtensionHistory. */
export interface HistoryEntry {
    offeringId?: string;
    hours: number;
    status?: string;
    upfrontFee?: string;
    currencyCode?: string;
}

/** The block as EC2 describes it now. */
export interface LiveBlock {
    id: string;
    state: string;
    startDate: Date;
    endDate: Date;
}

export type ExtensionPlan =
    /** Buy an extension of `hours`. */
    | { kind: "buy"; hours: number; recordDone: boolean }
    /** The block already has the hours asked (`message` says so). */
    | { kind: "none"; message: string; recordDone: boolean }
    /** Nothing can be bought now, and `message` says why and what to do; `afterLostAnswer`: one may have been bought before. */
    | { kind: "refuse"; message: string; recordDone: boolean; afterLostAnswer?: boolean };

interface PlanInput {
    block: LiveBlock;
    wantedHours: number;
    history: HistoryEntry[];
    /** The block's extension purchase record, if one is kept (./records.ts). */
    record?: ExtensionRecord;
    now: number;
}

/** What a kept extension record means now: shown by the history or the end date, answered, still open, or not made. */
function recordStatus(record: ExtensionRecord | undefined, block: LiveBlock, history: HistoryEntry[], now: number) {
    if (!record) return "none";
    const listed = history.some((e) => e.offeringId === record.offeringId) || block.endDate.getTime() >= Date.parse(record.expectedEndDate);
    if (listed) return "listed";
    if (record.answered) return "answered";
    return isOpen(record, now) ? "open" : "not-made";
}

/**
 * What `up` does about the block's duration: hours it spans now + extensions bought and not yet paid (history, or a
 * record of one EC2 answered that the history does not list yet) against `wantedHours`. A record that got no answer and
 * is not listed yet blocks any purchase until OPEN_PURCHASE_MS has passed. `recordDone`: the record can go.
 */
export function planExtension({ block, wantedHours, history, record, now }: PlanInput): ExtensionPlan {
    const status = recordStatus(record, block, history, now);
    const recordDone = status === "listed" || status === "not-made";
    if (status === "open" && record) {
        return {
            kind: "refuse", recordDone, afterLostAnswer: true,
            message: `no extension can be bought now: a ${record.hours} h extension of ${block.id} (${record.upfrontFee} ${record.currencyCode}) was sent at ` +
                `${record.sentAt} and got no answer, and neither the extension history nor the block's end date shows it yet. EC2 can take minutes to list it ` +
                `(https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). Run \`pulumi up\` again after ${closesAt(record)}: ` +
                "if it shows by then nothing more is bought; if not, it did not happen and up buys the extension",
        };
    }
    const pendingHours = history.filter((e) => e.status === "payment-pending").reduce((sum, e) => sum + e.hours, 0) +
        (status === "answered" && record ? record.hours : 0);
    const spanned = spanHours(block.startDate, block.endDate) ?? 0;
    const needed = extensionNeeded(wantedHours, spanned, pendingHours);
    if (needed.hours === 0) {
        return { kind: "none", recordDone, message: `${block.id} already has ${wantedHours} h, counting extensions paid or pending; up buys no extension` };
    }
    if (!needed.sold) {
        return {
            kind: "refuse", recordDone,
            message: `no extension can be bought: ${block.id} spans ${spanned} h${pendingHours ? ` (+${pendingHours} h bought, not yet paid)` : ""}; reaching ${wantedHours} h needs a ` +
                `${needed.hours} h extension, which EC2 does not sell (extensions use the block durations: ${DURATION_RULE}); extend in steps EC2 sells`,
        };
    }
    const closed = extensionClosedReason(block.id, block.state, block.endDate, new Date(now));
    if (closed) return { kind: "refuse", recordDone, message: closed };
    if (pendingHours > 0) {
        return {
            kind: "refuse", recordDone,
            message: `no extension can be bought now: a ${pendingHours} h extension of ${block.id} is still payment-pending, and EC2 sells the next one ` +
                `only once it is paid; run up again after that to buy the ${needed.hours} h still missing`,
        };
    }
    return { kind: "buy", hours: needed.hours, recordDone };
}
