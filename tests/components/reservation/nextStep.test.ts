import { expect } from "chai";
import type { StackShape } from "../../../components/reservation/nextStep";
import { nextStepFor } from "../../../components/reservation/nextStep";

const START = "2026-11-30T11:30:00.000Z";
const END = "2026-12-01T11:30:00.000Z";
const moment = (state: string, boughtThisRun = false) => ({ state, startDate: START, endDate: END, availabilityZone: "us-east-2a", boughtThisRun });

const codeServer = { workVolumeKept: true };
const efsCluster = { newVpc: true, sharedStorage: "efs", deleteSharedStorage: false } as const;
const fsxCluster = { newVpc: true, sharedStorage: "fsx-lustre", deleteSharedStorage: false } as const;
const dev: StackShape = { reservation: { kind: "buy" }, codeServer };
const clusterOnly: StackShape = { reservation: { kind: "buy" }, cluster: efsCluster };
const adoptById: StackShape = { reservation: { kind: "adopt" }, codeServer };
const adoptByParameter: StackShape = { reservation: { kind: "adopt", parameterName: "/capacity-block/us-east-2/reservation-id" }, codeServer };

/** Keys only a buy config accepts (config/crossKeyRules.ts refuses them when adopting). */
const BUY_ONLY = /generation|availabilityZones|durationHours|maxUpfrontFee|instanceCount|startAfter|startBefore/;

describe("nextStep", () => {
    describe("before the block starts", () => {
        it("with code-server: says the start and to run up again after it to launch the instance", () => {
            expect(nextStepFor(moment("scheduled"), dev)).to.equal(
                `The Capacity Block is scheduled and starts at ${START}. Everything the code-server instance needs is built; ` +
                    `run \`pulumi up\` again after ${START} to launch it and set it up.`,
            );
        });

        it("cluster only: no instance to launch (the cluster adds its own step)", () => {
            expect(nextStepFor(moment("scheduled"), clusterOnly)).to.equal(`The Capacity Block is scheduled and starts at ${START}.`);
            expect(nextStepFor(moment("scheduled", true), clusterOnly)).to.equal(`The Capacity Block is bought on this run (scheduled, starts ${START}).`);
        });

        it("bought on this run, with code-server: the instance comes with a later up", () => {
            expect(nextStepFor(moment("payment-pending", true), dev)).to.match(/^The Capacity Block is bought on this run \(payment-pending, starts .*\)\. .*run `pulumi up` again after/);
        });
    });

    // EC2 user guide "Capacity Blocks for ML": EC2 starts terminating a block's instances 30 minutes before its end.
    it("active: the end, and that EC2 terminates the instances 30 minutes before it", () => {
        expect(nextStepFor(moment("active"), dev)).to.equal(`The Capacity Block is active until ${END}; EC2 terminates its instances 30 minutes before that.`);
    });

    describe("after the block ended", () => {
        it("bought, with code-server: a new generation next to the work volume, or destroy, which keeps the volume", () => {
            expect(nextStepFor(moment("expired"), dev)).to.equal(
                `The Capacity Block ended at ${END}; its instances are gone. To continue, bump capblocks:reservation.generation ` +
                    "(it buys a new block; availabilityZones: [us-east-2a] keeps it next to the work volume), then run `pulumi up`. " +
                    "Otherwise `pulumi destroy` stops what still bills: the work volume and the password secret; it keeps the work volume, " +
                    "which bills by the GB-month until you delete it. The block itself was paid at purchase and bills nothing more.",
            );
        });

        it("cluster with EFS, no code-server: no work volume, and no AZ advice (EFS is regional)", () => {
            const step = nextStepFor(moment("expired"), clusterOnly);
            expect(step).to.contain("To continue, bump capblocks:reservation.generation (it buys a new block), then run `pulumi up`.");
            expect(step).to.contain(
                "Otherwise `pulumi destroy` stops what still bills: the NAT gateway, the PCS controller, the login node and EFS; it keeps the EFS file system, which bills",
            );
            expect(step).to.not.match(/work volume|availabilityZones/);
        });

        it("cluster with FSx for Lustre: the AZ advice names it, and destroy keeps its final backup, never EFS", () => {
            const step = nextStepFor(moment("expired"), { reservation: { kind: "buy" }, codeServer, cluster: fsxCluster });
            expect(step).to.contain("availabilityZones: [us-east-2a] keeps it next to the work volume and FSx for Lustre");
            expect(step).to.contain("it keeps the work volume and a final backup of FSx for Lustre, which bill by the GB-month until you delete them.");
            expect(step).to.not.contain("EFS");
        });

        it("the cluster in the user's own subnets: no NAT gateway of the stack's", () => {
            expect(nextStepFor(moment("expired"), { reservation: { kind: "buy" }, cluster: { ...efsCluster, newVpc: false } })).to.contain(
                "stops what still bills: the PCS controller, the login node and EFS;",
            );
        });

        it("with deleteWorkVolume and deleteSharedStorage: destroy keeps nothing", () => {
            const step = nextStepFor(moment("expired"), {
                reservation: { kind: "buy" }, codeServer: { workVolumeKept: false }, cluster: { ...efsCluster, deleteSharedStorage: true },
            });
            expect(step).to.contain("the work volume, the password secret, the NAT gateway, the PCS controller, the login node and EFS. The block itself");
        });

        it("adopted by id: another block by id, never a key only a purchase takes", () => {
            const step = nextStepFor(moment("expired"), adoptById);
            expect(step).to.contain("To continue, set capblocks:reservation.id to another Capacity Block (one in us-east-2a stays next to the work volume), then run `pulumi up`.");
            expect(step).to.not.match(BUY_ONLY);
        });

        it("adopted by SSM parameter: another block's id in that parameter", () => {
            const step = nextStepFor(moment("expired"), adoptByParameter);
            expect(step).to.contain("To continue, put another Capacity Block's id in SSM parameter /capacity-block/us-east-2/reservation-id (one in us-east-2a");
            expect(step).to.not.match(BUY_ONLY);
        });
    });

    describe("a purchase whose payment failed never becomes active", () => {
        it("bought: fix billing, then bump generation", () => {
            const step = nextStepFor(moment("payment-failed"), dev);
            expect(step).to.equal(
                "EC2 could not take payment for the Capacity Block, so it released the block and charged nothing; no instance can run on it. " +
                    "Fix the account's payment method (AWS Billing), then bump capblocks:reservation.generation, which buys a new block, and run `pulumi up`.",
            );
            expect(step).to.not.contain("once it is active");
        });

        it("adopted: another block", () => {
            const step = nextStepFor(moment("payment-failed"), adoptByParameter);
            expect(step).to.match(/Put another Capacity Block's id in SSM parameter \/capacity-block\/us-east-2\/reservation-id, then run `pulumi up`\.$/);
            expect(step).to.not.match(BUY_ONLY);
        });
    });

    it("reports other states as they are", () => {
        expect(nextStepFor(moment("unavailable"), dev)).to.match(/^The Capacity Block is unavailable: instances cannot launch into it\./);
    });
});
