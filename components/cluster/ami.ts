/**
 * The AMI PCS nodes boot from. PCS needs its agent and a PCS build of Slurm on the image; AWS publishes one
 * such image, the "PCS-ready DLAMI" (Deep Learning Base OSS NVIDIA Driver GPU AMI, Ubuntu 24.04, with the PCS
 * agent, Slurm 24.11/25.05/25.11 and efs-utils), by public SSM parameter (PCS user guide "Using PCS-ready DLAMI
 * with AWS PCS"). There is no PCS-ready Neuron image, so Trainium/Inferentia clusters get the same AMI plus a
 * warning that the Neuron driver is missing unless `cluster.amiId` points at an image that has both.
 */
import type { Accelerator } from "../shared/catalog";

export const PCS_DLAMI_PARAMETER = "/aws/service/pcs/ami/dlami-base-ubuntu2404/x86_64/latest/ami-id";

/** The OS of the PCS-ready DLAMI, in ParallelCluster's `Image.Os` spelling. */
export const PCS_DLAMI_OS = "ubuntu2404";

/** A warning for accelerators the PCS-ready DLAMI does not carry drivers for, else undefined. */
export function pcsAmiWarning(accelerator: Accelerator, amiOverride: string | undefined): string | undefined {
    if (accelerator !== "neuron" || amiOverride) return undefined;
    return (
        "the PCS-ready DLAMI (" + PCS_DLAMI_PARAMETER + ") has NVIDIA drivers but no AWS Neuron driver; " +
        "Neuron jobs will not see the accelerators. Build an AMI with the PCS agent, Slurm and the Neuron SDK " +
        "and set capblocks:cluster.amiId to it."
    );
}
