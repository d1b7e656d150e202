import * as fs from "fs";
import * as path from "path";
import type { TaskSpec } from "../dynamic-providers/ssmTasks";

/**
 * Seconds each code-server task takes on a fresh Ubuntu 24.04 GPU instance (first boot, apt mirror in
 * region). Estimates from the tasks' work, not measurements: apt installs and downloads dominate.
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
    "code-server-config": 3,
    "vscode-settings": 0.5,
    "tls-certificate": 1,
    "nginx": 2,
    "code-server-unit": 3.5,
    "extensions": 40,
    "code-command": 0.5,
    "verify": 3,
};

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

/** The profile scaled so the whole set runs in `totalSeconds`; fails if the shipped task set and the profile disagree. */
export function scaledProfile(ids: string[], totalSeconds: number): BenchTask[] {
    const missing = ids.filter((id) => !(id in CODE_SERVER_PROFILE_SECONDS));
    const extra = Object.keys(CODE_SERVER_PROFILE_SECONDS).filter((id) => !ids.includes(id));
    if (missing.length > 0 || extra.length > 0) {
        throw new Error(`bench profile out of date with tasks/code-server-setup.json: missing ${missing.join(", ") || "none"}, unknown ${extra.join(", ") || "none"}`);
    }
    const sum = ids.reduce((s, id) => s + CODE_SERVER_PROFILE_SECONDS[id], 0);
    return ids.map((id) => ({ id, seconds: Math.round((CODE_SERVER_PROFILE_SECONDS[id] * totalSeconds * 1000) / sum) / 1000 }));
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
