/**
 * Each component registers every public output it has (eks does the same): what `pulumi stack` records for the
 * component is then the whole of what code can read from it.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { GpuNodeGroup } from "../../components/cluster/gpuNodeGroup";
import { ClusterNetwork } from "../../components/cluster/network";
import { CodeServerInstance } from "../../components/codeServer/codeServerInstance";
import { placementIn } from "../../components/codeServer/placement";
import type { ReservationInfo } from "../../components/reservation";
import { clusterConfig } from "../helpers/clusterConfig";
import { codeServerConfig } from "../helpers/codeServerConfig";
import { mockAws, REGION, settle } from "../helpers/mocks";
import { PcsMocks, underMocks } from "../helpers/pcsMocks";

type Registrar = { registerOutputs(outputs?: Record<string, unknown>): void };
const prototype = pulumi.ComponentResource.prototype as unknown as Registrar;
const registered = new Map<object, Record<string, unknown>>();
const original = prototype.registerOutputs;

const isOutputs = (v: unknown) => pulumi.Output.isInstance(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => pulumi.Output.isInstance(x)));

/** The component's own Output members (and arrays of them), beyond what every ComponentResource has. */
function publicOutputs(component: object, base: object): Record<string, unknown> {
    return Object.fromEntries(Object.entries(component).filter(([k, v]) => !(k in base) && isOutputs(v)));
}

function expectAllRegistered(component: object, base: object): void {
    const outputs = registered.get(component);
    expect(outputs, "registerOutputs was called").to.not.equal(undefined);
    const members = publicOutputs(component, base);
    expect(Object.keys(members).length).to.be.greaterThan(2);
    expect(Object.keys(outputs ?? {}).sort()).to.deep.equal(Object.keys(members).sort());
    for (const [k, v] of Object.entries(members)) expect(outputs?.[k], k).to.equal(v);
}

const block: ReservationInfo = {
    id: pulumi.output("cr-0123456789abcdef0"),
    availabilityZone: pulumi.output("us-east-2c"),
    instanceType: "p5.48xlarge",
    instanceCount: 2,
    startDate: pulumi.output("2026-11-24T11:30:00.000Z"),
    endDate: pulumi.output("2026-11-25T11:30:00.000Z"),
    state: pulumi.output("active"),
    source: "bought",
    launchable: true,
};

describe("component outputs", () => {
    before(() => {
        prototype.registerOutputs = function (this: object, outputs?: Record<string, unknown>) {
            // Only the first call counts (the SDK ignores later ones, such as its own after initialize()).
            if (!registered.has(this)) registered.set(this, outputs ?? {});
            return original.call(this as Registrar, outputs);
        };
    });
    after(() => {
        prototype.registerOutputs = original;
    });

    for (const launch of [true, false]) {
        it(`CodeServerInstance registers every public output (${launch ? "launched" : "not launched"})`, async () => {
            await mockAws();
            const base = new pulumi.ComponentResource("test:index:Bare", "bare");
            const box = new CodeServerInstance("code-server", {
                config: codeServerConfig(),
                region: REGION,
                placement: placementIn("sa-east-1a", REGION),
                launch,
                tasks: [],
                variables: {},
            });
            await settle();
            expectAllRegistered(box, base);
        });
    }

    it("GpuNodeGroup and its new-VPC ClusterNetwork register every public output", async () => {
        const built = await underMocks(new PcsMocks(), () => ({
            base: new pulumi.ComponentResource("test:index:Bare", "bare"),
            group: new GpuNodeGroup("gpu", {
                cluster: clusterConfig(), reservation: block, instanceType: "p5.48xlarge", instanceCount: 2, region: "us-east-2", tags: {},
            }),
        }));
        expectAllRegistered(built.group, built.base);
        expectAllRegistered(built.group.network, built.base);
    });

    it("ClusterNetwork on the user's subnets registers every public output", async () => {
        const mocks = new PcsMocks({ subnets: { "subnet-1": { availabilityZone: "us-east-2c", vpcId: "vpc-1" } } });
        const built = await underMocks(mocks, () => ({
            base: new pulumi.ComponentResource("test:index:Bare", "bare"),
            network: new ClusterNetwork("net", { region: "us-east-2", blockAz: "us-east-2c", computeSubnetId: "subnet-1", loginPublic: false, tags: {} }),
        }));
        expectAllRegistered(built.network, built.base);
    });
});
