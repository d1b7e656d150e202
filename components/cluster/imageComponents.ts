/**
 * The EC2 Image Builder components capblocks adds to the PCS-ready DLAMI, as plain data: each component's bash
 * scripts and its YAML document. Pure, so tests can parse the documents and run `bash -n` on every script.
 *
 * Neuron: the AWS Neuron setup guide for Ubuntu 24.04 ("Install PyTorch via manual installation", Neuron 2.x):
 * the apt repository https://apt.repos.neuron.amazonaws.com (suite = the release codename), its key
 * GPG-PUB-KEY-AMAZON-AWS-NEURON.PUB, the running kernel's headers, then aws-neuronx-dkms (driver),
 * aws-neuronx-collectives and aws-neuronx-runtime-lib (runtime), aws-neuronx-tools (neuron-ls, neuron-top), with
 * /opt/aws/neuron/bin on PATH. The key goes to a keyring named by `signed-by` (the Neuron setup troubleshooting
 * page), not `apt-key`. DKMS compiles the driver against the kernel headers, so the build instance needs no Neuron
 * device (docs/aws-notes.md#node-images). EFA comes with the DLAMI.
 */
import type { ComponentSpec } from "../shared/imageDocument";

export const NEURON_APT_REPO = "https://apt.repos.neuron.amazonaws.com";
export const NEURON_APT_KEY = `${NEURON_APT_REPO}/GPG-PUB-KEY-AMAZON-AWS-NEURON.PUB`;
export const NEURON_PACKAGES = ["aws-neuronx-dkms", "aws-neuronx-collectives", "aws-neuronx-runtime-lib", "aws-neuronx-tools"];
export const NEURON_BIN = "/opt/aws/neuron/bin";

/** Where the PCS-ready DLAMI keeps the PCS builds of Slurm: the built image must still have them. */
const PCS_SCHEDULER_DIR = "/opt/aws/pcs/scheduler";

/** Every script starts the same way: stop at the first failure, never ask, wait for apt locks the DLAMI's boot-time updates hold. */
const PRELUDE = [
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    "apt_get() { apt-get -o DPkg::Lock::Timeout=900 -y \"$@\"; }",
];

/** The running kernel and the newest installed one (what the next boot runs): the driver must exist for both. */
const KERNELS = [
    "running=\"$(uname -r)\"",
    "newest=\"$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)\"",
    "kernels=\"$running\"",
    "if [ -n \"$newest\" ] && [ \"$newest\" != \"$running\" ]; then kernels=\"$running $newest\"; fi",
];

const lines = (...parts: string[][]): string => `${parts.flat().join("\n")}\n`;

const neuronBuild = lines(PRELUDE, KERNELS, [
    "install -m 0755 -d /etc/apt/keyrings",
    `wget -qO - ${NEURON_APT_KEY} | gpg --batch --yes --dearmor -o /etc/apt/keyrings/neuron.gpg`,
    ". /etc/os-release",
    `echo "deb [signed-by=/etc/apt/keyrings/neuron.gpg] ${NEURON_APT_REPO} \${VERSION_CODENAME} main" > /etc/apt/sources.list.d/neuron.list`,
    "apt_get update",
    "for k in $kernels; do apt_get install \"linux-headers-$k\"; done",
    `apt_get install ${NEURON_PACKAGES.join(" ")}`,
    // The package builds the driver for the running kernel; a newer installed kernel gets it too.
    "for k in $kernels; do dkms autoinstall -k \"$k\"; done",
    `echo 'export PATH=${NEURON_BIN}:$PATH' > /etc/profile.d/aws-neuron.sh`,
]);

const neuronValidate = lines(PRELUDE, KERNELS, [
    "for k in $kernels; do",
    "  modinfo -k \"$k\" neuron > /dev/null || { echo \"no Neuron driver module for kernel $k\" >&2; exit 1; }",
    "done",
    `dpkg-query -W ${NEURON_PACKAGES.join(" ")}`,
    `test -x ${NEURON_BIN}/neuron-ls`,
]);

// On the test instance (booted from the new image, no Neuron device): the driver matches the kernel it boots,
// and the PCS agent's Slurm builds are still there.
const neuronTest = lines(PRELUDE, [
    "modinfo -k \"$(uname -r)\" neuron > /dev/null || { echo \"no Neuron driver module for the booted kernel $(uname -r)\" >&2; exit 1; }",
    `test -x ${NEURON_BIN}/neuron-ls`,
    `test -d ${PCS_SCHEDULER_DIR} || { echo "${PCS_SCHEDULER_DIR} is missing: not a PCS-ready image" >&2; exit 1; }`,
]);

export const NEURON_COMPONENT: ComponentSpec = {
    name: "neuron",
    description: "AWS Neuron driver (DKMS), runtime, collectives and tools for Trainium/Inferentia PCS nodes",
    scripts: { build: neuronBuild, validate: neuronValidate, test: neuronTest },
};

/** Single-quoted for bash: a package spec may hold `*` (apt version globs), which must reach apt unexpanded. */
const quoted = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/** `name=version` → `name`, for dpkg-query. */
const packageName = (spec: string) => spec.split("=")[0];

/** The user's extra apt packages (capblocks:cluster.image.packages). */
export function packagesComponent(packages: string[]): ComponentSpec {
    return {
        name: "packages",
        description: `Extra Ubuntu packages: ${packages.join(", ")}`.slice(0, 1024),
        scripts: {
            build: lines(PRELUDE, ["apt_get update", `apt_get install ${packages.map(quoted).join(" ")}`]),
            validate: lines(PRELUDE, [`dpkg-query -W ${packages.map(packageName).map(quoted).join(" ")}`]),
        },
    };
}
