// The repository stands alone: nothing refers to files outside it, every imported package is declared, and every
// cited docs/aws-notes.md section exists. These read the files git knows about; no build, no network.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const THIS_FILE = path.relative(ROOT, __filename).split(path.sep).join("/");
const NOTES = "docs/aws-notes.md";

/** Files git tracks, plus new ones it does not ignore, so a file fails here before it is committed. */
function repositoryFiles(): string[] {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT });
    const names = out.toString("utf8").split("\0").filter((name) => name && fs.existsSync(path.join(ROOT, name)));
    return [...new Set(names)].sort();
}

interface TextFile {
    name: string;
    text: string;
}

function textFiles(): TextFile[] {
    return repositoryFiles()
        .map((name) => ({ name, bytes: fs.readFileSync(path.join(ROOT, name)) }))
        .filter(({ bytes }) => !bytes.includes(0))
        .map(({ name, bytes }) => ({ name, text: bytes.toString("utf8") }));
}

function lineOf(text: string, index: number): number {
    return text.slice(0, index).split("\n").length;
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Top-level system folders are shared by every machine; a repo under /home/me still flags /home/me/….
const SYSTEM_DIRS = new Set(["/home", "/Users", "/usr", "/var", "/opt", "/srv", "/mnt", "/tmp", "/etc"]);

/** Folders of this machine the repository lives in (its ancestors) and the user's home. */
function machineFolders(): { folder: string; anyChild: boolean }[] {
    const folders: { folder: string; anyChild: boolean }[] = [];
    for (let dir = path.dirname(ROOT); dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (!SYSTEM_DIRS.has(dir)) folders.push({ folder: dir, anyChild: false });
    }
    const home = os.homedir();
    if (home && home !== "/" && !folders.some((f) => f.folder === home)) folders.push({ folder: home, anyChild: true });
    return folders;
}

const MACHINE_FOLDERS = machineFolders();

/** Where a file names a folder of this machine outside the repository, e.g. a sibling checkout or shared notes. */
function machinePathProblems(file: TextFile): string[] {
    const problems: string[] = [];
    for (const { folder, anyChild } of MACHINE_FOLDERS) {
        const pattern = new RegExp(`(?<![\\w.:/-])${escapeRegExp(folder)}/([^\\s/"'\`)\\]]+)`, "g");
        for (const m of file.text.matchAll(pattern)) {
            // An instance path that merely shares a prefix (e.g. /work/dev under homeDir /work) is not this machine's.
            if (anyChild || fs.existsSync(path.join(folder, m[1]))) {
                problems.push(`${file.name}:${lineOf(file.text, m.index ?? 0)}: ${m[0]}`);
            }
        }
    }
    return problems;
}

/** Relative paths that leave the repository, or that name a file (by extension) the repository does not have. */
function relativePathProblems(file: TextFile): string[] {
    const problems: string[] = [];
    const dir = path.dirname(path.join(ROOT, file.name));
    for (const m of file.text.matchAll(/(?<![\w./-])((?:\.\.\/)+[\w.@-]+(?:\/[\w.@-]+)*)/g)) {
        const reference = m[1].replace(/\.+$/, ""); // a sentence's full stop is not part of the path
        const target = path.resolve(dir, reference);
        const outside = path.relative(ROOT, target).startsWith("..");
        const namesMissingFile = /\.(md|ts|js|json|ya?ml|sh)$/.test(reference) && !fs.existsSync(target);
        if (outside || namesMissingFile) problems.push(`${file.name}:${lineOf(file.text, m.index ?? 0)}: ${reference}`);
    }
    return problems;
}

/** The package a module specifier loads, or undefined for a relative or absolute path. */
function packageOf(specifier: string): string | undefined {
    if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function isBuiltin(specifier: string): boolean {
    return specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]);
}

