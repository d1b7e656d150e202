/**
 * A scratch machine for running the shipped setup tasks with dash, as the SSM agent does, without touching this
 * one: apt is the real apt-get, pointed by APT_CONFIG at lists, caches and a dpkg status file in a temporary
 * directory, with a stub dpkg (it logs its calls and "configures" by clearing the dpkg journal). Absolute paths the
 * tasks write to (/usr/local/sbin, /etc/systemd/system, /etc/nginx, /etc/capblocks, /etc/default) are moved under
 * the directory; other tools are stubbed per test. `sleep` is instant and moves a fake clock that the `date` stub reads, so waits of minutes take none.
 * The apt behaviour it reproduces: docs/aws-notes.md#apt-and-dpkg-on-ubuntu.
 */
import { spawn, spawnSync } from "child_process";
import type { ChildProcess, SpawnSyncReturns } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { LoadedTasks } from "../../tasks/loader";
import { loadCodeServerTasks } from "../../tasks/loader";
import { prepareTasks } from "../../dynamic-providers/ssmTasks/template";
import { renderTaskBody } from "../../dynamic-providers/ssmTasks/script";

/** Whether this machine has the tools the scratch machine runs for real. */
export function have(...tools: string[]): boolean {
    return tools.every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);
}

/** Holds a POSIX lock on the file, as apt and dpkg take theirs, until the fake clock reaches `until`. */
const LOCK_HOLDER = `
import fcntl, sys, time
lock = open(sys.argv[1], "a")
fcntl.lockf(lock, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
while int(open(sys.argv[2]).read()) < int(sys.argv[3]):
    time.sleep(0.01)
`;

export interface Package {
    name: string;
    version: string;
}

export class ScratchMachine {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-scratch-"));
    readonly bin = path.join(this.dir, "bin");
    readonly parts = path.join(this.dir, "etc", "sources.list.d");
    readonly lists = path.join(this.dir, "state", "lists");
    readonly admin = path.join(this.dir, "state", "dpkg");
    private readonly clock = path.join(this.dir, "clock");
    private readonly tasks: LoadedTasks;

    constructor(variables: Record<string, string> = {}) {
        this.tasks = loadCodeServerTasks([], variables);
        for (const d of [this.bin, this.parts, path.join(this.lists, "partial"), path.join(this.dir, "cache", "archives", "partial"),
            path.join(this.dir, "prefs"), path.join(this.admin, "updates"), path.join(this.dir, "sbin"), path.join(this.dir, "systemd"),
            path.join(this.dir, "nginx", "sites-available"), path.join(this.dir, "nginx", "sites-enabled"), path.join(this.dir, "default")]) {
            fs.mkdirSync(d, { recursive: true });
        }
        fs.writeFileSync(path.join(this.dir, "etc", "sources.list"), "");
        fs.writeFileSync(path.join(this.admin, "status"), "");
        fs.writeFileSync(this.clock, String(Math.floor(Date.now() / 1000)));
        fs.writeFileSync(path.join(this.dir, "apt.conf"), [
            `Dir::State "${path.join(this.dir, "state")}";`,
            `Dir::State::lists "${this.lists}/";`,
            `Dir::State::status "${path.join(this.admin, "status")}";`,
            `Dir::Cache "${path.join(this.dir, "cache")}";`,
            `Dir::Etc::sourcelist "${path.join(this.dir, "etc", "sources.list")}";`,
            `Dir::Etc::sourceparts "${this.parts}/";`,
            `Dir::Etc::preferencesparts "${path.join(this.dir, "prefs")}/";`,
            `Dir::Bin::dpkg "${path.join(this.bin, "dpkg")}";`,
            // Downloads as root would otherwise drop to _apt, which cannot read a 0700 temporary directory.
            'APT::Sandbox::User "root";',
            "",
        ].join("\n"));
        this.stub("dpkg", `case "$*" in
  *--print-foreign-architectures*) ;;
  *--print-architecture*) echo amd64 ;;
  *"--configure -a"*) rm -f ${this.admin}/updates/* ;;
esac`);
        // Written whole (rename), since the lock holder reads the clock at any moment.
        this.stub("sleep", `echo $(( $(cat ${this.clock}) + \${1%.*} )) > ${this.clock}.new && mv ${this.clock}.new ${this.clock}`);
        this.stub("date", `case "$1" in +%s) cat ${this.clock} ;; *) exec /bin/date "$@" ;; esac`);
    }

    /** An executable in the machine's PATH that logs its arguments, then runs `body`. */
    stub(name: string, body: string): void {
        fs.writeFileSync(path.join(this.bin, name), `#!/bin/sh\necho "${name} $*" >> ${this.dir}/log\n${body}\n`, { mode: 0o755 });
    }

    /** What the stubs were called with, one call per line. */
    log(): string {
        const file = path.join(this.dir, "log");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    }

