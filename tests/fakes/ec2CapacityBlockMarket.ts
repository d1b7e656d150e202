import type {
    CapacityBlockExtension, CapacityBlockOffering, CapacityReservation, Tag} from "@aws-sdk/client-ec2";
import { CreateTagsCommand, DeleteTagsCommand,
    DescribeCapacityBlockExtensionHistoryCommand, DescribeCapacityBlockExtensionOfferingsCommand,
    DescribeCapacityBlockOfferingsCommand, DescribeCapacityReservationsCommand, EC2Client, EC2ServiceException,
    PurchaseCapacityBlockCommand, PurchaseCapacityBlockExtensionCommand
} from "@aws-sdk/client-ec2";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient, SSMServiceException } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { CLOCK_HOOK_KEY } from "../../dynamic-providers/shared/clock";

/*
 * A time-driven fake of the EC2 Capacity Block market, per the EC2 user guide and API reference
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks.html):
 * - DescribeCapacityBlockOfferings: a handful of offerings, IDs new on every search, UpfrontFee a decimal string,
 *   pages with NextToken; starts 11:30 UTC (blocks end at 11:30 UTC), 30 min to 8 weeks ahead.
 * - PurchaseCapacityBlock: no idempotency token; a reservation `payment-pending` → `scheduled` (after paymentDelayMs)
 *   → `active` at start → `expired` at end; `payment-failed` on demand. Tags from TagSpecifications.
 * - DescribeCapacityReservations honours CapacityReservationIds (unknown id: InvalidCapacityReservationId.NotFound)
 *   and `tag:<key>` filters.
 * - DescribeCapacityReservations also filters by instance-type and availability-zone (any other filter name but tag:
 *   is refused, as the API refuses unknown ones).
 * - Same-day offerings (supply `sameDayStartMinutes`): a block starting minutes from now ends at 11:30 UTC, so it is
 *   a little shorter or longer than asked (CapacityBlockDurationHours plus CapacityBlockDurationMinutes), per
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-purchase.html.
 * - Extensions: offerings while scheduled/active from 56 days to 1 hour before the end; purchases recorded in the
 *   history, payment-pending → payment-succeeded after paymentDelayMs; only a paid extension moves the end date.
 * - SSM Parameter Store for the purchase records: PutParameter (Overwrite=false fails with ParameterAlreadyExists),
 *   GetParameter and DeleteParameter (ParameterNotFound for a missing name).
 * - Regional: a client in one Region sees only that Region's offerings and blocks (by Availability Zone name); searches
 *   running side by side page their own results.
 * Faults: every call from one Region failing (failInRegion), throttling per operation, offerings (and extension offerings) that vanish before purchase, lost answers
 * after a real purchase, a process killed right after a purchase answered, reservations missing from every listing or
 * from tag-filtered listings only, an extension history that lags, a NextToken that repeats, offers in other
 * currencies or with odd fee strings.
 * No test-framework dependency: install() wires it to aws-sdk-client-mock; a --require preload can call it too.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Supply {
    instanceType: string;
    availabilityZone: string;
    /** Most instances one block may hold here. */
    maxCount: number;
    /** Per instance-hour; the fee is count × hours × this, as a decimal string (block and extension). */
    pricePerInstanceHour: number;
    /** Days from today at which blocks start (at 11:30 UTC). */
    startDays: number[];
    /** Minutes from now at which same-day blocks start, each ending at the 11:30 UTC nearest the hours asked. */
    sameDayStartMinutes?: number[];
    /** CurrencyCode of the fees here; default USD. */
    currencyCode?: string;
    /** A fee string used as is for every block here, whatever the hours (e.g. "900.0000000000000001", "$800"). */
    fixedFee?: string;
}

export interface MarketOptions {
    /** Epoch ms the clock starts at. */
    start: number;
    supply: Supply[];
    /** Offerings per page of DescribeCapacityBlockOfferings (the real API's MaxResults default is larger). */
    pageSize?: number;
    /** Time from purchase until payment clears. */
    paymentDelayMs?: number;
}

type Operation =
    | "DescribeCapacityBlockOfferings" | "PurchaseCapacityBlock" | "DescribeCapacityReservations" | "CreateTags" | "DeleteTags"
    | "DescribeCapacityBlockExtensionOfferings" | "PurchaseCapacityBlockExtension" | "DescribeCapacityBlockExtensionHistory"
    | "PutParameter" | "GetParameter" | "DeleteParameter";

