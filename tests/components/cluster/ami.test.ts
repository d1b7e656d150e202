import { expect } from "chai";
import { pcsAmiWarning } from "../../../components/cluster/ami";

describe("PCS node AMI", () => {
    // PCS user guide "Using PCS-ready DLAMI with AWS PCS": built on the NVIDIA Base DLAMI, so no Neuron driver.
    it("warns that the PCS-ready DLAMI has no Neuron driver unless an AMI is given", () => {
        expect(pcsAmiWarning("neuron", undefined)).to.equal(
            "the PCS-ready DLAMI (/aws/service/pcs/ami/dlami-base-ubuntu2404/x86_64/latest/ami-id) has NVIDIA drivers but no AWS Neuron driver; " +
                "Neuron jobs will not see the accelerators. Build an AMI with the PCS agent, Slurm and the Neuron SDK and set capblocks:cluster.amiId to it.",
        );
        expect(pcsAmiWarning("neuron", "ami-1")).to.equal(undefined);
        expect(pcsAmiWarning("nvidia", undefined)).to.equal(undefined);
    });
});