    /** Seconds the fake clock moved (every `sleep`). */
    secondsSlept(start: number): number {
        return Number(fs.readFileSync(this.clock, "utf8")) - start;
    }

    now(): number {
        return Number(fs.readFileSync(this.clock, "utf8"));
    }

    /** Marks a package installed in the dpkg status file. */
    installed(pkg: Package): void {
        fs.appendFileSync(path.join(this.admin, "status"),
            `Package: ${pkg.name}\nStatus: install ok installed\nVersion: ${pkg.version}\nArchitecture: all\nMaintainer: t <t@example.com>\nDescription: test\n\n`);
    }

    /** Leaves the dpkg journal as an interrupted dpkg does (a crash, or a task timeout killing apt mid-install). */
    interruptDpkg(): void {
        fs.writeFileSync(path.join(this.admin, "updates", "0001"), "");
    }

    /**
     * Another process holding `file`'s lock (the apt lists lock, say, as apt-daily's apt-get update does) for
     * `seconds` of the fake clock; resolves once the lock is taken.
     */
    async holdLock(file: string, seconds: number): Promise<ChildProcess> {
        const holder = spawn("python3", ["-c", LOCK_HOLDER, file, this.clock, String(this.now() + seconds)], { stdio: "ignore" });
        const deadline = Date.now() + 10_000;
        while (!fs.existsSync(`${file}.held`)) {
            if (Date.now() > deadline) throw new Error(`the lock holder never took ${file}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return holder;
    }

    /** A .deb of `pkg` (architecture all, no content). */
    deb(pkg: Package): string {
        const root = path.join(this.dir, "debs", `${pkg.name}_${pkg.version}`);
        fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
        fs.writeFileSync(path.join(root, "DEBIAN", "control"),
            `Package: ${pkg.name}\nVersion: ${pkg.version}\nArchitecture: all\nMaintainer: t <t@example.com>\nDescription: test\n`);
        const file = `${root}_all.deb`;
        const built = spawnSync("dpkg-deb", ["--build", root, file], { encoding: "utf8" });
        if (built.status !== 0) throw new Error(built.stderr);
        return file;
    }

    /** A flat apt repository (Packages and an unsigned Release) holding these packages; returns its directory. */
    repository(name: string, packages: Package[]): string {
        const repo = path.join(this.dir, "repos", name);
        fs.mkdirSync(repo, { recursive: true });
        const stanzas = packages.map((pkg) => {
            const file = path.basename(this.deb(pkg));
            fs.copyFileSync(path.join(this.dir, "debs", file), path.join(repo, file));
            const bytes = fs.readFileSync(path.join(repo, file));
            return `Package: ${pkg.name}\nVersion: ${pkg.version}\nArchitecture: all\nMaintainer: t <t@example.com>\n` +
                `Filename: ./${file}\nSize: ${bytes.length}\nSHA256: ${createHash("sha256").update(bytes).digest("hex")}\nDescription: test\n`;
        });
        const index = Buffer.from(`${stanzas.join("\n")}\n`);
        fs.writeFileSync(path.join(repo, "Packages"), index);
        fs.writeFileSync(path.join(repo, "Release"),
            `Origin: test\nLabel: test\nSuite: ./\nDate: ${new Date().toUTCString()}\nSHA256:\n ${createHash("sha256").update(index).digest("hex")} ${index.length} Packages\n`);
        return repo;
    }

    /** A source list file in sources.list.d. */
    source(file: string, line: string): string {
        const full = path.join(this.parts, file);
        fs.writeFileSync(full, `${line}\n`);
        return full;
    }

    /** The shipped task's body as the wrapper runs it, its absolute install paths moved under the scratch directory. */
    body(id: string): string {
        const task = prepareTasks(this.tasks.tasks, this.tasks.variables, { PASSWORD: "/capblocks/pw" }).find((t) => t.id === id);
        if (!task) throw new Error(`no shipped task ${id}`);
        return renderTaskBody(task, undefined)
            .replaceAll("/usr/local/sbin", path.join(this.dir, "sbin"))
            .replaceAll("/etc/systemd/system", path.join(this.dir, "systemd"))
            .replaceAll("/etc/nginx", path.join(this.dir, "nginx"))
            .replaceAll("/etc/capblocks", path.join(this.dir, "capblocks"))
            .replaceAll("/etc/default", path.join(this.dir, "default"));
    }

    /** Runs a shipped task with `sh -e` (dash), as the wrapper does; installs capblocks-apt first when asked. */
    run(id: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
        return this.sh(this.body(id), env);
    }

    sh(script: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
        return spawnSync("/bin/sh", ["-e", "-c", script], {
            cwd: this.dir,
            env: { PATH: `${this.bin}:${path.join(this.dir, "sbin")}:/usr/sbin:/usr/bin:/sbin:/bin`, APT_CONFIG: path.join(this.dir, "apt.conf"), ...env },
            encoding: "utf8",
            timeout: 60_000,
        });
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
