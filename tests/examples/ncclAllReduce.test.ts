/**
 * examples/nccl-all-reduce.sbatch, run by bash as Slurm would run it on the first node, with the cluster's
 * commands stubbed: it builds nccl-tests once, and starts one rank per GPU on every node with EFA selected.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.join(__dirname, "..", "..", "examples", "nccl-all-reduce.sbatch");

describe("the NCCL all-reduce job", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-nccl-"));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        const log = (name: string) => `{ echo "${name}"; for a in "$@"; do echo "  $a"; done; } >> "${dir}/calls"`;
        stub("nvidia-smi", "printf 'GPU 0\\nGPU 1\\nGPU 2\\nGPU 3\\nGPU 4\\nGPU 5\\nGPU 6\\nGPU 7\\n'");
        stub("srun", log("srun"));
        stub("git", `${log("git")}; mkdir -p "$5"`);
        stub("make", `${log("make")}; mkdir -p "$2/build" && touch "$2/build/all_reduce_perf" && chmod +x "$2/build/all_reduce_perf"`);
        fs.mkdirSync(path.join(dir, "openmpi", "bin"), { recursive: true });
        fs.writeFileSync(path.join(dir, "openmpi", "bin", "mpirun"), `#!/bin/sh\n${log("mpirun")}\necho "FI_PROVIDER=$FI_PROVIDER" >> "${dir}/calls"\n`, { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = () =>
        execFileSync("bash", [SCRIPT], {
            env: { PATH: `${dir}/bin:/usr/bin:/bin`, HOME: dir, SLURM_JOB_NUM_NODES: "2", MPI_HOME: `${dir}/openmpi` },
            encoding: "utf8",
        });
    const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8");

    it("builds nccl-tests into the home once, then runs 8 ranks on each of 2 nodes over EFA", () => {
        run();
        run();
        const log = calls();
        expect(log.match(/^git$/gm)).to.have.length(1);
        expect(log).to.contain(`make\n  -C\n  ${dir}/nccl-tests\n`);
        expect(log.match(/^mpirun$/gm)).to.have.length(2);
        expect(log).to.contain("mpirun\n  -n\n  16\n  -N\n  8\n");
        expect(log).to.contain(`  ${dir}/nccl-tests/build/all_reduce_perf\n  -b\n  8\n  -e\n  16G\n`);
        expect(log).to.contain("FI_PROVIDER=efa");
        expect(log).to.contain("srun\n  --ntasks-per-node=1\n");
    });
});
