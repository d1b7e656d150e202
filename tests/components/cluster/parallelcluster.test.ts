import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ParallelClusterSettings } from "../../../components/cluster/parallelcluster";
import { parallelClusterOs, PYXIS_POST_INSTALL, renderParallelClusterConfig } from "../../../components/cluster/parallelcluster";

const settings = (over: Partial<ParallelClusterSettings> = {}): ParallelClusterSettings => ({
    region: "us-east-2",
    partition: "aws",
    os: "ubuntu2404",
    headNodeInstanceType: "m7i.large",
    headNodeSubnetId: "subnet-login",
    sshAllowedCidr: "10.0.0.0/16",
    computeSubnetId: "subnet-compute",
    instanceType: "p5.48xlarge",
    instanceCount: 2,
    reservationId: "cr-0123456789abcdef0",
    efaSupported: true,
    sharedStorage: "efs",
    deleteSharedStorage: false,
    containers: false,
    dataBuckets: [],
    exclusiveNodes: true,
    ...over,
});

interface KeyNode {
    properties?: Record<string, KeyNode>;
    list?: boolean;
    sequence?: boolean;
    type?: string;
    oneOf?: unknown[];
}

/** ParallelCluster's config keys, read from its marshmallow schemas (fixtures/parallelclusterKeys.py says how). */
const PC_KEYS = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "parallelcluster-keys.json"), "utf8")) as { keys: Record<string, KeyNode> };

