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
 * Task output goes to "<id>.log" on the instance; stdout carries one status line per task (a task that ran also
 * says for how many seconds), and on
 * failure stderr carries the scrubbed tail of that log, or the reason the task did not start: SSM keeps
 * only 24,000 chars of stdout and 8,000 of stderr (GetCommandInvocation StandardOutputContent/StandardErrorContent).
 *
 * When SSM ends a command (executionTimeout, CancelCommand) the agent SIGKILLs the command's process group, and
 * with it the lock. The task body runs in a process group of its own (`timeout` makes one, so the task's own
 * timeout stops all of it), which that kill misses: a watchdog in a session of its own stops that group as
 * soon as the wrapper is gone, and "<id>.pid" records the group until the task ends, so a later run waits,
 * under the lock, while an interrupted one is still alive. A task never runs twice at once.
 */

export const DEFAULT_MARKER_DIR = "/var/lib/capblocks/tasks";
/** SendCommand: document + parameters ≤ 64 KB; AWS-RunShellScript itself takes a little of that. */
const MAX_SCRIPT_BYTES = 60_000;
const TAIL_LINES = 40;
const TAIL_LINE_CHARS = 180;
/** Exit code of a task whose secret could not be fetched with the instance role. */
const SECRET_FETCH_EXIT_CODE = 90;
/** AWS-RunShellScript: a script that exits 194 makes the agent reboot the instance and run the script again. */
export const REBOOT_EXIT_CODE = 194;
/** A task asking for a reboot more often in a row is failed instead: it would reboot the instance forever. */
export const MAX_REBOOTS_IN_A_ROW = 3;
// Exit codes between the wrapper's parts: the task failed (print its log tail), the wrapper failed (its reason
// is printed), the lock wait timed out (flock -E).
const TASK_FAILED = 96;
const WRAPPER_FAILED = 97;
const LOCK_TIMED_OUT = 98;

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
 * Reads the task's process group on its first line, then "rc <code>" when the task ended, and exits with that
 * code. End of input without it means the wrapper was killed: then it stops the task's process group (TERM,
 * then KILL after 10 s, as `timeout -k 10` does). Event-driven, so nothing polls while a task runs.
 */
const WATCHDOG = [
    "read -r pg || exit 1",
    'if read -r rc; then exit "${rc#rc }"; fi',
    'kill -TERM "-$pg" 2>/dev/null',
    'i=0; while [ "$i" -lt 10 ] && kill -0 "-$pg" 2>/dev/null; do sleep 1; i=$((i + 1)); done',
    'kill -KILL "-$pg" 2>/dev/null; exit 137',
].join("\n");

/**
 * Runs one task while holding its lock and prints its status line. Exits 0 (ran or skipped), 194 (it asked for
 * a reboot; not marked), TASK_FAILED or WRAPPER_FAILED. The task body arrives on stdin and is written under the
 * lock. Few processes: every one spawned per task costs wall time on a busy fleet.
 */
const LOCKED_RUNNER = [
    'd=$1; id=$2; want=$3; limit=$4; index=$5; have=""; boot=""',
    `cb_fail() { echo "cbt $index $1 0 $id"; echo "capblocks: task $id $2" >&2; exit ${WRAPPER_FAILED}; }`,
    'if [ -f "$d/$id.hash" ]; then read -r have < "$d/$id.hash" || :; fi',
    'if [ "$have" = "$want" ]; then echo "cbt $index skipped 0 $id"; exit 0; fi',
    // A process group outlives a reboot only as a number: the boot id tells a live one from a reused one.
    "read -r boot 2>/dev/null < /proc/sys/kernel/random/boot_id || :",
    // Alive, and not only zombies (an orphan waits for init to reap it).
    'cb_alive() { kill -0 "-$1" 2>/dev/null || return 1; command -v ps >/dev/null 2>&1 || return 0; ' +
        'ps -A -o pgid= -o stat= 2>/dev/null | awk -v g="$1" "\\$1 == g && \\$2 !~ /^Z/ { f = 1 } END { exit !(f || NR == 0) }"; }',
    // An earlier run SSM stopped may still be ending (its watchdog allows 10 s), or outlive its watchdog: wait while
    // its group lives, up to the task's own timeout and then some, before touching its files.
    'if [ -f "$d/$id.pid" ]; then',
    '  pg=""; pboot=""; read -r pg pboot < "$d/$id.pid" || :',
    '  case $pg in ""|*[!0-9]*|0|1) pg="" ;; esac',
    '  waited=0',
    '  while [ -n "$pg" ] && [ "$pboot" = "$boot" ] && cb_alive "$pg"; do',
    '    [ "$waited" -lt "$((limit + 15))" ] || cb_fail busy "did not start: an earlier run of it that SSM stopped (process group $pg) ' +
        'is still running after $waited s; it ends at its own timeoutSeconds, or stop it with: sudo kill -KILL -$pg"',
    "    sleep 1; waited=$((waited + 1))",
    "  done",
    "fi",
    'write_failed="failed (is $d full or read-only?)"',
    '[ ! -f "$d/$id.hash" ] || : > "$d/$id.hash" || cb_fail nostart "did not start: clearing its marker $d/$id.hash $write_failed"',
    'cat > "$d/$id.sh" || cb_fail nostart "did not start: writing $d/$id.sh $write_failed"',
    '{ : > "$d/$id.log.clean" && : > "$d/$id.log"; } || cb_fail nostart "did not start: writing $d/$id.log $write_failed"',
    // Seconds since boot, from a file: how long the task ran, without a process per task.
    't0=""; read -r t0 rest 2>/dev/null < /proc/uptime || :',
    '{ CB_LOG="$d/$id.log" timeout -k 10 "$limit" sh -e "$d/$id.sh" >> "$d/$id.log" 2>&1 < /dev/null &',
    '  echo "$! $boot" > "$d/$id.pid"; echo "$!"; wait "$!"; echo "rc $?"; } | setsid sh -c "$6" capblocks-watchdog > /dev/null 2>&1',
    "rc=$?",
    'rm -f "$d/$id.pid"',
    'if [ "$rc" -eq 0 ]; then',
    '  printf "%s\\n" "$want" > "$d/$id.hash" || cb_fail unmarked "ran, but writing its marker $d/$id.hash $write_failed; it runs again next time"',
    '  t1=""; read -r t1 rest 2>/dev/null < /proc/uptime || :; secs=""',
    '  if [ -n "$t0" ] && [ -n "$t1" ]; then secs=" $((${t1%%.*} - ${t0%%.*}))"; fi',
    '  rm -f "$d/$id.reboots"; echo "cbt $index ran 0 $id$secs"; exit 0',
    "fi",
    `if [ "$rc" -eq ${REBOOT_EXIT_CODE} ]; then`,
    '  rh=""; n=0; if [ -f "$d/$id.reboots" ]; then read -r rh n < "$d/$id.reboots" || :; fi',
    '  [ "$rh" = "$want" ] || n=0',
    `  if [ "$n" -lt ${MAX_REBOOTS_IN_A_ROW} ] 2>/dev/null; then`,
    `    echo "$want $((n + 1))" > "$d/$id.reboots"; echo "cbt $index reboot ${REBOOT_EXIT_CODE} $id"; exit ${REBOOT_EXIT_CODE}`,
    "  fi",
    "  status=reboots",
    'elif [ "$rc" -eq 124 ]; then status=timedout; else status=failed; fi',
    'rm -f "$d/$id.reboots"',
    `echo "cbt $index $status $rc $id"; exit ${TASK_FAILED}`,
].join("\n");