/** Operations that page with NextToken. */
type Paged = "DescribeCapacityBlockOfferings" | "DescribeCapacityReservations" | "DescribeCapacityBlockExtensionOfferings" | "DescribeCapacityBlockExtensionHistory";

interface Reservation {
    id: string;
    instanceType: string;
    instanceCount: number;
    availabilityZone: string;
    instancePlatform: string;
    start: number;
    end: number;
    purchasedAt: number;
    paymentDelayMs: number;
    paymentFails: boolean;
    tags: Map<string, string>;
    /** Listed by DescribeCapacityReservations from this time on (eventual consistency). */
    listedAt: number;
    /** Listed by a tag: filter from this time on. */
    tagListedAt: number;
}

interface Extension {
    reservationId: string;
    offeringId: string;
    hours: number;
    upfrontFee: string;
    currencyCode: string;
    purchasedAt: number;
    paymentFails: boolean;
    /** Listed by DescribeCapacityBlockExtensionHistory from this time on. */
    listedAt: number;
}

function awsError(name: string, message: string, httpStatusCode: number, fault: "client" | "server" = "client"): Error {
    return new EC2ServiceException({ name, message, $fault: fault, $metadata: { httpStatusCode } });
}

function ssmError(name: string, message: string): Error {
    return new SSMServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

/** Lost answers: the network or a 5xx after EC2 may have acted. */
function lostAnswer(): Error {
    return Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
}

export class Ec2CapacityBlockMarket {
    private time: number;
    private readonly supply: Supply[];
    private readonly pageSize: number;
    readonly paymentDelayMs: number;
    private readonly offerings = new Map<string, CapacityBlockOffering>();
    private readonly extensionOfferings = new Map<string, { reservationId: string; hours: number; upfrontFee: string; currencyCode: string }>();
    private readonly reservations = new Map<string, Reservation>();
    private readonly extensions: Extension[] = [];
    private readonly soldSlots = new Map<string, number>();
    private serial = 0;
    private readonly throttles = new Map<Operation, number>();
    private readonly injected = {
        offeringsGoneOnPurchase: 0, extensionOfferingsGoneOnPurchase: 0, loseNextPurchaseAnswer: false, loseNextExtensionAnswer: false,
        failNextPayment: false, hideNewReservationsForMs: 0, tagFilterLagMs: 0, extensionHistoryLagMs: 0, killAfterNextPurchase: false,
        nextPaymentDelayMs: undefined as number | undefined, goneCode: "InvalidCapacityBlockOfferingIdExpired", denyParameters: false,
    };
    private readonly repeatTokens = new Set<Paged>();
    private readonly parameters = new Map<string, { value: string; version: number; modified: number }>();
    /** Set once a process was killed (killAfterNextPurchase): every call and sleep fails until revive(). */
    private killed = false;
    /** Every call, with the calling client's maxAttempts (1 means the SDK never resends it). */
    readonly calls: { operation: Operation; input: unknown; clientMaxAttempts?: number; region?: string }[] = [];
    /** Set by install() just before each operation. */
    callerMaxAttempts?: number;
    /** The calling client's Region, set by install() just before each operation (undefined when it names none). */
    callerRegion?: string;
    private readonly regionFailures = new Map<string, Error>();

    constructor(options: MarketOptions) {
        this.time = options.start;
        this.supply = options.supply;
        this.pageSize = options.pageSize ?? 2;
        this.paymentDelayMs = options.paymentDelayMs ?? 3 * 60_000;
    }

    /** Notices the provider gave the user (what the engine would show as info diagnostics). */
    readonly notices: string[] = [];

    /** The clock the provider should use (its sleep advances market time instantly; notices are collected). */
    readonly clock = {
        now: (): number => this.time,
        sleep: async (ms: number): Promise<void> => {
            this.assertAlive();
            this.time += ms;
        },
        notify: (message: string): void => { this.notices.push(message); },
    };

    advance(ms: number): void {
        this.time += ms;
    }

    count(operation: Operation): number {
        return this.calls.filter((c) => c.operation === operation).length;
    }

    // ---- fault injection ----
    throttle(operation: Operation, times: number): void {
        this.throttles.set(operation, times);
    }
    /** The next `n` purchases find their offering already sold (InvalidCapacityBlockOfferingIdExpired, or `code`). */
    offeringsVanishOnPurchase(n: number, code = "InvalidCapacityBlockOfferingIdExpired"): void {
        this.injected.offeringsGoneOnPurchase = n;
        this.injected.goneCode = code;
    }
    /** The next `n` extension purchases find their offering already sold (InvalidCapacityBlockOfferingIdExpired). */
    extensionOfferingsVanishOnPurchase(n: number): void {
        this.injected.extensionOfferingsGoneOnPurchase = n;
    }
    /** The next purchase buys for real, then the answer is lost (network error). */
    loseNextPurchaseAnswer(): void {
        this.injected.loseNextPurchaseAnswer = true;
    }
    loseNextExtensionAnswer(): void {
        this.injected.loseNextExtensionAnswer = true;
    }
    failNextPayment(): void {
        this.injected.failNextPayment = true;
    }
    /** New reservations stay out of DescribeCapacityReservations for a while (eventual consistency). */
    hideNewReservationsFor(ms: number): void {
        this.injected.hideNewReservationsForMs = ms;
    }
    /** New reservations are listed at once, but not by a tag: filter for a while (a lagging tag index). */
    lagTagFilterFor(ms: number): void {
        this.injected.tagFilterLagMs = ms;
    }
    /** New extensions stay out of DescribeCapacityBlockExtensionHistory for a while. */
    lagExtensionHistoryFor(ms: number): void {
        this.injected.extensionHistoryLagMs = ms;
    }
    /** The next purchase is paid `ms` after it is made (default: paymentDelayMs). */
    paymentDelayForNext(ms: number): void {
        this.injected.nextPaymentDelayMs = ms;
    }
    /** `operation` answers every page with the NextToken it was asked for (or "again" for the first page), forever. */
    repeatNextToken(operation: Paged): void {
        this.repeatTokens.add(operation);
    }
    /**
     * The next purchase (block or extension) is made and answered, then the process dies: every later call and clock
     * sleep fails with "process killed" until revive() (a new process: `pulumi up` again).
     */
    killAfterNextPurchase(): void {
        this.injected.killAfterNextPurchase = true;
    }
    revive(): void {
        this.killed = false;
    }
    /** PutParameter, GetParameter and DeleteParameter answer AccessDeniedException (the caller lacks the ssm: permissions). */
    denyParameters(): void {
        this.injected.denyParameters = true;
    }
    /**
     * Every call from a client in `region` fails with `error` (a Region not enabled for the account, a host name that
     * does not resolve, missing credentials as the SDK reports them).
     */
    failInRegion(region: string, error: Error): void {
        this.regionFailures.set(region, error);
    }
    /** AWS no longer returns this reservation (it answers InvalidCapacityReservationId.NotFound). */
    forget(reservationId: string): void {
        this.reservations.delete(reservationId);
    }

    // ---- inspection ----
    reservationIds(): string[] {
        return [...this.reservations.keys()];
    }
    tagsOf(reservationId: string): Record<string, string> {
        return Object.fromEntries(this.reservations.get(reservationId)?.tags ?? []);
    }
    /** Extensions bought for a block, whatever their status. */
    extensionsOf(reservationId: string): { hours: number; status: string }[] {
        return this.extensions.filter((e) => e.reservationId === reservationId).map((e) => ({ hours: e.hours, status: this.extensionStatus(e) }));
    }
    /** The block's end date now (paid extensions included). */
    endOfReservation(reservationId: string): string {
        return new Date(this.endOf(this.reservations.get(reservationId) as Reservation)).toISOString();
    }
    /** The SSM parameters that exist, by name, with their values. */
    parameterValues(): Record<string, string> {
        return Object.fromEntries([...this.parameters].map(([name, p]) => [name, p.value]));
    }
    /** Writes a parameter as if another process had (e.g. another copy of the stack). */
    seedParameter(name: string, value: string): void {
        this.parameters.set(name, { value, version: 1, modified: this.time });
    }
    /** Seeds a reservation as if bought earlier (e.g. by a crashed run). */
    seedReservation(r: { instanceType: string; instanceCount: number; availabilityZone: string; start: number; hours: number; tags: Record<string, string>; minutes?: number }): string {
        const id = this.newId("cr-", 17);
        this.reservations.set(id, {
            id, instanceType: r.instanceType, instanceCount: r.instanceCount, availabilityZone: r.availabilityZone, instancePlatform: "Linux/UNIX",
            start: r.start, end: r.start + r.hours * HOUR + (r.minutes ?? 0) * 60_000, purchasedAt: this.time - this.paymentDelayMs,
            paymentDelayMs: this.paymentDelayMs, paymentFails: false, tags: new Map(Object.entries(r.tags)), listedAt: this.time, tagListedAt: this.time,
        });
        return id;
    }

    private newId(prefix: string, length: number): string {
        this.serial += 1;
        const random = Math.floor(Math.random() * 0xffffff).toString(16);
        return (prefix + (this.serial.toString(16) + random).padStart(length, "0")).slice(0, prefix.length + length);
    }

    /** After a purchase answered: the process dies now if killAfterNextPurchase asked for it. */
    private dieIfAsked(): void {
        if (!this.injected.killAfterNextPurchase) return;
        this.injected.killAfterNextPurchase = false;
        this.killed = true;
    }

    private assertAlive(): void {
        if (this.killed) throw Object.assign(new Error("process killed"), { name: "ProcessKilled" });
    }

    /** EC2 is regional: a client in one Region sees that Region's offerings and blocks only (any, when it names none). */
    private inCallerRegion(availabilityZone: string): boolean {
        return this.callerRegion === undefined || availabilityZone.startsWith(this.callerRegion);
    }

    private record(operation: Operation, input: unknown): void {
        this.assertAlive();
        this.calls.push({ operation, input, clientMaxAttempts: this.callerMaxAttempts, region: this.callerRegion });
        const failure = this.callerRegion === undefined ? undefined : this.regionFailures.get(this.callerRegion);
        if (failure) throw failure;
        const left = this.throttles.get(operation) ?? 0;
        if (left > 0) {
            this.throttles.set(operation, left - 1);
            throw awsError("RequestLimitExceeded", "Request limit exceeded.", 503, "client");
        }
    }

    // ---- operations ----
    describeOfferings(input: DescribeCapacityBlockOfferingsCommand["input"]) {
        this.record("DescribeCapacityBlockOfferings", input);
        const hours = input.CapacityDurationHours ?? 0;
        const count = input.InstanceCount ?? 1;
        // NextToken "page:<offset>:<search>": searches running side by side (types, Regions) each page their own results.
        const [, offset, searchId] = (input.NextToken ?? "").split(":");
        const pageStart = input.NextToken ? Number(offset) : 0;
        const search = input.NextToken && this.searches.has(searchId) ? searchId : String(this.searches.size);
        if (!this.searches.has(search)) {
            this.searches.set(search, this.search(input.InstanceType ?? "", count, hours, input.StartDateRange, input.EndDateRange));
        }
        const all = this.searches.get(search) as CapacityBlockOffering[];
        const size = Math.min(input.MaxResults ?? this.pageSize, this.pageSize);
        if (this.repeatTokens.has("DescribeCapacityBlockOfferings")) return { CapacityBlockOfferings: all.slice(0, size), NextToken: input.NextToken ?? "page:0" };
        const page = all.slice(pageStart, pageStart + size);
        const next = pageStart + size < all.length ? `page:${pageStart + size}:${search}` : undefined;
        return { CapacityBlockOfferings: page, NextToken: next };
    }
    private readonly searches = new Map<string, CapacityBlockOffering[]>();

    /** Start and end of each block `s` offers for `hours`: whole days from 11:30 UTC, then same-day ones ending at 11:30 UTC. */
    private slots(s: Supply, hours: number): { start: number; end: number }[] {
        const today1130 = Math.floor(this.time / DAY) * DAY + 11.5 * HOUR;
        const slots = s.startDays.map((day) => ({ start: today1130 + day * DAY, end: today1130 + day * DAY + hours * HOUR }));
        for (const minutes of s.sameDayStartMinutes ?? []) {
            const start = Math.floor((this.time + minutes * 60_000) / 60_000) * 60_000;
            const before = Math.floor((start + hours * HOUR - 11.5 * HOUR) / DAY) * DAY + 11.5 * HOUR;
            for (const end of [before, before + DAY]) if (Math.abs(end - start - hours * HOUR) < 12 * HOUR) slots.push({ start, end });
        }
        return slots;
    }

    private search(instanceType: string, count: number, hours: number, startRange?: Date, endRange?: Date): CapacityBlockOffering[] {
        const found: CapacityBlockOffering[] = [];
        for (const s of this.supply) {
            if (s.instanceType !== instanceType || count > s.maxCount || !this.inCallerRegion(s.availabilityZone)) continue;
            for (const { start, end } of this.slots(s, hours)) {
                if (start < this.time + 30 * 60_000 || start > this.time + 56 * DAY) continue;
                if (startRange && start < new Date(startRange).getTime()) continue;
                if (endRange && end > new Date(endRange).getTime()) continue;
                if (this.soldSlots.has(`${s.availabilityZone}/${start}/${end}`)) continue;
                const minutes = Math.round((end - start) / 60_000);
                const offering: CapacityBlockOffering = {
                    CapacityBlockOfferingId: this.newId("cbo-", 17),
                    InstanceType: instanceType, AvailabilityZone: s.availabilityZone, InstanceCount: count,
                    StartDate: new Date(start), EndDate: new Date(end),
                    CapacityBlockDurationHours: Math.floor(minutes / 60), CapacityBlockDurationMinutes: minutes % 60,
                    UpfrontFee: s.fixedFee ?? (s.pricePerInstanceHour * count * (minutes / 60)).toFixed(2), CurrencyCode: s.currencyCode ?? "USD", Tenancy: "default",
                };
                this.offerings.set(offering.CapacityBlockOfferingId as string, offering);
                found.push(offering);
            }
        }
        return found;
    }

    purchase(input: PurchaseCapacityBlockCommand["input"]) {
        this.record("PurchaseCapacityBlock", input);
        const offering = this.offerings.get(input.CapacityBlockOfferingId ?? "");
        if (!offering || this.injected.offeringsGoneOnPurchase > 0) {
            if (offering) this.injected.offeringsGoneOnPurchase -= 1;
            const code = offering ? this.injected.goneCode : "InvalidCapacityBlockOfferingIdExpired";
            throw awsError(code, code === "InvalidParameterValue" ? "The offering ID is not valid." : "The Capacity Block offering ID is no longer available.", 400);
        }
        this.offerings.delete(input.CapacityBlockOfferingId as string);
        const start = new Date(offering.StartDate as Date).getTime();
        const end = new Date(offering.EndDate as Date).getTime();
        this.soldSlots.set(`${offering.AvailabilityZone}/${start}/${end}`, start);
        const tags = new Map<string, string>();
        for (const spec of input.TagSpecifications ?? []) {
            if (spec.ResourceType !== "capacity-reservation") continue;
            for (const t of spec.Tags ?? []) tags.set(t.Key as string, t.Value ?? "");
        }
        const listedAt = this.time + this.injected.hideNewReservationsForMs;
        const reservation: Reservation = {
            id: this.newId("cr-", 17), instanceType: offering.InstanceType as string, instanceCount: offering.InstanceCount as number,
            availabilityZone: offering.AvailabilityZone as string, instancePlatform: input.InstancePlatform as string,
            start, end, purchasedAt: this.time, paymentDelayMs: this.injected.nextPaymentDelayMs ?? this.paymentDelayMs,
            paymentFails: this.injected.failNextPayment, tags, listedAt, tagListedAt: Math.max(listedAt, this.time + this.injected.tagFilterLagMs),
        };
        this.injected.failNextPayment = false;
        this.injected.nextPaymentDelayMs = undefined;
        this.reservations.set(reservation.id, reservation);
        if (this.injected.loseNextPurchaseAnswer) {
            this.injected.loseNextPurchaseAnswer = false;
            throw lostAnswer();
        }
        this.dieIfAsked();
        return { CapacityReservation: this.toApi(reservation), CapacityBlocks: [] };
    }

    private endOf(r: Reservation): number {
        const paid = this.extensions.filter((e) => e.reservationId === r.id && this.extensionStatus(e) === "payment-succeeded");
        return r.end + paid.reduce((sum, e) => sum + e.hours * HOUR, 0);
    }

    private stateOf(r: Reservation): string {
        if (this.time < r.purchasedAt + r.paymentDelayMs) return "payment-pending";
        if (r.paymentFails) return "payment-failed";
        if (this.time < r.start) return "scheduled";
        if (this.time < this.endOf(r)) return "active";
        return "expired";
    }

    private toApi(r: Reservation): CapacityReservation {
        const state = this.stateOf(r);
        return {
            CapacityReservationId: r.id, InstanceType: r.instanceType, InstancePlatform: r.instancePlatform as never,
            AvailabilityZone: r.availabilityZone, TotalInstanceCount: r.instanceCount,
            AvailableInstanceCount: state === "active" ? r.instanceCount : 0, StartDate: new Date(r.start), EndDate: new Date(this.endOf(r)),
            State: state as never, ReservationType: "capacity-block", Tenancy: "default",
            Tags: [...r.tags].map(([Key, Value]): Tag => ({ Key, Value })),
        };
    }

    describeReservations(input: DescribeCapacityReservationsCommand["input"]) {
        this.record("DescribeCapacityReservations", input);
        let found = [...this.reservations.values()].filter((r) => this.time >= r.listedAt && this.inCallerRegion(r.availabilityZone));
        if (input.CapacityReservationIds?.length) {
            const missing = input.CapacityReservationIds.filter((id) => !found.some((r) => r.id === id));
            if (missing.length) throw awsError("InvalidCapacityReservationId.NotFound", `The capacity reservation ID '${missing[0]}' does not exist`, 400);
            found = found.filter((r) => input.CapacityReservationIds?.includes(r.id));
        }
        const values = (f: { Values?: string[] }) => f.Values ?? [];
        for (const f of input.Filters ?? []) {
            if (f.Name?.startsWith("tag:")) {
                const key = f.Name.slice(4);
                found = found.filter((r) => this.time >= r.tagListedAt && r.tags.has(key) && values(f).includes(r.tags.get(key) as string));
            } else if (f.Name === "instance-type") {
                found = found.filter((r) => values(f).includes(r.instanceType));
            } else if (f.Name === "availability-zone") {
                found = found.filter((r) => values(f).includes(r.availabilityZone));
            } else {
                throw awsError("InvalidParameterValue", `The filter '${f.Name}' is invalid`, 400);
            }
        }
        const again = this.repeatTokens.has("DescribeCapacityReservations") ? { NextToken: input.NextToken ?? "again" } : {};
        return { CapacityReservations: found.map((r) => this.toApi(r)), ...again };
    }

    createTags(input: CreateTagsCommand["input"]) {
        this.record("CreateTags", input);
        for (const id of input.Resources ?? []) {
            const r = this.reservations.get(id);
            if (!r) throw awsError("InvalidCapacityReservationId.NotFound", `The capacity reservation ID '${id}' does not exist`, 400);
            for (const t of input.Tags ?? []) r.tags.set(t.Key as string, t.Value ?? "");
        }
        return {};
    }

    deleteTags(input: DeleteTagsCommand["input"]) {
        this.record("DeleteTags", input);
        for (const id of input.Resources ?? []) {
            for (const t of input.Tags ?? []) this.reservations.get(id)?.tags.delete(t.Key as string);
        }
        return {};
    }

    describeExtensionOfferings(input: DescribeCapacityBlockExtensionOfferingsCommand["input"]) {
        this.record("DescribeCapacityBlockExtensionOfferings", input);
        const r = this.reservations.get(input.CapacityReservationId ?? "");
        if (!r) throw awsError("InvalidCapacityReservationId.NotFound", `The capacity reservation ID '${input.CapacityReservationId}' does not exist`, 400);
        const hours = input.CapacityBlockExtensionDurationHours ?? 0;
        const untilEnd = this.endOf(r) - this.time;
        const state = this.stateOf(r);
        if ((state !== "scheduled" && state !== "active") || untilEnd > 56 * DAY || untilEnd < HOUR) return { CapacityBlockExtensionOfferings: [] };
        const supply = this.supply.find((s) => s.instanceType === r.instanceType && s.availabilityZone === r.availabilityZone);
        const id = this.newId("cbeo-", 17);
        const upfrontFee = ((supply?.pricePerInstanceHour ?? 1) * r.instanceCount * hours).toFixed(2);
        const currencyCode = supply?.currencyCode ?? "USD";
        this.extensionOfferings.set(id, { reservationId: r.id, hours, upfrontFee, currencyCode });
        const again = this.repeatTokens.has("DescribeCapacityBlockExtensionOfferings") ? { NextToken: input.NextToken ?? "again" } : {};
        return {
            CapacityBlockExtensionOfferings: [{
                CapacityBlockExtensionOfferingId: id, InstanceType: r.instanceType, InstanceCount: r.instanceCount, AvailabilityZone: r.availabilityZone,
                StartDate: new Date(r.start), CapacityBlockExtensionStartDate: new Date(this.endOf(r)),
                CapacityBlockExtensionEndDate: new Date(this.endOf(r) + hours * HOUR), CapacityBlockExtensionDurationHours: hours,
                UpfrontFee: upfrontFee, CurrencyCode: currencyCode,
                Tenancy: "default" as const,
            }],
            ...again,
        };
    }

    purchaseExtension(input: PurchaseCapacityBlockExtensionCommand["input"]) {
        this.record("PurchaseCapacityBlockExtension", input);
        const offer = this.extensionOfferings.get(input.CapacityBlockExtensionOfferingId ?? "");
        if (!offer || offer.reservationId !== input.CapacityReservationId || this.injected.extensionOfferingsGoneOnPurchase > 0) {
            if (offer) this.injected.extensionOfferingsGoneOnPurchase -= 1;
            throw awsError("InvalidCapacityBlockOfferingIdExpired", "The Capacity Block offering ID is no longer available.", 400);
        }
        this.extensionOfferings.delete(input.CapacityBlockExtensionOfferingId as string);
        const extension: Extension = {
            reservationId: offer.reservationId, offeringId: input.CapacityBlockExtensionOfferingId as string, hours: offer.hours,
            upfrontFee: offer.upfrontFee, currencyCode: offer.currencyCode, purchasedAt: this.time,
            paymentFails: false, listedAt: this.time + this.injected.extensionHistoryLagMs,
        };
        this.extensions.push(extension);
        if (this.injected.loseNextExtensionAnswer) {
            this.injected.loseNextExtensionAnswer = false;
            throw lostAnswer();
        }
        this.dieIfAsked();
        return { CapacityBlockExtensions: [this.extensionToApi(extension)] };
    }

    private extensionStatus(e: Extension): "payment-pending" | "payment-succeeded" | "payment-failed" {
        if (this.time < e.purchasedAt + this.paymentDelayMs) return "payment-pending";
        return e.paymentFails ? "payment-failed" : "payment-succeeded";
    }

    private extensionToApi(e: Extension): CapacityBlockExtension {
        const r = this.reservations.get(e.reservationId) as Reservation;
        return {
            CapacityReservationId: e.reservationId, InstanceType: r.instanceType, InstanceCount: r.instanceCount, AvailabilityZone: r.availabilityZone,
            CapacityBlockExtensionOfferingId: e.offeringId, CapacityBlockExtensionDurationHours: e.hours,
            CapacityBlockExtensionStatus: this.extensionStatus(e), CapacityBlockExtensionPurchaseDate: new Date(e.purchasedAt),
            UpfrontFee: e.upfrontFee, CurrencyCode: e.currencyCode,
        };
    }

    describeExtensionHistory(input: DescribeCapacityBlockExtensionHistoryCommand["input"]) {
        this.record("DescribeCapacityBlockExtensionHistory", input);
        const ids = input.CapacityReservationIds;
        const found = this.extensions.filter((e) => (!ids?.length || ids.includes(e.reservationId)) && this.time >= e.listedAt);
        const again = this.repeatTokens.has("DescribeCapacityBlockExtensionHistory") ? { NextToken: input.NextToken ?? "again" } : {};
        return { CapacityBlockExtensions: found.map((e) => this.extensionToApi(e)), ...again };
    }

    // ---- SSM Parameter Store (the purchase records) ----
    private parameterCall(operation: Operation, input: unknown): void {
        this.record(operation, input);
        if (this.injected.denyParameters) throw ssmError("AccessDeniedException", `User is not authorized to perform: ssm:${operation}`);
    }

    putParameter(input: PutParameterCommand["input"]) {
        this.parameterCall("PutParameter", input);
        const name = input.Name as string;
        const existing = this.parameters.get(name);
        if (existing && !input.Overwrite) throw ssmError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
        const version = (existing?.version ?? 0) + 1;
        this.parameters.set(name, { value: input.Value as string, version, modified: this.time });
        return { Version: version, Tier: "Standard" as const };
    }

    getParameter(input: GetParameterCommand["input"]) {
        this.parameterCall("GetParameter", input);
        const p = this.parameters.get(input.Name as string);
        if (!p) throw ssmError("ParameterNotFound", "");
        return { Parameter: { Name: input.Name, Type: "String" as const, Value: p.value, Version: p.version, LastModifiedDate: new Date(p.modified) } };
    }

    deleteParameter(input: DeleteParameterCommand["input"]) {
        this.parameterCall("DeleteParameter", input);
        if (!this.parameters.delete(input.Name as string)) throw ssmError("ParameterNotFound", "");
        return {};
    }
}

export interface InstalledMarket {
    market: Ec2CapacityBlockMarket;
    /** Undo the EC2 mock and the clock hook. */
    restore(): void;
}

/** The client's Region, or undefined when it names none (the SDK then throws when asked). */
async function regionOf(client: EC2Client | SSMClient): Promise<string | undefined> {
    try {
        return await client.config.region();
    } catch {
        return undefined;
    }
}

/**
 * Routes every EC2Client and SSMClient (created before or after) to the market through aws-sdk-client-mock, and puts the market's
 * clock on the providers' clock hook so the provider's waits advance market time instead of sleeping.
 */
export function install(options: MarketOptions): InstalledMarket {
    const market = new Ec2CapacityBlockMarket(options);
    const ec2 = mockClient(EC2Client);
    const route = <I, O>(operation: (input: I) => O) => async (input: I, getClient: () => EC2Client): Promise<O> => {
        // getClient names the client of the latest send: read it before any await, as calls run side by side.
        const client = getClient();
        const [maxAttempts, region] = await Promise.all([client.config.maxAttempts(), regionOf(client)]);
        market.callerMaxAttempts = maxAttempts;
        market.callerRegion = region;
        return operation.call(market, input);
    };
    ec2.on(DescribeCapacityBlockOfferingsCommand).callsFake(route(market.describeOfferings));
    ec2.on(PurchaseCapacityBlockCommand).callsFake(route(market.purchase));
    ec2.on(DescribeCapacityReservationsCommand).callsFake(route(market.describeReservations));
    ec2.on(CreateTagsCommand).callsFake(route(market.createTags));
    ec2.on(DeleteTagsCommand).callsFake(route(market.deleteTags));
    ec2.on(DescribeCapacityBlockExtensionOfferingsCommand).callsFake(route(market.describeExtensionOfferings));
    ec2.on(PurchaseCapacityBlockExtensionCommand).callsFake(route(market.purchaseExtension));
    ec2.on(DescribeCapacityBlockExtensionHistoryCommand).callsFake(route(market.describeExtensionHistory));
    const ssm = mockClient(SSMClient);
    const parameters = <I, O>(operation: (input: I) => O) => async (input: I, getClient: () => SSMClient): Promise<O> => {
        // getClient names the client of the latest send: read it before any await, as calls run side by side.
        const client = getClient();
        const [maxAttempts, region] = await Promise.all([client.config.maxAttempts(), regionOf(client)]);
        market.callerMaxAttempts = maxAttempts;
        market.callerRegion = region;
        return operation.call(market, input);
    };
    ssm.on(PutParameterCommand).callsFake(parameters(market.putParameter));
    ssm.on(GetParameterCommand).callsFake(parameters(market.getParameter));
    ssm.on(DeleteParameterCommand).callsFake(parameters(market.deleteParameter));
    const globals = globalThis as Record<string, unknown>;
    const previousClock = globals[CLOCK_HOOK_KEY];
    globals[CLOCK_HOOK_KEY] = market.clock;
    return {
        market,
        restore: () => {
            ec2.restore();
            ssm.restore();
            globals[CLOCK_HOOK_KEY] = previousClock;
        },
    };
}