/** Every key the config uses, checked against the schema's tree: where it sits, list or not, the value's kind. */
function schemaProblems(value: unknown, node: KeyNode, at: string): string[] {
    if (node.list && !node.sequence) {
        if (!Array.isArray(value)) return [`${at}: expected a list`];
        return value.flatMap((v, i) => schemaProblems(v, { ...node, list: false }, `${at}[${i}]`));
    }
    if (node.properties) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: expected a mapping`];
        return Object.entries(value).flatMap(([k, v]) =>
            node.properties?.[k] ? schemaProblems(v, node.properties[k], at ? `${at}.${k}` : k) : [`${at ? `${at}.` : ""}${k}: not a ParallelCluster setting`],
        );
    }
    const kinds: Record<string, (v: unknown) => boolean> = {
        str: (v) => typeof v === "string",
        int: (v) => Number.isInteger(v),
        bool: (v) => typeof v === "boolean",
        float: (v) => typeof v === "number",
        list: Array.isArray,
        dict: (v) => typeof v === "object" && v !== null,
    };
    if (node.type && kinds[node.type] && !kinds[node.type](value)) return [`${at}: ${JSON.stringify(value)} is not a ${node.type}`];
    if (node.oneOf && !node.oneOf.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${node.oneOf.join(", ")}`];
    return [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const render = (over: Partial<ParallelClusterSettings> = {}): any => parse(renderParallelClusterConfig(settings(over)));

describe("ParallelCluster config renderer", () => {
    // ParallelCluster 3 "Capacity Blocks": CapacityType CAPACITY_BLOCK, CapacityReservationId, MinCount == MaxCount.
    it("renders a CAPACITY_BLOCK queue pinned to the block with MinCount == MaxCount == block size", () => {
        const c = render();
        const queue = c.Scheduling.SlurmQueues[0];
        expect(c.Scheduling.Scheduler).to.equal("slurm");
        expect(c.Scheduling.SlurmQueues).to.have.length(1);
        expect(queue.CapacityType).to.equal("CAPACITY_BLOCK");
        expect(queue.ComputeResources).to.have.length(1);
        const cr = queue.ComputeResources[0];
        expect(cr).to.include({ InstanceType: "p5.48xlarge", MinCount: 2, MaxCount: 2, Name: "p5-48xlarge" });
        expect(cr.CapacityReservationTarget).to.deep.equal({ CapacityReservationId: "cr-0123456789abcdef0" });
        expect(cr.Efa).to.deep.equal({ Enabled: true });
        expect(queue.Networking).to.deep.equal({ SubnetIds: ["subnet-compute"], PlacementGroup: { Enabled: false } });
        expect(cr).to.not.have.property("AllocationStrategy");
    });

    it("renders region, OS and a head node with IMDSv2 and SSH only from the VPC", () => {
        const c = render({ os: "ubuntu2204" });
        expect(c.Region).to.equal("us-east-2");
        expect(c.Image).to.deep.equal({ Os: "ubuntu2204" });
        expect(c.HeadNode.InstanceType).to.equal("m7i.large");
        expect(c.HeadNode.Networking.SubnetId).to.equal("subnet-login");
        expect(c.HeadNode.Imds).to.deep.equal({ Secured: true });
        expect(c.HeadNode.Ssh.AllowedIps).to.equal("10.0.0.0/16");
    });

    it("renders on demand without a block: ONDEMAND, MinCount 0, MaxCount = count, no reservation", () => {
        const queue = render({ reservationId: undefined, instanceType: "g6e.2xlarge", efaSupported: false, instanceCount: 4 })
            .Scheduling.SlurmQueues[0];
        expect(queue.CapacityType).to.equal("ONDEMAND");
        const cr = queue.ComputeResources[0];
        expect(cr).to.include({ MinCount: 0, MaxCount: 4 });
        expect(cr).to.not.have.property("CapacityReservationTarget");
        expect(cr).to.not.have.property("Efa");
    });

    it("renders the shared storage choice at the same mount point as the PCS nodes", () => {
        expect(render().SharedStorage).to.deep.equal([
            { Name: "shared", StorageType: "Efs", MountDir: "/shared", EfsSettings: { Encrypted: true, DeletionPolicy: "Retain" } },
        ]);
        const fsx = render({ sharedStorage: "fsx-lustre" }).SharedStorage[0];
        expect(fsx).to.include({ StorageType: "FsxLustre", MountDir: "/fsx" });
        expect(fsx.FsxLustreSettings.StorageCapacity).to.be.at.least(1200);
        expect(["SCRATCH_2", "PERSISTENT_2"]).to.include(fsx.FsxLustreSettings.DeploymentType);
        expect(render({ sharedStorage: "none" })).to.not.have.property("SharedStorage");
    });

    // ParallelCluster 3 "SharedStorage": managed storage defaults to DeletionPolicy Delete; external storage is never deleted.
    it("keeps the shared data when the cluster is deleted, like the PCS stack, unless deleteSharedStorage", () => {
        expect(render({ sharedStorage: "fsx-lustre" }).SharedStorage[0].FsxLustreSettings.DeletionPolicy).to.equal("Retain");
        expect(render({ deleteSharedStorage: true }).SharedStorage[0].EfsSettings.DeletionPolicy).to.equal("Delete");
        expect(render({ sharedStorage: "fsx-lustre", deleteSharedStorage: true }).SharedStorage[0].FsxLustreSettings.DeletionPolicy).to.equal("Delete");
        expect(render({ sharedFileSystemId: "fs-0123456789abcdef0" }).SharedStorage[0].EfsSettings).to.deep.equal({ FileSystemId: "fs-0123456789abcdef0" });
    });

    // ParallelCluster 3 "Iam" and "CustomActions" sections; the PCS nodes' role has the same permissions.
    it("gives the head node and the queue the PCS nodes' permissions: SSM, the data buckets read-only, ECR for containers", () => {
        const c = render({ dataBuckets: ["training-data"], containers: true });
        for (const iam of [c.HeadNode.Iam, c.Scheduling.SlurmQueues[0].Iam]) {
            expect(iam).to.deep.equal({
                AdditionalIamPolicies: [
                    { Policy: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
                    { Policy: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" },
                ],
                S3Access: [{ BucketName: "training-data", EnableWriteAccess: false }],
            });
        }
        expect(render().Scheduling.SlurmQueues[0].Iam).to.deep.equal({ AdditionalIamPolicies: [{ Policy: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }] });
    });

    // ParallelCluster 3.11.1+ ships Enroot and Pyxis turned off; AWS's post-install sample turns them on.
    it("turns Enroot and Pyxis on, on the head node and the compute nodes, only for containers", () => {
        const c = render({ containers: true });
        const action = { OnNodeConfigured: { Script: PYXIS_POST_INSTALL } };
        expect(c.HeadNode.CustomActions).to.deep.equal(action);
        expect(c.Scheduling.SlurmQueues[0].CustomActions).to.deep.equal(action);
        expect(render().HeadNode).to.not.have.property("CustomActions");
    });

    // ParallelCluster 3.13.0 changelog: its official Ubuntu 24.04 AMI does not support Lustre.
    it("runs Ubuntu 24.04 like the PCS nodes, except with FSx for Lustre, which needs ParallelCluster's Ubuntu 22.04", () => {
        expect(parallelClusterOs("ubuntu2404", "efs")).to.equal("ubuntu2404");
        expect(parallelClusterOs("ubuntu2404", "none")).to.equal("ubuntu2404");
        expect(parallelClusterOs("ubuntu2404", "fsx-lustre")).to.equal("ubuntu2204");
    });

    it("gives each job whole nodes unless exclusiveNodes is off", () => {
        expect(render().Scheduling.SlurmQueues[0].JobExclusiveAllocation).to.equal(true);
        expect(render({ exclusiveNodes: false }).Scheduling.SlurmQueues[0]).to.not.have.property("JobExclusiveAllocation");
    });

    // ParallelCluster 3 "FsxLustreSettings": PERSISTENT_2 links S3 with DataRepositoryAssociations.
    it("links FSx for Lustre to S3 like the PCS file system", () => {
        const fsx = render({ sharedStorage: "fsx-lustre", lustreImportPath: "s3://data/in", lustreExportPath: "s3://results/out/" }).SharedStorage[0].FsxLustreSettings;
        expect(fsx.DataRepositoryAssociations).to.deep.equal([
            { Name: "data", FileSystemPath: "/data", DataRepositoryPath: "s3://data/in/", BatchImportMetaDataOnCreate: true, AutoImportPolicy: ["NEW", "CHANGED", "DELETED"] },
            { Name: "results", FileSystemPath: "/results", DataRepositoryPath: "s3://results/out/", BatchImportMetaDataOnCreate: false, AutoExportPolicy: ["NEW", "CHANGED", "DELETED"] },
        ]);
        expect(fsx).to.not.have.property("ImportPath");
        expect(render({ sharedStorage: "fsx-lustre" }).SharedStorage[0].FsxLustreSettings).to.not.have.property("DataRepositoryAssociations");
    });

    it("uses only keys ParallelCluster's schema has, where it has them, with values of their kind", () => {
        const variants: Partial<ParallelClusterSettings>[] = [
            {},
            { reservationId: undefined, efaSupported: false },
            { sharedStorage: "fsx-lustre", lustreImportPath: "s3://a/x", lustreExportPath: "s3://a/x", containers: true, dataBuckets: ["a"] },
            { sharedFileSystemId: "fs-0123456789abcdef0", exclusiveNodes: false },
            { sharedStorage: "none", deleteSharedStorage: true },
        ];
        for (const over of variants) expect(schemaProblems(render(over), { properties: PC_KEYS.keys }, ""), JSON.stringify(over)).to.deep.equal([]);
        // The check itself: a misplaced or misspelt key is caught.
        const wrong = { ...render(), HeadNode: { ...render().HeadNode, Imds: { Secure: true } }, Scheduling: { Scheduler: "pbs" } };
        expect(schemaProblems(wrong, { properties: PC_KEYS.keys }, "")).to.deep.equal(["HeadNode.Imds.Secure: not a ParallelCluster setting", 'Scheduling.Scheduler: "pbs" is not one of slurm, awsbatch']);
    });

    it("names the SSM policy in the partition it is given (aws-cn in China regions)", () => {
        expect(render().HeadNode.Iam.AdditionalIamPolicies).to.deep.equal([{ Policy: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }]);
        const c = render({ region: "cn-north-1", partition: "aws-cn" });
        expect(c.HeadNode.Iam.AdditionalIamPolicies[0].Policy).to.equal("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore");
    });
});