const RUN_PRELUDE = [
    // The agent's PATH can lack these; the AWS CLI (secrets) lives in one of them on Ubuntu.
    'PATH="$PATH:/usr/local/bin:/snap/bin"; export PATH',
    "cb_stop() { echo 'cbt-end failed'; exit 1; }",
    `CB_LOCKED='${LOCKED_RUNNER}'`,
    `CB_WATCH='${WATCHDOG}'`,
    // cb_run INDEX ID HASH TIMEOUT HAS_SECRETS, task body on stdin. flock -o: processes a task leaves
    // running in the background must not keep holding its lock.
    "cb_run() {",
    `  flock -E ${LOCK_TIMED_OUT} -o -w "$4" "$CB_DIR/$2.lock" sh -c "$CB_LOCKED" capblocks "$CB_DIR" "$2" "$3" "$4" "$1" "$CB_WATCH"`,
    "  cb_rc=$?",
    '  [ "$cb_rc" -ne 0 ] || return 0',
    // The reboot code must be the script's own exit code for the agent to reboot; it runs the script again after.
    `  [ "$cb_rc" -ne ${REBOOT_EXIT_CODE} ] || exit ${REBOOT_EXIT_CODE}`,
    `  [ "$cb_rc" -ne ${WRAPPER_FAILED} ] || return 1`,
    `  if [ "$cb_rc" -eq ${LOCK_TIMED_OUT} ]; then`,
    '    echo "cbt $1 locked $cb_rc $2"',
    '    echo "capblocks: task $2 did not start: another command held its lock $CB_DIR/$2.lock for its whole timeoutSeconds ($4 s) and may still be running it" >&2',
    `  elif [ "$cb_rc" -ne ${TASK_FAILED} ]; then`,
    '    echo "cbt $1 wrapper $cb_rc $2"',
    '    echo "capblocks: task $2: taking its lock $CB_DIR/$2.lock or running its wrapper failed (exit $cb_rc)" >&2',
    '  elif [ "$5" = 0 ] || [ -s "$CB_DIR/$2.log.clean" ]; then',
    `    tail -n ${TAIL_LINES} "$CB_DIR/$2.log" 2>/dev/null | cut -c1-${TAIL_LINE_CHARS} >&2`,
    "  else",
    '    echo "capblocks: output not shown: the task was killed before its secrets could be scrubbed; see $CB_DIR/$2.log on the instance" >&2',
    "  fi",
    "  return 1",
    "}",
].join("\n");

/** Creates the marker directory, or fails the run blaming its first task. */
function markerDirSetup(markerDir: string, firstTaskId: string): string {
    return [
        `CB_DIR=${shellQuote(markerDir)}`,
        `[ -d "$CB_DIR" ] || (umask 077 && mkdir -p "$CB_DIR") || { echo ${shellQuote(`cbt 0 nostart 1 ${firstTaskId}`)}; echo 'cbt-end failed'; ` +
            `echo "capblocks: task ${firstTaskId} did not start: cannot create $CB_DIR" >&2; exit 1; }`,
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
    const parts = [`# capblocks SsmTasks: ${tasks.map((t) => t.id).join(" ")}`, markerDirSetup(markerDir, tasks[0].id), RUN_PRELUDE];
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
