import type { PreparedTask, SecretRef } from "./template";
import { arnRegion, MAX_EXECUTION_TIMEOUT_SECONDS } from "./template";
import { shellQuote } from "../shared/shell";
import { renderScrubLog } from "./scrub";

/**
 * Scripts sent with AWS-RunShellScript. The SSM agent runs them with `sh` (dash on Ubuntu), so
 * everything here is POSIX sh: no pipefail, no [[ ]], no arrays, no fd tricks (aws/amazon-ssm-agent#46).
 *
 * A run script carries several tasks. Under `flock <id>.lock` (a command re-sent after a lost answer
 * waits instead of running the task twice at once) each task is skipped when "<id>.hash" already
 * holds its hash, else its body is written to "<id>.sh", run, and marked only after it succeeds.
 * Task output goes to "<id>.log" on the instance; stdout carries one status line per task, and on
 * failure stderr carries the scrubbed tail of that log: SSM keeps only 24,000 chars of stdout and
 * 8,000 of stderr (GetCommandInvocation StandardOutputContent/StandardErrorContent).
 */

export const DEFAULT_MARKER_DIR = "/var/lib/capblocks/tasks";
/** SendCommand: document + parameters ≤ 64 KB; AWS-RunShellScript itself takes a little of that. */
const MAX_SCRIPT_BYTES = 60_000;
const TAIL_LINES = 40;
const TAIL_LINE_CHARS = 180;
/** Exit code of a task whose secret could not be fetched with the instance role. */
const SECRET_FETCH_EXIT_CODE = 90;

export function markerDirProblem(markerDir: string): string | undefined {
    return /^\/[A-Za-z0-9_.\-/]*$/.test(markerDir) && !markerDir.split("/").includes("..")
        ? undefined
        : `markerDir "${markerDir}" must be an absolute path of letters, digits, '.', '_', '-' and '/'`;
}

function secretFetch(secret: SecretRef, region: string | undefined): string {
    const where = secret.source === "secretsmanager" ? arnRegion(secret.reference) : region;
    const regionArg = where ? ` --region ${shellQuote(where)}` : "";
    const ref = shellQuote(secret.reference);
    const call =
        secret.source === "secretsmanager"
            ? `aws secretsmanager get-secret-value --secret-id ${ref} --query SecretString --output text${regionArg}`
            : `aws ssm get-parameter --name ${ref} --with-decryption --query Parameter.Value --output text${regionArg}`;
    const what = secret.source === "secretsmanager" ? "Secrets Manager secret" : "SSM parameter";
    const failure = `capblocks: could not read secret ${secret.variable} from ${what} ${secret.reference} with the instance role (check its IAM policy)`;
    return `${secret.shellVariable}=$(${call}) || { echo ${shellQuote(failure)} >&2; exit ${SECRET_FETCH_EXIT_CODE}; }`;
}

/** The file a task's commands run from: scrub trap and secret fetches first, then the commands (run with `sh -e`). */
export function renderTaskBody(task: PreparedTask, region: string | undefined): string {
    const lines = [`# capblocks task ${task.id}: ${task.name.replace(/[\r\n]+/g, " ")}`];
    if (task.secrets.length > 0) {
        lines.push(renderScrubLog(task.secrets.map((s) => s.shellVariable)));
        lines.push(...task.secrets.map((s) => secretFetch(s, region)));
    }
    lines.push(...task.commands);
    return lines.join("\n");
}

/**
 * Runs one task while holding its lock; prints its "cbt … skipped|ran" line on success, else exits
 * with the task's code. The task body arrives on stdin and is written under the lock. Only builtins
 * besides cat/timeout/sh: every process spawned per task costs wall time on a busy fleet.
 */
const LOCKED_RUNNER = [
    'd=$1; id=$2; want=$3; limit=$4; index=$5; have=""',
    'if [ -f "$d/$id.hash" ]; then read -r have < "$d/$id.hash" || :; fi',
    'if [ "$have" = "$want" ]; then echo "cbt $index skipped 0 $id"; exit 0; fi',
    '[ ! -f "$d/$id.hash" ] || : > "$d/$id.hash"',
    ': > "$d/$id.log.clean"',
    'cat > "$d/$id.sh" || exit 1',
    'CB_LOG="$d/$id.log" timeout -k 10 "$limit" sh -e "$d/$id.sh" > "$d/$id.log" 2>&1 < /dev/null',
    'rc=$?',
    '[ "$rc" -eq 0 ] || exit "$rc"',
    'printf "%s\\n" "$want" > "$d/$id.hash" || exit 1',
    'echo "cbt $index ran 0 $id"',
].join("\n");

