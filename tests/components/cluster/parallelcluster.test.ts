import { expect } from "chai";
import { parse } from "yaml";
import type { ParallelClusterSettings } from "../../../components/cluster/parallelcluster";
import { renderParallelClusterConfig } from "../../../components/cluster/parallelcluster";

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
    ...over,
});

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

    it("names the SSM policy in the partition it is given (aws-cn in China regions)", () => {
        expect(render().HeadNode.Iam.AdditionalIamPolicies).to.deep.equal([{ Policy: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }]);
        const c = render({ region: "cn-north-1", partition: "aws-cn" });
        expect(c.HeadNode.Iam.AdditionalIamPolicies[0].Policy).to.equal("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore");
    });
});
