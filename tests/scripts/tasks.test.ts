import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SetupTasksSummary } from "../../components/codeServer/setupTasksSummary";
import { main } from "../../scripts/tasks";
import { formatSetupTasks, summaryFrom } from "../../scripts/tasksTable";

const FIXTURE = path.join(__dirname, "fixtures", "stack-outputs.json");

function sink(): { text: string; write(chunk: string): void } {
    return { text: "", write(chunk: string) { this.text += chunk; } };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
    const out = sink();
    const err = sink();
    const code = await main(argv, out, err, env);
    return { code, out: out.text, err: err.text };
}

describe("npm run tasks: the setup tasks of a deployed stack", () => {
    it("prints each task with its state on the instance, its last run and command id, then what to do", async () => {
        const { code, out, err } = await run(["--from", FIXTURE]);
        expect(err).to.equal("");
        expect(code).to.equal(0);
        expect(out.split("\n")).to.deep.equal([
            `${FIXTURE}: 2 of 4 setup tasks done on i-0c0de5e4e0000a001`,
            "",
            "task               name                            i-0c0de5e4e0000a001  last run              command id",
            "mount-work-volume  Mount the work volume at /work  done                 2026-11-24 10:01:12Z  0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            "base-packages      Base packages                   done                 2026-11-24 10:01:12Z  0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            "extensions         Extensions for coder            failed               2026-11-24 10:07:40Z  0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            "verify             Verify code-server              pending              -                     -",
            "",
            "Failed: extensions. Its log on the instance: run the sessionCommand output, then sudo less /var/lib/capblocks/tasks/extensions.log; " +
                "fix the cause and run `pulumi up`: it resumes at extensions.",
            "Pending: verify: the next `pulumi up` runs it.",
            "To run finished tasks again: pulumi config set --path 'capblocks:codeServer.rerun.tasks[0]' <task id> (or all), " +
                "bump capblocks:codeServer.rerun.id, then pulumi up.",
            "",
        ]);
    });

    it("many instances share one column naming only where a task is not done", () => {
        const ids = ["i-1", "i-2", "i-3", "i-4"];
        const summary: SetupTasksSummary = {
            setup: "on",
            instances: ids,
            runs: [{ commandId: "c1,c2", finishedAt: "2026-11-24T10:00:00.000Z" }],
            tasks: [
                { id: "a", name: "A", status: "success", run: 0 },
                { id: "b", name: "B", status: "failed", instances: { "i-2": "failed", "i-4": "pending" } },
            ],
        };
        const lines = formatSetupTasks(summary, "stack fleet").split("\n");
        expect(lines[0]).to.equal("stack fleet: 1 of 2 setup tasks done on all 4 instances");
        expect(lines[2]).to.equal("task  name  4 instances                          last run              command id");
        expect(lines[3]).to.equal("a     A     done 4/4                             2026-11-24 10:00:00Z  c1,c2");
        expect(lines[4]).to.equal("b     B     done 2/4; failed: i-2; pending: i-4  -                     -");
    });

    it("says so when setup is off or no instance runs yet", () => {
        expect(formatSetupTasks({ setup: "off", instances: [], runs: [], tasks: [] }, "stack dev")).to.equal(
            "stack dev: setup is off (capblocks:codeServer.setup: false); turn it on with pulumi config set --path capblocks:codeServer.setup true, then pulumi up.",
        );
        expect(formatSetupTasks({ setup: "no-instance", instances: [], runs: [], tasks: [] }, "stack dev")).to.match(/no instance runs yet.*nextStep/);
    });

    it("reads the setupTasks output from the stack's outputs, or the summary alone, and explains a stack without it", () => {
        const outputs = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Record<string, string>;
        const summary = summaryFrom(outputs, "x");
        expect(summaryFrom(JSON.parse(outputs.setupTasks), "x")).to.deep.equal(summary);
        expect(() => summaryFrom({ blockState: "active" }, "stack old")).to.throw("tasks: stack old has no setupTasks output: code-server is disabled in this stack");
        expect(() => summaryFrom({ setupTasks: "{" }, "stack dev")).to.throw("the setupTasks output of stack dev is not what capblocks writes");
    });

    describe("with the Pulumi CLI", () => {
        let bin: string;
        beforeEach(() => {
            bin = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-tasks-cli-"));
        });
        afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

        it("asks `pulumi stack output --json --stack NAME` for the outputs", async () => {
            const argsFile = path.join(bin, "args");
            fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" > '${argsFile}'\n/bin/cat '${FIXTURE}'\n`, { mode: 0o755 });
            const { code, out } = await run(["--stack", "dev"], { ...process.env, PATH: bin });
            expect(code).to.equal(0);
            expect(fs.readFileSync(argsFile, "utf8").trim()).to.equal("stack output --json --stack dev");
            expect(out.split("\n")[0]).to.equal("stack dev: 2 of 4 setup tasks done on i-0c0de5e4e0000a001");
        });

        it("says plainly when pulumi is not installed, and how to do without it", async () => {
            const { code, out, err } = await run(["--stack", "dev"], { ...process.env, PATH: bin });
            expect(code).to.equal(1);
            expect(out).to.equal("");
            expect(err).to.equal(
                "tasks: the Pulumi CLI (pulumi) is not on PATH; install it (https://www.pulumi.com/docs/install/), " +
                    "or run `pulumi stack output --json` where it is and pass that output with --from FILE\n",
            );
        });

        it("passes on what pulumi said when it fails, e.g. for a stack that does not exist", async () => {
            fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho \"error: no stack named 'nope' found\" >&2\nexit 255\n", { mode: 0o755 });
            const { code, err } = await run(["--stack", "nope"], { ...process.env, PATH: bin });
            expect(code).to.equal(1);
            expect(err).to.equal("tasks: `pulumi stack output --json --stack nope` failed: error: no stack named 'nope' found\n");
        });
    });

    it("refuses unknown arguments and --stack with --from", async () => {
        expect((await run(["--stak", "dev"])).err).to.equal("tasks: unknown argument --stak (use --stack NAME | --from FILE, and --json)\n");
        expect((await run(["--stack", "dev", "--from", FIXTURE])).err).to.equal("tasks: give --stack or --from, not both\n");
    });
});
