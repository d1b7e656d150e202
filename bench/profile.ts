import * as fs from "fs";
import * as path from "path";
import type { TaskSpec } from "../dynamic-providers/ssmTasks";

/**
 * Seconds each code-server task takes on a fresh Ubuntu 24.04 DLAMI instance (first boot, apt mirror in the
 * Region). Estimates from what each task does, not measurements on AWS (the bench has none): apt updates and
 * installs of the listed packages (about a minute), the code-server .deb (~100 MB) from GitHub with its install,
 * the extensions from Open VSX (tens of MB each), cloud-init and unattended-upgrades holding dpkg after boot; the
 * small tasks write a file or restart a service. They weigh the stand-in tasks the bench runs.
 */
export const CODE_SERVER_PROFILE_SECONDS: Record<string, number> = {
    "needrestart": 1,
    "apt-helper": 0.5,
    "wait-dpkg-lock": 30,
    "neuron-apt-repo": 1,
    "base-packages": 60,
    "locale": 5,
    "user": 1,
    "sudo": 0.5,
    "home": 2,
    "shell-profile": 0.5,
    "code-server-install": 25,
    "extensions-cache": 40,
    "code-server-config": 3,
    "vscode-settings": 0.5,
    "tls-certificate": 1,
    "nginx": 2,
    "code-server-unit": 3.5,
    "extensions": 2,
    "code-command": 0.5,
    "verify": 3,
};

/**
 * The cluster nodes' setup, as stand-in tasks: what the node image holds (the Neuron component of
 * components/cluster/imageComponents.ts: its apt source, the kernel headers, the driver built by DKMS, the runtime
 * and tools) and what each node's user data does at boot (components/cluster/userData.ts: Slurm on PATH, the shared
 * file system and /home on it; Enroot and Pyxis only with cluster.containers). Estimates as above; the DKMS build
 * dominates.
 */
export const CLUSTER_NODE_PROFILE_SECONDS: Record<string, number> = {
    "neuron-apt-source": 3,
    "kernel-headers": 20,
    "neuron-driver-dkms": 150,
    "neuron-runtime-tools": 30,
    "neuron-validate": 5,
    "slurm-path": 0.5,
    "mount-shared": 3,
    "shared-home": 1,
};
export const CLUSTER_NODE_IMAGE_TASKS = ["neuron-apt-source", "kernel-headers", "neuron-driver-dkms", "neuron-runtime-tools", "neuron-validate"];
/** With cluster.containers: Enroot's .debs and Pyxis built against the cluster's Slurm, at every node's boot. */
export const CONTAINERS_BOOT_SECONDS = 60;

export interface BenchTask {
    id: string;
    /** Scaled run time in seconds. */
    seconds: number;
}

/** The ids of tasks/code-server-setup.json, in file order. */
export function codeServerTaskIds(projectDir: string): string[] {
    const file = JSON.parse(fs.readFileSync(path.join(projectDir, "tasks", "code-server-setup.json"), "utf8")) as { tasks: { id: string }[] };
    return file.tasks.map((t) => t.id);
}

/** The profile scaled so the whole set runs in `totalSeconds`; fails if the task set and the profile disagree. */
export function scaledProfile(ids: string[], totalSeconds: number, profile: Record<string, number> = CODE_SERVER_PROFILE_SECONDS): BenchTask[] {
    const missing = ids.filter((id) => !(id in profile));
    const extra = Object.keys(profile).filter((id) => !ids.includes(id));
    if (missing.length > 0 || extra.length > 0) {
        throw new Error(`bench profile out of date with its task set: missing ${missing.join(", ") || "none"}, unknown ${extra.join(", ") || "none"}`);
    }
    const sum = ids.reduce((s, id) => s + profile[id], 0);
    return ids.map((id) => ({ id, seconds: Math.round((profile[id] * totalSeconds * 1000) / sum) / 1000 }));
}

/** A stand-in for the real commands (which install packages): sleep for the profile time, then leave a file. */
export function benchTaskSpecs(tasks: BenchTask[]): TaskSpec[] {
    return tasks.map((t) => ({
        id: t.id,
        name: `bench ${t.id}`,
        commands: [`sleep ${t.seconds}`, `touch "$HOME/${t.id}.done"`],
        timeoutSeconds: 60,
    }));
}

export function sumSeconds(tasks: BenchTask[]): number {
    return tasks.reduce((s, t) => s + t.seconds, 0);
}