/** Module specifiers a file loads: imports, re-exports, require(), import(), and `node --require` arguments. */
function specifiersOf(file: TextFile): string[] {
    const found = ts.preProcessFile(file.text, true, true).importedFiles.map((f) => f.fileName);
    for (const m of file.text.matchAll(/["'](?:-r|--require)["']\s*,\s*["']([^"']+)["']/g)) found.push(m[1]);
    for (const m of file.text.matchAll(/["'`][^"'`\n]*?--require[ =]([@\w][\w@./-]*)/g)) found.push(m[1]);
    return found;
}

/** The @types package a JavaScript-only package needs for TypeScript, if one is installed. */
function typesPackageFor(name: string): string | undefined {
    const dir = path.join(ROOT, "node_modules", name);
    const manifestPath = path.join(dir, "package.json");
    if (!fs.existsSync(manifestPath)) return undefined;
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { types?: string; typings?: string };
    if (manifest.types || manifest.typings || fs.existsSync(path.join(dir, "index.d.ts"))) return undefined;
    const typesName = "@types/" + (name.startsWith("@") ? name.slice(1).replace("/", "__") : name);
    return fs.existsSync(path.join(ROOT, "node_modules", typesName)) ? typesName : undefined;
}

/** What is wrong with one file's imports, given the packages it may load and all the declared ones. */
function importProblems(file: TextFile, allowed: Set<string>, allowedIn: string, declared: Set<string>): string[] {
    const problems: string[] = [];
    for (const specifier of new Set(specifiersOf(file))) {
        const builtin = isBuiltin(specifier);
        const name = builtin ? undefined : packageOf(specifier);
        // Node's built-ins need only their types, which come from @types/node.
        const types = builtin ? "@types/node" : name && typesPackageFor(name);
        if (name && !allowed.has(name)) problems.push(`${file.name}: ${specifier} (${name} is not in ${allowedIn})`);
        if (types && file.name.endsWith(".ts") && !declared.has(types)) problems.push(`${file.name}: ${specifier} needs ${types}`);
    }
    return problems;
}

/** The program and what it loads at run time; everything else (tests, bench, configs) may use devDependencies. */
const PRODUCT = /^(index\.ts$|components\/|dynamic-providers\/|tasks\/|scripts\/)/;

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
    for (const m of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
        const base = m[1]
            .replace(/`/g, "")
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/\s/g, "-");
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
    return anchors;
}

describe("the repository stands alone", function () {
    const files = textFiles();

    it("sees the files git knows about", () => {
        const names = files.map((f) => f.name);
        expect(names).to.include.members(["package.json", "index.ts", NOTES, THIS_FILE]);
    });

    it("names no notes, checkout or folder outside the repository", () => {
        const problems: string[] = [];
        for (const file of files) {
            // This file spells out the name it forbids.
            const named = file.name === THIS_FILE ? [] : [...file.text.matchAll(/AWS-FACTS/g)];
            for (const m of named) problems.push(`${file.name}:${lineOf(file.text, m.index ?? 0)}: AWS-FACTS`);
            problems.push(...relativePathProblems(file), ...machinePathProblems(file));
        }
        expect(problems).to.deep.equal([]);
    });

    it("declares every package it imports: the program's in dependencies, tests' and tools' in either list", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
            dependencies?: Record<string, string>;
            devDependencies?: Record<string, string>;
        };
        const runtime = new Set(Object.keys(manifest.dependencies ?? {}));
        const declared = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {})]);
        const code = files.filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f.name));
        expect(code.length).to.be.above(50);
        const problems = code.flatMap((file) =>
            PRODUCT.test(file.name)
                ? importProblems(file, runtime, "dependencies", declared)
                : importProblems(file, declared, "package.json", declared),
        );
        expect(problems).to.deep.equal([]);
    });

    it("claims no Node version in package.json engines that a locked package refuses", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines?: { node?: string } };
        const claimed = manifest.engines?.node ?? "";
        expect(claimed, "engines.node").to.match(/\d/);
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
            packages: Record<string, { optional?: boolean; engines?: unknown }>;
        };
        const refusing = Object.entries(lock.packages)
            .filter(([name, entry]) => name !== "" && !entry.optional)
            .map(([name, entry]) => [name, (entry.engines as { node?: unknown } | undefined)?.node] as const)
            .filter((pair): pair is readonly [string, string] => typeof pair[1] === "string")
            .filter(([, range]) => !semver.subset(claimed, range))
            .map(([name, range]) => `${name.replace(/^node_modules\//, "")} needs node ${range}`);
        expect(refusing).to.deep.equal([]);
    });

    it(`cites only sections ${NOTES} has`, () => {
        const notes = files.find((f) => f.name === NOTES);
        expect(notes, NOTES).to.not.equal(undefined);
        const anchors = headingAnchors(notes?.text ?? "");
        expect([...anchors]).to.include.members(["capacity-blocks", "ssm-run-command", "aws-pcs", "pulumi-dynamic-providers"]);
        const problems: string[] = [];
        for (const file of files) {
            for (const m of file.text.matchAll(/aws-notes\.md#([\w-]+)/g)) {
                if (!anchors.has(m[1])) problems.push(`${file.name}:${lineOf(file.text, m.index ?? 0)}: #${m[1]}`);
            }
        }
        for (const m of (notes?.text ?? "").matchAll(/\]\(#([\w-]+)\)/g)) {
            if (!anchors.has(m[1])) problems.push(`${NOTES}:${lineOf(notes?.text ?? "", m.index ?? 0)}: #${m[1]}`);
        }
        expect(problems).to.deep.equal([]);
    });
});
