/**
 * Pulumi.yaml as the Pulumi CLI reads it: a project file `pulumi preview` would reject stops every command before the
 * program runs, and nothing else here would notice. The CLI's checks, from pulumi/pulumi at tag v3.248.0
 * (commit a88168d865b7fd428e5a929cc54aeceaf72d203f, the release our @pulumi/pulumi is pinned to):
 * - sdk/go/common/workspace/project.json, the JSON schema the CLI validates the file against (ValidateProject),
 *   copied verbatim to tests/data/pulumi-project.schema.json;
 * - sdk/go/common/workspace/project.go Project.Validate and ValidateConfigValue: a project key's default must have
 *   its declared type, an array needs `items`, another namespace's key takes only `value`;
 * - sdk/go/common/workspace/config.go mergeConfig and validateStackConfigValue: a declared project key without a
 *   default is required on every stack, and a stack's value must have the declared type.
 */
import { expect } from "chai";
import Ajv2020 from "ajv/dist/2020";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { clusterSchema, codeServerSchema, CONFIG_KEYS, reservationSchema } from "../components/config/schema";
import projectSchema from "./data/pulumi-project.schema.json";

const ROOT = path.resolve(__dirname, "..");

interface Declaration {
    type?: string;
    items?: unknown;
    description?: string;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}

interface Project {
    name: string;
    backend?: unknown;
    config?: Record<string, Declaration>;
}

const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as Project;

function validator(): (doc: unknown) => string[] {
    // Pulumi's schema uses draft 2020-12 (its $schema); strict mode would refuse its unannotated `if`.
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(projectSchema);
    return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`));
}

/** ValidateConfigValue (project.go) for the types capblocks declares. */
function hasType(type: string | undefined, value: unknown): boolean {
    switch (type) {
        case "object":
            return typeof value === "object" && value !== null && !Array.isArray(value);
        case "string":
            return typeof value === "string";
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "integer":
            return Number.isInteger(typeof value === "string" ? Number(value) : value);
        case "array":
            return Array.isArray(value);
        default:
            return true;
    }
}

/** Project.Validate (project.go): the rules the JSON schema does not express. */
function declarationProblems(p: Project): string[] {
    return Object.entries(p.config ?? {}).flatMap(([key, d]) => {
        const ownNamespace = !key.includes(":") || key.startsWith(`${p.name}:`);
        if (!ownNamespace) return d.type || d.default !== undefined || d.value === undefined ? [`${key}: another namespace's key takes only value`] : [];
        return [
            ...(d.type === "array" && d.items === undefined ? [`${key}: an array needs items`] : []),
            ...(d.type && d.default !== undefined && !hasType(d.type, d.default) ? [`${key}: default is not of type ${d.type}`] : []),
        ];
    });
}

describe("Pulumi.yaml", () => {
    it("passes the Pulumi CLI's own project schema and rules", () => {
        expect(validator()(project)).to.deep.equal([]);
        expect(declarationProblems(project)).to.deep.equal([]);
    });

    it("would be refused by that schema if it declared a type Pulumi does not know (the check can fail)", () => {
        const bad = { ...project, config: { ...project.config, "capblocks:tags": { type: "map", default: {} } } };
        expect(validator()(bad)).to.not.deep.equal([]);
        const noItems = { ...project, config: { "capblocks:list": { type: "array", default: [] } } };
        expect(declarationProblems(noItems)).to.deep.equal(["capblocks:list: an array needs items"]);
    });

    it("declares every capblocks key as an object with a description, and none that capblocks does not read", () => {
        const declared = Object.keys(project.config ?? {});
        expect(declared).to.have.members(CONFIG_KEYS.map((k) => `capblocks:${k}`));
        for (const key of declared) {
            const d = (project.config ?? {})[key];
            expect(d.type, key).to.equal("object");
            expect(d.description, key).to.be.a("string").and.have.length.above(40);
            // Without a default Pulumi would demand the key on every stack (config.go mergeConfig: "missing
            // configuration value"); capblocks reads the empty object as not set.
            expect(d.default, key).to.deep.equal({});
        }
    });

    it("names every setting of each object in its description, as `pulumi config` shows it", () => {
        const schemas = { "capblocks:reservation": reservationSchema, "capblocks:codeServer": codeServerSchema, "capblocks:cluster": clusterSchema };
        for (const [key, schema] of Object.entries(schemas)) {
            const description = (project.config ?? {})[key].description ?? "";
            const properties = schema.properties as Record<string, { retired?: boolean }>;
            for (const name of Object.keys(properties).filter((k) => !properties[k].retired)) {
                expect(description, `${key}.${name}`).to.match(new RegExp(`\\b${name}\\b`));
            }
        }
    });

    it("pins no backend, so `pulumi login` (local, S3 or Pulumi Cloud) decides where the state lives", () => {
        expect(project).to.not.have.property("backend");
    });

    it("fits every example stack: each declared key is an object there, as Pulumi checks before the program runs", () => {
        const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        expect(stacks.length).to.be.above(3);
        for (const file of stacks) {
            const config = ((parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config?: Record<string, unknown> }).config) ?? {};
            for (const [key, d] of Object.entries(project.config ?? {})) {
                if (key in config) expect(hasType(d.type, config[key]), `${file} ${key}`).to.equal(true);
            }
        }
    });

    it("leaves the offline plan independent of the backend: it plans with no login and an unreachable backend", function () {
        this.timeout(120_000);
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-no-login-"));
        try {
            const run = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/plan.ts", "--stack", "dev", "--json"], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, PULUMI_HOME: home, PULUMI_BACKEND_URL: "s3://capblocks-no-such-bucket-for-tests", PULUMI_ACCESS_TOKEN: "" },
            });
            expect(run.status, run.stderr).to.equal(0);
            expect((JSON.parse(run.stdout) as { resources: unknown[] }).resources).to.have.length.above(0);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });
});
