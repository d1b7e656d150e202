/**
 * The block says what it is: a block adopted by id or parameterName needs no instanceType, and one bought among
 * several acceptable types (reservation.instanceTypes) gives the box and the cluster its type once bought. A bought
 * block never changes type silently. index.ts under the offline mocks.
 */
import { expect } from "chai";
import type { MockRun } from "../../scripts/offlineMocks";
import { activeBlock, ofType, oneOfType, runProgram } from "../helpers/mocks";

const BLOCK = "pulumi-nodejs:dynamic/capblocks:CapacityBlock";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const P5 = activeBlock({ id: "cr-0aaaaaaaaaaaaaaa1", instanceType: "p5.48xlarge", availabilityZone: "sa-east-1b" });
const P5E = activeBlock({ id: "cr-0bbbbbbbbbbbbbbb2", instanceType: "p5e.48xlarge", availabilityZone: "sa-east-1c" });
const SEVERAL = { instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], durationHours: 24, maxUpfrontFee: "1000" };
const NVIDIA_AMI = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id";

/** The code-server launch template's type, root size and AMI parameter looked up. */
function box(run: MockRun): { instanceType: unknown; rootGb: unknown; amiParameters: unknown[] } {
    const template = ofType(run, TEMPLATE).find((t) => t.name === "code-server-lt");
    const inputs = (template?.inputs ?? {}) as { instanceType?: string; blockDeviceMappings?: { ebs?: { volumeSize?: number } }[] };
    return {
        instanceType: inputs.instanceType,
        rootGb: inputs.blockDeviceMappings?.[0]?.ebs?.volumeSize,
        amiParameters: run.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter").map((c) => c.inputs.name),
    };
}

