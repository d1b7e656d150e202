import {
    DescribeCapacityBlockOfferingsCommand, DescribeCapacityReservationsCommand, EC2Client, PurchaseCapacityBlockCommand,
} from "@aws-sdk/client-ec2";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { performance } from "perf_hooks";
import { capacityBlockProvider } from "../dynamic-providers/capacityBlock";
import { CLOCK_HOOK_KEY } from "../dynamic-providers/shared/clock";
import { Ec2CapacityBlockMarket } from "../tests/fakes/ec2CapacityBlockMarket";
import type { CallCounts} from "./stats";
import { callsBetween, timed } from "./stats";

export interface CapacityBlockRun {
    quoteMs: number;
    quoteCalls: CallCounts;
    createMs: number;
    /** From the PurchaseCapacityBlock call until create returned with the block `scheduled`. */
    purchaseToScheduledMs: number;
    paymentDelayMs: number;
    createCalls: CallCounts;
    finalState: string;
}

const INPUTS = {
    instanceType: "p5.48xlarge", instanceCount: 2, durationHours: 24, maxUpfrontFee: "5000", instancePlatform: "Linux/UNIX",
    selection: "cheapest", generation: 1, region: "us-east-2", purchaseToken: "bench-token", identity: "bench-copy", tags: {},
};

function counts(market: Ec2CapacityBlockMarket): CallCounts {
    return Object.fromEntries([...new Set(market.calls.map((c) => c.operation))].map((op) => [op, market.count(op)]));
}

/**
 * Quote (check) and create (search, purchase, wait until paid) through the real provider, against the EC2
 * market fake driven in real time: market time follows the wall clock, every call costs `apiMs`, and the
 * block goes payment-pending → scheduled `paymentDelayMs` after the purchase.
 */
export async function runCapacityBlockCase(paymentDelayMs: number, apiMs: number): Promise<CapacityBlockRun> {
    const market = new Ec2CapacityBlockMarket({
        start: Date.now(),
        paymentDelayMs,
        supply: [
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2a", maxCount: 64, pricePerInstanceHour: 31.464, startDays: [1, 3, 8] },
            { instanceType: "p5.48xlarge", availabilityZone: "us-east-2b", maxCount: 64, pricePerInstanceHour: 34.608, startDays: [2, 5] },
        ],
    });
    let synced = performance.now();
    const sync = () => {
        const now = performance.now();
        market.advance(now - synced);
        synced = now;
    };
    let purchasedAt = 0;
    const ec2 = mockClient(EC2Client);
    const route = <I, O>(operation: (input: I) => O, onCall?: () => void) => async (input: I): Promise<O> => {
        onCall?.();
        await new Promise((resolve) => setTimeout(resolve, apiMs));
        sync();
        return operation.call(market, input);
    };
    ec2.on(DescribeCapacityBlockOfferingsCommand).callsFake(route(market.describeOfferings));
    ec2.on(PurchaseCapacityBlockCommand).callsFake(route(market.purchase, () => (purchasedAt = performance.now())));
    ec2.on(DescribeCapacityReservationsCommand).callsFake(route(market.describeReservations));
    // The purchase record (SSM Parameter Store) is written before the purchase and deleted once the block is in state.
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).callsFake(route(market.putParameter));
    ssm.on(GetParameterCommand).callsFake(route(market.getParameter));
    ssm.on(DeleteParameterCommand).callsFake(route(market.deleteParameter));
    const globals = globalThis as Record<string, unknown>;
    const previousClock = globals[CLOCK_HOOK_KEY];
    globals[CLOCK_HOOK_KEY] = {
        now: () => (sync(), market.clock.now()),
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        notify: () => undefined,
    };
    try {
        const quote = await timed(async () => capacityBlockProvider.check?.({}, INPUTS));
        const quoteCalls = counts(market);
        if (!String(quote.value?.inputs.quote ?? "").includes("USD")) throw new Error(`bench: no quote from the market fake: ${quote.value?.inputs.quote}`);
        const created = await timed(() => capacityBlockProvider.create(quote.value?.inputs ?? INPUTS));
        const createdAt = performance.now();
        return {
            quoteMs: quote.ms,
            quoteCalls,
            createMs: created.ms,
            purchaseToScheduledMs: purchasedAt > 0 ? createdAt - purchasedAt : NaN,
            paymentDelayMs,
            createCalls: callsBetween(quoteCalls, counts(market)),
            finalState: String(created.value.outs?.state),
        };
    } finally {
        ec2.restore();
        ssm.restore();
        globals[CLOCK_HOOK_KEY] = previousClock;
    }
}
