import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import type { GpuNodeGroupArgs } from "../../../components/cluster/gpuNodeGroup";
import { GpuNodeGroup } from "../../../components/cluster/gpuNodeGroup";
import { blockStateProblem } from "../../../components/cluster/validation";
import type { ReservationInfo } from "../../../components/reservation";
import { clusterConfig } from "../../helpers/clusterConfig";
import { PcsMocks, underMocks, valueOf } from "../../helpers/pcsMocks";

/** A block as the program sees it: `known` when it knew the block before declaring anything, else only outputs. */
function block(state: string, known: boolean): ReservationInfo {
    return {
        id: pulumi.output("cr-0123456789abcdef0"),
        availabilityZone: pulumi.output("us-east-2c"),
        instanceType: "p5.48xlarge",
        instanceCount: 2,
        startDate: pulumi.output("2026-11-24T11:30:00.000Z"),
        endDate: pulumi.output("2026-11-25T11:30:00.000Z"),
        state: pulumi.output(state),
        source: "bought",
        launchable: false,
        ...(known ? { knownAvailabilityZone: "us-east-2c", knownId: "cr-0123456789abcdef0", knownState: state, knownStartDate: "2026-11-24T11:30:00.000Z" } : {}),
    };
}

const args = (reservation: ReservationInfo): GpuNodeGroupArgs => ({
    cluster: clusterConfig(), reservation, instanceType: "p5.48xlarge", instanceCount: 2, region: "us-east-2", tags: {},
});

/** Builds the node group, collecting warnings and any promise rejected without a handler. */
async function build(reservation: ReservationInfo): Promise<{ mocks: PcsMocks; group?: GpuNodeGroup; error?: Error; warnings: string[]; unhandled: unknown[] }> {
    const mocks = new PcsMocks();
    const warnings: string[] = [];
    const unhandled: unknown[] = [];
    const watch = (reason: unknown) => void unhandled.push(reason);
    const warn = console.warn;
    console.warn = (message: unknown) => void warnings.push(String(message));
    process.on("unhandledRejection", watch);
    try {
        const group = await underMocks(mocks, () => new GpuNodeGroup("gpu", args(reservation)));
        await valueOf(group.parallelClusterConfig);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { mocks, group, warnings, unhandled };
    } catch (error) {
        return { mocks, error: error as Error, warnings, unhandled };
    } finally {
        console.warn = warn;
        process.off("unhandledRejection", watch);
    }
}

describe("the block's state for PCS", () => {
    // PCS user guide "Configure an AWS PCS compute node group to use a Capacity Block": the block must be scheduled or active.
    it("accepts a scheduled or active block, stops on an unpaid one, and only warns about an ended one", () => {
        expect(blockStateProblem("cr-1", "scheduled")).to.equal(undefined);
        expect(blockStateProblem("cr-1", "active")).to.equal(undefined);
        const pending = blockStateProblem("cr-1", "payment-pending");
        expect(pending?.blocking).to.equal(true);
        expect(pending?.message).to.match(/cr-1 is payment-pending.*run `pulumi up` again/);
        expect(blockStateProblem("cr-1", "payment-failed")?.blocking).to.equal(true);
        const expired = blockStateProblem("cr-1", "expired");
        expect(expired?.blocking).to.equal(false);
        expect(expired?.message).to.match(/can no longer start/);
    });

    it("stops on a known unpaid block before registering anything, as one RunError", async () => {
        const { mocks, error, unhandled } = await build(block("payment-pending", true));
        expect(error).to.be.instanceOf(pulumi.RunError);
        expect(error?.message).to.equal(
            "invalid cluster settings:\n  Capacity Block cr-0123456789abcdef0 is payment-pending, but AWS PCS needs it scheduled or active: " +
                "EC2 is still taking payment; run `pulumi up` again in a few minutes.",
        );
        expect(mocks.resources).to.deep.equal([]);
        expect(unhandled).to.deep.equal([]);
    });

    it("warns once about a known ended block and builds the rest", async () => {
        const { error, warnings, unhandled } = await build(block("expired", true));
        expect(error).to.equal(undefined);
        expect(warnings.filter((w) => w.includes("is expired, but AWS PCS needs it"))).to.have.length(1);
        expect(unhandled).to.deep.equal([]);
    });

    it("never fails inside an apply: a block updated on this run and still unpaid gives a warning, not a serialization error", async () => {
        const { error, warnings, unhandled, mocks } = await build(block("payment-pending", false));
        expect(error).to.equal(undefined);
        expect(unhandled).to.deep.equal([]);
        expect(warnings.filter((w) => w.includes("is payment-pending, but AWS PCS needs it"))).to.have.length(1);
        expect(mocks.one("aws:ec2/launchTemplate:LaunchTemplate", "-compute").inputs.capacityReservationSpecification)
            .to.deep.include({ capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" } });
    });
});
