/**
 * Runs a command the stack outputs the ways a user runs it, with a stub `aws` first on PATH that records the
 * arguments of each call: what the AWS CLI would receive, after the shell has done its quoting and splitting.
 *
 * - pasted: the text typed into a shell (`sh -c "$text"`);
 * - substituted: `$(pulumi stack output <name>)`, whose result the shell splits into words and nothing more
 *   (no quote removal, no `$(…)` inside), here `$(cat file)` with the output's text in the file;
 * - eval: `eval "$(pulumi stack output <name>)"`, which parses the text as if pasted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type HowRun = "pasted" | "substituted" | "eval";

export interface ShellRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** The arguments of each call to `aws`, in order. */
    calls: string[][];
}

const FIELD = "\u001f";
const RECORD = "\u001e";

/** Records its arguments; answers `ec2 describe-instances` with STUB_AWS_INSTANCE (EC2's "None" when unset). */
const STUB = `#!/bin/sh
{ for a in "$@"; do printf '%s${FIELD}' "$a"; done; printf '${RECORD}'; } >> "$STUB_AWS_LOG"
if [ "$1 $2" = "ec2 describe-instances" ]; then printf '%s\\n' "\${STUB_AWS_INSTANCE:-None}"; fi
`;

const SCRIPTS: Record<HowRun, string> = {
    pasted: 'sh -c "$(cat "$1")"',
    substituted: '$(cat "$1")',
    eval: 'eval "$(cat "$1")"',
};

/** Runs `command` as `how` says, under /bin/sh with the stub `aws`; `instanceId` is what the EC2 lookup finds. */
export function runWithStubAws(command: string, how: HowRun, instanceId?: string): ShellRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-aws-stub-"));
    try {
        const stub = path.join(dir, "aws");
        fs.writeFileSync(stub, STUB, { mode: 0o755 });
        const file = path.join(dir, "output.txt");
        // `pulumi stack output` prints the value and a newline.
        fs.writeFileSync(file, `${command}\n`);
        const log = path.join(dir, "calls.log");
        fs.writeFileSync(log, "");
        const result = spawnSync("/bin/sh", ["-c", SCRIPTS[how], "sh", file], {
            encoding: "utf8",
            env: {
                ...process.env,
                PATH: `${dir}:${process.env.PATH ?? ""}`,
                STUB_AWS_LOG: log,
                ...(instanceId === undefined ? {} : { STUB_AWS_INSTANCE: instanceId }),
            },
        });
        const calls = fs.readFileSync(log, "utf8").split(RECORD).filter(Boolean).map((call) => call.split(FIELD).slice(0, -1));
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