describe("the block says what it is", () => {
    describe("adopting by id or parameterName without restating instanceType", () => {
        it("gives the box the block's type, root size and image", async () => {
            const { run, outputs, error } = await runProgram({ "capblocks:reservation": { id: P5.id } }, { block: P5 });
            expect(error).to.equal(undefined);
            expect(box(run)).to.deep.include({ instanceType: "p5.48xlarge", rootGb: 500 });
            expect(box(run).amiParameters).to.include(NVIDIA_AMI);
            expect(outputs).to.include({ blockInstanceType: "p5.48xlarge", blockSource: "adopted" });
        });

        it("takes codeServer.instanceType alone, checked against the block (it used to fail with \"differs from the block's undefined\")", async () => {
            const same = await runProgram({ "capblocks:reservation": { id: P5.id }, "capblocks:codeServer": { instanceType: "p5.48xlarge" } }, { block: P5 });
            expect(same.error).to.equal(undefined);
            expect(box(same.run).instanceType).to.equal("p5.48xlarge");
            const other = await runProgram({ "capblocks:reservation": { id: P5.id }, "capblocks:codeServer": { instanceType: "p5e.48xlarge" } }, { block: P5 });
            expect(other.error?.message).to.equal("capblocks:codeServer.instanceType: \"p5e.48xlarge\" differs from p5.48xlarge, the type of the adopted Capacity Block; " +
                "an instance only launches into a block of its own type; remove codeServer.instanceType (the box takes the block's type) or adopt another block");
            expect(ofType(other.run, TEMPLATE)).to.have.length(0);
        });

        it("checks a given reservation.instanceType against the block, by parameterName too", async () => {
            const parameters = { "/capacity-block/sa-east-1/reservation-id": P5.id };
            const ok = await runProgram({ "capblocks:reservation": { parameterName: "/capacity-block/sa-east-1/reservation-id" } }, { block: P5, parameters });
            expect(box(ok.run).instanceType).to.equal("p5.48xlarge");
            const wrong = await runProgram({ "capblocks:reservation": { parameterName: "/capacity-block/sa-east-1/reservation-id", instanceType: "trn2.3xlarge" } }, { block: P5, parameters });
            expect(wrong.error?.message).to.match(/^capblocks:reservation\.parameterName: cr-0aaaaaaaaaaaaaaa1 is a Capacity Block of p5\.48xlarge, not capblocks:reservation\.instanceType trn2\.3xlarge/);
        });

        it("runs the cluster on the block's type", async () => {
            const { run, error } = await runProgram({ "capblocks:reservation": { id: P5E.id }, "capblocks:codeServer": { enabled: false }, "capblocks:cluster": { enabled: true } },
                { block: { ...P5E, instanceCount: 2 } });
            expect(error).to.equal(undefined);
            const compute = ofType(run, "aws-native:pcs:ComputeNodeGroup").find((g) => g.name === "cluster-compute");
            expect((compute?.inputs as { instanceConfigs?: unknown }).instanceConfigs).to.deep.equal([{ instanceType: "p5e.48xlarge" }]);
        });
    });

    describe("the cluster's node image follows the type the block says", () => {
        const TRN2 = activeBlock({ id: "cr-0ccccccccccccccc3", instanceType: "trn2.48xlarge", availabilityZone: "sa-east-1b", instanceCount: 2 });
        const noImage = { enabled: true, image: { build: false } };

        it("an adopted Trainium block without instanceType: no Neuron image is refused once the block is found, before anything is created", async () => {
            const { run, error } = await runProgram({ "capblocks:reservation": { id: TRN2.id }, "capblocks:codeServer": { enabled: false }, "capblocks:cluster": noImage },
                { block: TRN2 });
            expect(error?.message).to.contain("capblocks:cluster.image.build: false leaves the trn2.48xlarge nodes on the PCS-ready DLAMI, which has no AWS Neuron driver");
            expect(run.resources.filter((r) => r.custom)).to.have.length(0);
        });

        it("Trainium types among instanceTypes: refused by the config rules, before anything is bought", async () => {
            const { run, error } = await runProgram({
                "capblocks:reservation": { instanceTypes: ["trn2.48xlarge", "trn1.32xlarge"], instanceCount: 2, durationHours: 24, maxUpfrontFee: "2500" },
                "capblocks:codeServer": { enabled: false }, "capblocks:cluster": noImage,
            }, {});
            expect(error?.message).to.contain("capblocks:cluster.image.build: false leaves the trn2.48xlarge nodes on the PCS-ready DLAMI");
            expect(ofType(run, BLOCK)).to.have.length(0);
        });
    });

    describe("buying among several types (reservation.instanceTypes)", () => {
        it("first run: buys with the list and each type's accelerators, builds nothing on the block yet, and says why", async () => {
            const { run, outputs, error } = await runProgram({ "capblocks:reservation": SEVERAL }, {});
            expect(error).to.equal(undefined);
            const block = oneOfType(run, BLOCK).inputs;
            expect(block).to.deep.include({ instanceTypes: ["p5.48xlarge", "p5e.48xlarge"], acceleratorsPerInstance: { "p5.48xlarge": 8, "p5e.48xlarge": 8 } });
            expect(block).to.not.have.property("instanceType");
            expect(run.resources.filter((r) => r.custom).map((r) => r.type).sort()).to.deep.equal([BLOCK, "random:index/randomUuid:RandomUuid"]);
            expect(outputs?.blockInstanceType).to.equal("p5.48xlarge");
            expect(outputs?.nextStep).to.match(/^The Capacity Block is bought on this run .* Its type is chosen by the purchase among p5\.48xlarge, p5e\.48xlarge .*the next `pulumi up` builds the code-server box and the cluster for that type\.$/);
            expect(outputs).to.not.have.property("instanceId");
        });

        it("next run: the box and the cluster take the type bought, as EC2 describes the block", async () => {
            const { run, outputs, error } = await runProgram({ "capblocks:reservation": { ...SEVERAL, instanceCount: 2 }, "capblocks:cluster": { enabled: true } },
                { block: { ...P5E, instanceCount: 2 }, previousOutputs: { blockId: P5E.id, blockGeneration: "1" } });
            expect(error).to.equal(undefined);
            expect(box(run)).to.deep.include({ instanceType: "p5e.48xlarge", rootGb: 500 });
            const compute = ofType(run, "aws-native:pcs:ComputeNodeGroup").find((g) => g.name === "cluster-compute");
            expect((compute?.inputs as { instanceConfigs?: unknown }).instanceConfigs).to.deep.equal([{ instanceType: "p5e.48xlarge" }]);
            expect(outputs).to.include({ blockInstanceType: "p5e.48xlarge", blockId: P5E.id });
        });

        it("refuses a list that leaves out the type bought, before anything is declared; bumping generation buys anew", async () => {
            const previousOutputs = { blockId: P5E.id, blockGeneration: "1" };
            const { run, error } = await runProgram({ "capblocks:reservation": { ...SEVERAL, instanceTypes: ["p5.48xlarge", "p5en.48xlarge"] } }, { block: P5E, previousOutputs });
            expect(error?.message).to.equal("capblocks:reservation.instanceTypes: [p5.48xlarge, p5en.48xlarge] leaves out p5e.48xlarge, the type of Capacity Block " +
                `${P5E.id} bought for generation 1 (a block's type cannot change); add p5e.48xlarge back, or bump capblocks:reservation.generation (1 → 2) ` +
                "to buy a new block. Nothing was bought.");
            expect(ofType(run, BLOCK)).to.have.length(0);
            const bumped = await runProgram({ "capblocks:reservation": { ...SEVERAL, instanceTypes: ["p5.48xlarge", "p5en.48xlarge"], generation: 2 } }, { block: P5E, previousOutputs });
            expect(bumped.error).to.equal(undefined);
        });

        it("a new generation whose type is still to be chosen: everything stays on the last generation's block, even one that ended", async () => {
            const ended = { ...P5E, state: "expired", startDate: "2026-11-20T11:30:00.000Z", endDate: "2026-11-21T11:30:00.000Z" };
            const { run, outputs, error } = await runProgram({ "capblocks:reservation": { ...SEVERAL, generation: 2 } },
                { block: ended, previousOutputs: { blockId: ended.id, blockGeneration: "1", workVolumeId: "vol-0feedface0000001", workVolumeSource: "created" },
                    volumes: { "vol-0feedface0000001": { availabilityZone: "sa-east-1c", encrypted: true, sizeGb: 200 } } });
            expect(error).to.equal(undefined);
            expect(box(run).instanceType).to.equal("p5e.48xlarge");
            expect(ofType(run, "aws:ec2/instance:Instance")).to.have.length(0);
            expect(outputs).to.include({ blockId: ended.id, blockGeneration: "1", nextBlockGeneration: "2", blockInstanceType: "p5e.48xlarge" });
        });

        it("refuses to buy when nothing could be built on the block and the last deployment built something (a box on demand)", async () => {
            const { run, error } = await runProgram({ "capblocks:reservation": SEVERAL },
                { previousOutputs: { instanceId: "i-0123456789abcdef0", workVolumeId: "vol-0feedface0000001" } });
            expect(error?.message).to.match(/^capblocks:reservation\.instanceTypes: this run buys the block and the purchase chooses its type, so nothing can be built on it before the next `pulumi up`; the last deployment's code-server instance i-0123456789abcdef0, work volume vol-0feedface0000001 would be taken down meanwhile\. Nothing was bought\./);
            expect(ofType(run, BLOCK)).to.have.length(0);
        });
    });
});
