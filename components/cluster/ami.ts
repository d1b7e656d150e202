/**
 * The AMI PCS nodes boot from. PCS needs its agent and a PCS build of Slurm on the image; AWS publishes one
 * such image, the "PCS-ready DLAMI" (Deep Learning Base OSS NVIDIA Driver GPU AMI, Ubuntu 24.04, with the PCS
 * agent, Slurm 24.11/25.05/25.11 and efs-utils), by public SSM parameter (PCS user guide "Using PCS-ready DLAMI
 * with AWS PCS"; AMI names `aws-pcs-ready-dlami-base-ubuntu2404-x86_64-*`, owner amazon). There is no PCS-ready
 * Neuron image: Trainium/Inferentia nodes get an image capblocks builds on top of it (nodeImage.ts), or the
 * user's own (`cluster.amiId`). docs/aws-notes.md#pcs-amis.
 */

export const PCS_DLAMI_PARAMETER = "/aws/service/pcs/ami/dlami-base-ubuntu2404/x86_64/latest/ami-id";

/** The OS of the PCS-ready DLAMI, in ParallelCluster's `Image.Os` spelling. */
export const PCS_DLAMI_OS = "ubuntu2404";
