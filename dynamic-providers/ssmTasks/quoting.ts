/**
 * Where sh leaves text as it is. A secret placeholder becomes a shell expansion (see ./template.ts), so inside
 * single quotes or a quoted here-document (`<<'X'`, `<<"X"`, `<<\X`) the task would get the literal text
 * `${CAPBLOCKS_SECRET_…}`. This is a small POSIX sh lexer: quotes, backslashes, `$( )` and backticks, comments and
 * here-documents; enough to find those regions, not a parser.
 */

/** A stretch of a script that sh does not expand: [start, end) offsets and how it is quoted. */
export interface LiteralRegion {
    start: number;
    end: number;
    /** "single quotes", or the here-document operator as written, e.g. "<<'CONF'". */
    quoting: string;
}

interface HereDoc {
    delimiter: string;
    operator: string;
    quoted: boolean;
    stripTabs: boolean;
}

const WORD_END = /[\s;&|<>()]/;

/** The regions of `script` where sh expands nothing, in order. */
export function literalRegions(script: string): LiteralRegion[] {
    const regions: LiteralRegion[] = [];
    // Open contexts: '"' double quotes, '`' backticks, or '(' for $( ) with its count of inner parentheses.
    const stack: { kind: '"' | "`" | "("; depth: number }[] = [];
    let pending: HereDoc[] = [];
    let i = 0;
    const top = () => stack[stack.length - 1];

    function readHereDocBodies(): void {
        for (const doc of pending) {
            const start = i;
            for (;;) {
                const eol = script.indexOf("\n", i);
                const line = script.slice(i, eol < 0 ? script.length : eol);
                const end = i;
                i = eol < 0 ? script.length : eol + 1;
                if ((doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delimiter || eol < 0) {
                    if (doc.quoted && end > start) regions.push({ start, end, quoting: doc.operator });
                    break;
                }
            }
        }
        pending = [];
    }

    function readHereDocOperator(): void {
        const opStart = i;
        i += 2;
        const stripTabs = script[i] === "-";
        if (stripTabs) i++;
        while (script[i] === " " || script[i] === "\t") i++;
        let word = "";
        while (i < script.length && !WORD_END.test(script[i])) {
            const quote = script[i];
            if (quote === "'" || quote === '"') {
                const close = script.indexOf(quote, i + 1);
                const stop = close < 0 ? script.length : close;
                word += quote + script.slice(i + 1, stop) + quote;
                i = stop + 1;
            } else {
                word += script[i] === "\\" ? script.slice(i, i + 2) : script[i];
                i += script[i] === "\\" ? 2 : 1;
            }
        }
        pending.push({
            delimiter: word.replace(/['"\\]/g, ""),
            operator: script.slice(opStart, i),
            quoted: /['"\\]/.test(word),
            stripTabs,
        });
    }

    while (i < script.length) {
        const c = script[i];
        const context = top()?.kind;
        if (c === "\\") {
            i += 2;
        } else if (context === '"') {
            if (c === '"') stack.pop();
            else if (c === "`") stack.push({ kind: "`", depth: 0 });
            else if (script.startsWith("$(", i)) {
                stack.push({ kind: "(", depth: 0 });
                i++;
            }
            i++;
        } else if (c === "'") {
            const close = script.indexOf("'", i + 1);
            const end = close < 0 ? script.length : close;
            regions.push({ start: i + 1, end, quoting: "single quotes" });
            i = end + 1;
        } else if (c === '"') {
            stack.push({ kind: '"', depth: 0 });
            i++;
        } else if (c === "`") {
            if (context === "`") stack.pop();
            else stack.push({ kind: "`", depth: 0 });
            i++;
        } else if (script.startsWith("$(", i)) {
            stack.push({ kind: "(", depth: 0 });
            i += 2;
        } else if (c === "(" || c === ")") {
            const frame = top();
            if (frame?.kind === "(") {
                if (c === "(") frame.depth++;
                else if (frame.depth > 0) frame.depth--;
                else stack.pop();
            }
            i++;
        } else if (c === "#" && (i === 0 || /[\s;&|()]/.test(script[i - 1]))) {
            const eol = script.indexOf("\n", i);
            i = eol < 0 ? script.length : eol;
        } else if (script.startsWith("<<", i)) {
            readHereDocOperator();
        } else if (c === "\n" && pending.length > 0) {
            i++;
            readHereDocBodies();
        } else {
            i++;
        }
    }
    return regions;
}
