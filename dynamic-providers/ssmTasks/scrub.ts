/**
 * Secret values are only ever known on the instance (the provider never fetches them), so scrubbing
 * happens there: this awk program replaces every line of every CB_SCRUB_* environment value (lines of
 * 4+ characters, so multi-line secrets are caught too) with "***", and the forms tools print a value in when
 * they quote or escape it: `bash -x` and `set -x` ('\'' for a quote), JSON (\" \\ \t, and \/), shell double
 * quotes and `printf %q` (backslashes), and bash's $'…' for a value with a tab. Longest first, so a form is masked before a part of it could be.
 * index()/substr() rather than gsub() so that regex characters in a password are taken literally. POSIX awk
 * (mawk on Ubuntu).
 */
export const SCRUB_AWK = [
    "function cut(s, v,   out, i) { out = \"\"; while ((i = index(s, v)) > 0) { out = out substr(s, 1, i - 1) \"***\"; s = substr(s, i + length(v)) } return out s }",
    "function bs(s, set,   out, i, c) { out = \"\"; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); out = out (index(set, c) ? \"\\\\\" c : c) } return out }",
    "function rq(s,   out, i, c) { out = \"\"; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); out = out (c == \"'\" ? \"'\\\\''\" : c) } return out }",
    "function js(s,   out, i, c) { out = \"\"; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); out = out (c == \"\\\\\" || c == \"\\\"\" ? \"\\\\\" c : c == \"\\t\" ? \"\\\\t\" : c) } return out }",
    "function ac(s,   out, i, c) { out = \"\"; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); out = out (c == \"\\\\\" || c == \"'\" ? \"\\\\\" c : c == \"\\t\" ? \"\\\\t\" : c) } return out }",
    "function add(s,   j) { if (length(s) < 4) return; for (j = 1; j <= n; j++) if (v[j] == s) return; v[++n] = s }",
    "BEGIN { n = 0; for (k in ENVIRON) if (k ~ /^CB_SCRUB_/) { c = split(ENVIRON[k], p, \"\\n\"); for (j = 1; j <= c; j++) { s = p[j]; " +
        "add(s); add(rq(s)); add(js(s)); add(bs(js(s), \"/\")); add(ac(s)); add(bs(s, \"\\\\\\\"$`\")); add(bs(s, \" \\\"$`\\\\'!&;()<>|*?[]{},^\")) } }",
    "  for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (length(v[b]) > length(v[a])) { t = v[a]; v[a] = v[b]; v[b] = t } }",
    "{ line = $0; for (j = 1; j <= n; j++) line = cut(line, v[j]); print line }",
].join("\n");

/**
 * Shell lines defining cb_scrub_log: rewrites $CB_LOG with the given shell variables' values masked.
 * The task body installs it as its EXIT trap, so the log on disk, and the tail printed from it, hold no secret.
 */
export function renderScrubLog(shellVariables: string[]): string {
    const env = shellVariables.map((v, i) => `CB_SCRUB_${i + 1}="\${${v}:-}"`).join(" ");
    return [
        "cb_scrub_log() {",
        "  cb_status=$?",
        "  trap - EXIT",
        `  if [ -n "\${CB_LOG:-}" ] && [ -f "$CB_LOG" ]; then`,
        `    ${env} awk '${SCRUB_AWK.replace(/'/g, "'\\''")}' "$CB_LOG" > "$CB_LOG.scrub" && mv -f "$CB_LOG.scrub" "$CB_LOG"`,
        `    echo scrubbed > "$CB_LOG.clean"`,
        "  fi",
        '  exit "$cb_status"',
        "}",
        "trap cb_scrub_log EXIT",
        "trap 'exit 143' TERM INT HUP",
    ].join("\n");
}
