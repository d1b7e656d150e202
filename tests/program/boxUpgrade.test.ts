/**
 * What `pulumi up` does to a running dev box when the image, the default root size or the allowed CIDRs change:
 * index.ts run twice under the offline mocks, the second run reading the first one's outputs, and the replacement
 * rules (tests/helpers/replacements.ts) saying what the engine would replace between the runs.
 */
import { expect } from "chai";
import type { Assumptions, MockRun } from "../../scripts/offlineMocks";
import { NVIDIA_AMI_PARAMETER } from "../../components/shared/catalog";
import type { PlannedChange } from "../helpers/replacements";
import { changeOf, emptyingReplacements, plannedChanges } from "../helpers/replacements";
import type { ProgramRun } from "../helpers/mocks";
import { runProgram } from "../helpers/mocks";

const BOX = ["code-server-sg", "code-server-lt", "code-server-instance", "code-server-work", "code-server-work-attachment", "code-server-setup"];

async function ok(codeServer: Record<string, unknown>, assumptions: Partial<Assumptions>): Promise<ProgramRun> {
    const result = await runProgram({ "capblocks:codeServer": { availabilityZone: "sa-east-1a", ...codeServer } }, assumptions);
    expect(result.error, result.error?.stack).to.equal(undefined);
    return result;
}

/** The next run's view: the last run's outputs, and its work volume where it is. */
function after(last: ProgramRun, assumptions: Partial<Assumptions> = {}): Partial<Assumptions> {
    const outputs = last.outputs as Record<string, string>;
    return { ...assumptions, previousOutputs: outputs, volumes: { [outputs.workVolumeId]: { encrypted: true, sizeGb: 200, availabilityZone: "sa-east-1a" } } };
}

const opsOf = (changes: PlannedChange[]) => Object.fromEntries(BOX.map((n) => [n, changeOf(changes, n).op]));

/** The first run as a deployment whose security group was created with `description`. */
function deployedWithGroupDescription(run: MockRun, description: string): MockRun {
    return { ...run, resources: run.resources.map((r) => (r.name === "code-server-sg" ? { ...r, inputs: { ...r.inputs, description } } : r)) };
}

/** The first run as a deployment made when the launch template's root size was `gb`. */
function deployedWithRoot(run: MockRun, gb: number): MockRun {
    const resources = run.resources.map((r) => {
        if (r.name !== "code-server-lt") return r;
        const [root, ...rest] = r.inputs.blockDeviceMappings as { ebs: Record<string, unknown> }[];
        return { ...r, inputs: { ...r.inputs, blockDeviceMappings: [{ ...root, ebs: { ...root.ebs, volumeSize: gb } }, ...rest] } };
    });
    return { ...run, resources };
}

describe("a running dev box across changes to its image, root size and access", () => {
    const g7e = { instanceType: "g7e.48xlarge" };

    it("keeps the instance when the DLAMI behind the catalog's parameter changes (a new release, or the Ubuntu 24.04 parameter)", async () => {
        const first = await ok(g7e, { parameters: { [NVIDIA_AMI_PARAMETER]: "ami-0a22040000000001" } });
        const second = await ok(g7e, after(first, { parameters: { [NVIDIA_AMI_PARAMETER]: "ami-0b24040000000002" } }));
        const changes = plannedChanges(first.run, second.run);
        expect(opsOf(changes)).to.deep.equal({
            "code-server-sg": "same", "code-server-lt": "same", "code-server-instance": "same",
            "code-server-work": "same", "code-server-work-attachment": "same", "code-server-setup": "same",
        });
    });

    it("moves to an amiId the user sets: a new instance (a new root disk), the work volume kept", async () => {
        const first = await ok(g7e, {});
        const second = await ok({ ...g7e, amiId: "ami-0c0ffee000000001" }, after(first));
        const changes = plannedChanges(first.run, second.run);
        expect(changeOf(changes, "code-server-instance").op).to.equal("replace");
        expect(changeOf(changes, "code-server-work").op).to.equal("same");
        expect(emptyingReplacements(changes)).to.deep.equal([]);
    });

    it("keeps a box made when the catalog's root size was smaller, and follows a size the user sets", async () => {
        const first = await ok(g7e, {});
        const earlier = deployedWithRoot(first.run, 500);
        const kept = await ok(g7e, after(first));
        expect(opsOf(plannedChanges(earlier, kept.run))).to.include({ "code-server-lt": "same", "code-server-instance": "same" });
        const set = await ok({ ...g7e, volumeSizeGb: 1000 }, after(first));
        const changes = plannedChanges(earlier, set.run);
        expect(changeOf(changes, "code-server-lt")).to.include({ op: "update" });
        expect(changeOf(changes, "code-server-instance").op).to.equal("replace");
        expect(emptyingReplacements(changes)).to.deep.equal([]);
    });

    it("changes only the security group's rules when the allowed CIDRs or nginx's port change", async () => {
        const first = await ok({ ...g7e, allowedCidrs: ["203.0.113.7/32"] }, {});
        const second = await ok({ ...g7e, allowedCidrs: ["198.51.100.0/24", "192.0.2.0/24"], nginxPort: 8443 }, after(first));
        const changes = plannedChanges(first.run, second.run);
        expect(opsOf(changes)).to.deep.equal({
            "code-server-sg": "update", "code-server-lt": "same", "code-server-instance": "same",
            "code-server-work": "same", "code-server-work-attachment": "same", "code-server-setup": "update",
        });
        expect(changeOf(changes, "code-server-sg").because.every((p) => p.startsWith("ingress"))).to.equal(true);
        expect(changeOf(changes, "code-server-tls-fingerprint").op).to.equal("same");
    });

    it("keeps a box whose security group was made with an older description (one that named its CIDRs, before HTTPS)", async () => {
        const first = await ok({ ...g7e, allowedCidrs: ["203.0.113.7/32"] }, {});
        const earlier = deployedWithGroupDescription(first.run, "code-server: HTTP 80 from 203.0.113.7/32");
        const second = await ok({ ...g7e, allowedCidrs: ["203.0.113.7/32"] }, after(first));
        expect(opsOf(plannedChanges(earlier, second.run))).to.include({ "code-server-sg": "same", "code-server-lt": "same", "code-server-instance": "same" });
    });

    it("turning allowedCidrs on keeps the box: the group's rules change in place", async () => {
        const first = await ok(g7e, {});
        const second = await ok({ ...g7e, allowedCidrs: ["203.0.113.7/32"] }, after(first));
        const changes = plannedChanges(first.run, second.run);
        expect(opsOf(changes)).to.include({ "code-server-sg": "update", "code-server-lt": "same", "code-server-instance": "same", "code-server-work": "same" });
        expect(emptyingReplacements(changes)).to.deep.equal([]);
    });
});
