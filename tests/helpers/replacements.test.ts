import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { MockRun, RecordedResource } from "../../scripts/offlineMocks";
import { changeOf, emptyingReplacements, plannedChanges } from "./replacements";
import { REPLACEMENT_RULES } from "./replacementRules";

const ROOT = path.join(__dirname, "..", "..");

function resource(name: string, type: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
    return { urn: `urn:${type}::${name}`, type, name, parent: null, parentUrn: null, custom: true, inputs, options: {}, id: `${name}-id`, ...extra };
}
const runOf = (...resources: RecordedResource[]): MockRun => ({ resources, assumed: [], calls: [], reads: [], madeUp: [] });
const VOLUME = "aws:ebs/volume:Volume";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";

describe("replacement analysis between two runs", () => {
    const volume = (inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}) =>
        resource("work", VOLUME, { size: 200, type: "gp3", encrypted: true, ...inputs }, { options: { retainOnDelete: true }, ...extra });
    const attachment = resource("attach", ATTACHMENT, { volumeId: "work-id", instanceId: "i-1", deviceName: "/dev/sdf" });

    it("replaces on a ForceNew input, updates on any other, and leaves an unchanged resource alone", () => {
        const before = runOf(volume({ availabilityZone: "a" }), attachment);
        expect(changeOf(plannedChanges(before, runOf(volume({ availabilityZone: "a", size: 300 }), attachment)), "work")).to.include({ op: "update" });
        expect(changeOf(plannedChanges(before, runOf(volume({ availabilityZone: "a" }), attachment)), "work")).to.include({ op: "same" });
        const moved = plannedChanges(before, runOf(volume({ availabilityZone: "b" }), attachment));
        expect(changeOf(moved, "work")).to.deep.include({ op: "replace", because: ["availabilityZone"], keepsOld: true, deleteBeforeReplace: false });
    });

    it("sees the empty volume the engine would create, and a volume made from a snapshot as carrying the data", () => {
        const before = runOf(volume({ availabilityZone: "a" }));
        expect(emptyingReplacements(plannedChanges(before, runOf(volume({ availabilityZone: "b" })))).map((c) => c.name)).to.deep.equal(["work"]);
        expect(emptyingReplacements(plannedChanges(before, runOf(volume({ availabilityZone: "b", snapshotId: "snap-1" }))))).to.deep.equal([]);
    });

    it("carries a replacement to the resources holding the replaced id (the mocks give the new one the same id)", () => {
        const changes = plannedChanges(runOf(volume({ availabilityZone: "a" }), attachment), runOf(volume({ availabilityZone: "b", snapshotId: "snap-1" }), attachment));
        expect(changeOf(changes, "attach")).to.deep.include({ op: "replace", because: ["volumeId"] });
    });

    it("keeps an ignored input at its old value, also one named by a path with an array index", () => {
        const ignoring = { options: { retainOnDelete: true, ignoreChanges: ["availabilityZone"] } };
        const changes = plannedChanges(runOf(volume({ availabilityZone: "a" }, ignoring)), runOf(volume({ availabilityZone: "b" }, ignoring)));
        expect(changeOf(changes, "work").op).to.equal("same");
        const template = (volumeSize: number) => resource("lt", "aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ ebs: { volumeSize } }] },
            { options: { ignoreChanges: ["blockDeviceMappings[0].ebs.volumeSize"] } });
        expect(changeOf(plannedChanges(runOf(template(300)), runOf(template(500))), "lt").op).to.equal("same");
    });

    // terraform-provider-aws ec2_instance.go: an instance on another launch template version is replaced.
    it("replaces an instance whose launch template changed (a new version), and leaves it when the template did not", () => {
        const template = (imageId: string) => resource("lt", "aws:ec2/launchTemplate:LaunchTemplate", { imageId });
        const instance = resource("box", "aws:ec2/instance:Instance", { launchTemplate: { id: "lt-id", version: "1" } });
        expect(changeOf(plannedChanges(runOf(template("ami-1"), instance), runOf(template("ami-2"), instance)), "box"))
            .to.deep.include({ op: "replace", because: ["launchTemplate.version"] });
        expect(changeOf(plannedChanges(runOf(template("ami-1"), instance), runOf(template("ami-1"), instance)), "box").op).to.equal("same");
    });

    it("replaces on the resource's own replaceOnChanges, with the aws-native [*] form", () => {
        const group = (instanceType: string) => resource("group", "custom:index:Thing", { configs: [{ instanceType }] }, { replaceOnChanges: ["configs[*]"] });
        expect(changeOf(plannedChanges(runOf(group("a")), runOf(group("b"))), "group")).to.deep.include({ op: "replace", because: ["configs.0.instanceType"] });
    });

    it("deletes what the second run no longer declares, kept in AWS when retained", () => {
        const snapshot = resource("snap", "aws:ebs/snapshot:Snapshot", { volumeId: "vol-1" }, { options: { retainOnDelete: true } });
        expect(changeOf(plannedChanges(runOf(snapshot), runOf()), "snap")).to.include({ op: "delete", keepsOld: true });
        expect(changeOf(plannedChanges(runOf(), runOf(snapshot)), "snap")).to.include({ op: "create" });
    });

    it("reports an input that is unknown in the second run as changed", () => {
        const changes = plannedChanges(runOf(volume({ availabilityZone: "a" })), runOf(volume({ availabilityZone: "[unknown]" })));
        expect(changeOf(changes, "work").op).to.equal("replace");
    });
});

describe("the replacement rules", () => {
    // docs/replacements.md is the table users read; the rules are the same table as data.
    it("are the table in docs/replacements.md, row for row", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "replacements.md"), "utf8");
        const rows = [...doc.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], [...m[2].matchAll(/`([^`]+)`/g)].map((x) => x[1])] as const);
        expect(Object.fromEntries(rows)).to.deep.equal(Object.fromEntries(Object.entries(REPLACEMENT_RULES).map(([type, rule]) => [type, rule.forceNew])));
    });

    // The aws-native SDK passes each CloudFormation schema's createOnlyProperties as replaceOnChanges.
    it("for aws-native PCS resources, are the replaceOnChanges the installed SDK sets", () => {
        const sdk = path.join(path.dirname(require.resolve("@pulumi/aws-native/package.json")), "pcs");
        for (const [file, type] of [["cluster.js", "aws-native:pcs:Cluster"], ["computeNodeGroup.js", "aws-native:pcs:ComputeNodeGroup"], ["queue.js", "aws-native:pcs:Queue"]]) {
            const source = fs.readFileSync(path.join(sdk, file), "utf8");
            const declared = JSON.parse(/replaceOnChanges: (\[.*\]) \};/.exec(source)?.[1] ?? "[]") as string[];
            expect(declared.map((p) => p.replace(/\[\*\]$/, "")), file).to.deep.equal(REPLACEMENT_RULES[type].forceNew);
        }
    });
});