const RUN_PRELUDE = [
    // The agent's PATH can lack these; the AWS CLI (secrets) lives in one of them on Ubuntu.
    'PATH="$PATH:/usr/local/bin:/snap/bin"; export PATH',
    "cb_stop() { echo 'cbt-end failed'; exit 1; }",
    `CB_LOCKED='${LOCKED_RUNNER}'`,
    // cb_run INDEX ID HASH TIMEOUT HAS_SECRETS, task body on stdin. flock -o: processes a task leaves
    // running in the background must not keep holding its lock.
    "cb_run() {",
    '  flock -o -w "$4" "$CB_DIR/$2.lock" sh -c "$CB_LOCKED" capblocks "$CB_DIR" "$2" "$3" "$4" "$1"',
    "  cb_rc=$?",
    '  [ "$cb_rc" -ne 0 ] || return 0',
    "  cb_state=failed",
    '  [ "$cb_rc" -ne 124 ] || cb_state=timedout',
    '  echo "cbt $1 $cb_state $cb_rc $2"',
    '  if [ "$5" = 0 ] || [ -s "$CB_DIR/$2.log.clean" ]; then',
    `    tail -n ${TAIL_LINES} "$CB_DIR/$2.log" 2>/dev/null | cut -c1-${TAIL_LINE_CHARS} >&2`,
    "  else",
    '    echo "capblocks: output not shown: the task was killed before its secrets could be scrubbed; see $CB_DIR/$2.log on the instance" >&2',
    "  fi",
    "  return 1",
    "}",
].join("\n");

function markerDirSetup(markerDir: string): string {
    return [
        `CB_DIR=${shellQuote(markerDir)}`,
        '[ -d "$CB_DIR" ] || (umask 077 && mkdir -p "$CB_DIR") || { echo \'cbt-end failed\'; echo "capblocks: cannot create $CB_DIR" >&2; exit 1; }',
    ].join("\n");
}

function hereDocDelimiter(task: PreparedTask): string {
    const delimiter = `CAPBLOCKS_TASK_${task.hash.slice(0, 16)}_EOF`;
    if (task.commands.some((c) => c.split("\n").includes(delimiter))) {
        throw new Error(`task "${task.id}" contains the line ${delimiter}, which capblocks reserves`);
    }
    return delimiter;
}

/** One script that runs the given tasks in order on an instance, stopping at the first failure. */
export function renderRunScript(tasks: PreparedTask[], markerDir: string, region: string | undefined): string {
    const parts = [`# capblocks SsmTasks: ${tasks.map((t) => t.id).join(" ")}`, markerDirSetup(markerDir), RUN_PRELUDE];
    tasks.forEach((task, index) => {
        const delimiter = hereDocDelimiter(task);
        const args = [index, shellQuote(task.id), task.hash, task.timeoutSeconds, task.secrets.length > 0 ? 1 : 0];
        parts.push(`cb_run ${args.join(" ")} <<'${delimiter}' || cb_stop`, renderTaskBody(task, region), delimiter);
    });
    parts.push("echo 'cbt-end ok'");
    return parts.join("\n") + "\n";
}

/** A script printing "cbm <digits>": 1 where the task's marker holds the given hash, else 0, in order. */
export function renderMarkerReadScript(expected: { id: string; hash: string }[], markerDir: string): string {
    return [
        `CB_DIR=${shellQuote(markerDir)}`,
        'cb_has() { cb_have=""; [ ! -f "$CB_DIR/$1.hash" ] || read -r cb_have < "$CB_DIR/$1.hash" || :; if [ "$cb_have" = "$2" ]; then printf 1; else printf 0; fi; }',
        "printf 'cbm '",
        ...expected.map((t) => `cb_has ${shellQuote(t.id)} ${t.hash}`),
        "echo",
    ].join("\n") + "\n";
}

/** SSM executionTimeout for a run: the sum of its tasks' timeouts, capped at SSM's 48 h maximum. */
export function executionTimeoutSeconds(tasks: PreparedTask[]): number {
    return Math.min(MAX_EXECUTION_TIMEOUT_SECONDS, tasks.reduce((sum, t) => sum + t.timeoutSeconds, 0));
}

function parameterBytes(script: string): number {
    return Buffer.byteLength(JSON.stringify([script]), "utf8");
}

/** Splits tasks, in order, into as few runs as fit SendCommand's size limit (normally one). */
export function splitIntoRuns(
    tasks: PreparedTask[],
    markerDir: string,
    region: string | undefined,
    maxBytes: number = MAX_SCRIPT_BYTES,
): PreparedTask[][] {
    const runs: PreparedTask[][] = [];
    let current: PreparedTask[] = [];
    for (const task of tasks) {
        if (parameterBytes(renderRunScript([task], markerDir, region)) > maxBytes) {
            throw new Error(`task "${task.id}" alone exceeds SSM's 64 KB command size; move its content into a file the task downloads`);
        }
        if (current.length > 0 && parameterBytes(renderRunScript([...current, task], markerDir, region)) > maxBytes) {
            runs.push(current);
            current = [];
        }
        current.push(task);
    }
    if (current.length > 0) runs.push(current);
    return runs;
}
