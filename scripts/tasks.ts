/**
 * The setup tasks of a deployed stack and where each stands on each instance, from the stack's `setupTasks` output:
 *
 *   npm run tasks -- --stack dev          # runs `pulumi stack output --json --stack dev` (needs the Pulumi CLI)
 *   npm run tasks                         # the currently selected stack
 *   npm run tasks -- --from outputs.json  # a file holding that command's output (or the setupTasks value alone)
 *   options: --json (the summary as JSON)
 *
 * Reads outputs only: no AWS call, no change to the stack.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import { formatSetupTasks, summaryFrom } from "./tasksTable";

interface TasksOptions {
    stack?: string;
    from?: string;
    json?: boolean;
}

export interface Sink {
    write(chunk: string): unknown;
}

const USAGE = "use --stack NAME | --from FILE, and --json";

function parseArgs(argv: string[]): TasksOptions {
    const o: TasksOptions = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`tasks: ${arg} needs a value (${USAGE})`);
            return v;
        };
        if (arg === "--stack") o.stack = value();
        else if (arg === "--from") o.from = value();
        else if (arg === "--json") o.json = true;
        else throw new Error(`tasks: unknown argument ${arg} (${USAGE})`);
    }
    if (o.stack && o.from) throw new Error("tasks: give --stack or --from, not both");
    return o;
}

/** `pulumi stack output --json [--stack NAME]`, parsed; a missing CLI or a failing command is said plainly. */
function stackOutputs(stack: string | undefined, env: NodeJS.ProcessEnv): Promise<unknown> {
    const args = ["stack", "output", "--json", ...(stack ? ["--stack", stack] : [])];
    const shown = `pulumi ${args.join(" ")}`;
    return new Promise((resolve, reject) => {
        execFile("pulumi", args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
                reject(new Error(
                    "tasks: the Pulumi CLI (pulumi) is not on PATH; install it (https://www.pulumi.com/docs/install/), " +
                        "or run `pulumi stack output --json` where it is and pass that output with --from FILE",
                ));
            } else if (error) {
                reject(new Error(`tasks: \`${shown}\` failed: ${(stderr || error.message).trim()}`));
            } else {
                try {
                    resolve(JSON.parse(stdout));
                } catch {
                    reject(new Error(`tasks: \`${shown}\` printed no JSON: ${stdout.slice(0, 200)}`));
                }
            }
        });
    });
}

function fileOutputs(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`tasks: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new Error(`tasks: ${file} is not JSON; give the output of \`pulumi stack output --json\``);
    }
}

/** CLI entry: 0 when the table was printed, 1 otherwise (the reason on stderr). */
export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    try {
        const o = parseArgs(argv);
        const source = o.from ?? (o.stack ? `stack ${o.stack}` : "the current stack");
        const summary = summaryFrom(o.from ? fileOutputs(o.from) : await stackOutputs(o.stack, env), source);
        out.write(`${o.json ? JSON.stringify(summary, null, 2) : formatSetupTasks(summary, source)}\n`);
        return 0;
    } catch (e) {
        err.write(`${(e as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
