import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

/**
 * The fake's own cost: the same script run directly with /bin/sh on `instances` fresh roots at once, as the
 * SSM fake does but with no SSM in between. On 2 shared cores, 64 concurrent scripts contend for CPU
 * (every task spawns flock, sh, cat, timeout, sh, sleep, touch), which real instances do not.
 */
export async function executionFloorMs(script: string, markerDir: string, instances: number): Promise<number> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "bench-floor-"));
    try {
        const roots = Array.from({ length: instances }, (_, i) => {
            const root = path.join(base, `i${i}`);
            fs.mkdirSync(root, { recursive: true });
            const file = path.join(root, "_script.sh");
            fs.writeFileSync(file, script.split(markerDir).join(path.join(root, "markers")), { mode: 0o700 });
            return { root, file };
        });
        const start = performance.now();
        await Promise.all(roots.map(({ root, file }) => new Promise<void>((resolve, reject) => {
            const child = spawn("/bin/sh", [file], { cwd: root, env: { ...process.env, HOME: root }, stdio: "ignore" });
            child.on("error", reject);
            child.on("close", () => resolve());
        })));
        return performance.now() - start;
    } finally {
        fs.rmSync(base, { recursive: true, force: true });
    }
}
