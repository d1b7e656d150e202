import { expect } from "chai";
import { spawnSync } from "child_process";
import Ajv from "ajv";
import { parse } from "yaml";
import type { ComponentSpec } from "../../../components/shared/imageDocument";
import { componentDocument } from "../../../components/shared/imageDocument";
import { MAX_IMAGE_PACKAGES } from "../../../components/config/schema";
import {
    NEURON_APT_KEY,
    NEURON_APT_REPO,
    NEURON_BIN,
    NEURON_COMPONENT,
    NEURON_PACKAGES,
    packagesComponent,
} from "../../../components/cluster/imageComponents";

/**
 * The AWSTOE component document schema as the EC2 Image Builder user guide states it ("Use the AWSTOE component
 * document framework for custom components", "Document schema and definitions"; ExecuteBash in "Action modules
 * supported by AWSTOE"): schemaVersion 1.0, phases with unique names among build/validate/test, steps with
 * unique names, an action, and inputs; ExecuteBash takes a list of commands.
 */
const AWSTOE_DOCUMENT = {
    type: "object",
    required: ["schemaVersion", "phases"],
    additionalProperties: false,
    properties: {
        name: { type: "string" },
        description: { type: "string" },
        schemaVersion: { const: 1.0 },
        phases: {
            type: "array",
            minItems: 1,
            items: {
                type: "object",
                required: ["name", "steps"],
                additionalProperties: false,
                properties: {
                    name: { enum: ["build", "validate", "test"] },
                    steps: {
                        type: "array",
                        minItems: 1,
                        items: {
                            type: "object",
                            required: ["name", "action", "inputs"],
                            additionalProperties: false,
                            properties: {
                                name: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_]*$" },
                                action: { const: "ExecuteBash" },
                                timeoutSeconds: { type: "integer", minimum: 1 },
                                inputs: {
                                    type: "object",
                                    required: ["commands"],
                                    additionalProperties: false,
                                    properties: { commands: { type: "array", minItems: 1, items: { type: "string" } } },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
};

interface Doc {
    schemaVersion: number;
    phases: { name: string; steps: { name: string; inputs: { commands: string[] } }[] }[];
}

const validDocument = new Ajv({ allErrors: true }).compile<Doc>(AWSTOE_DOCUMENT);

/** `bash -n`: the script parses as bash (what ExecuteBash runs); the error text when it does not. */
function bashSyntaxError(script: string): string | undefined {
    const result = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    return result.status === 0 ? undefined : result.stderr;
}

const SPECS: ComponentSpec[] = [NEURON_COMPONENT, packagesComponent(["htop", "libnccl2=2.27.*", "it's-odd"])];

describe("Image Builder component documents", () => {
    it("bash -n catches a script bash cannot parse (so the checks below can fail)", () => {
        expect(bashSyntaxError("if true; then\n  echo unclosed\n")).to.be.a("string").and.not.equal("");
    });

    for (const spec of SPECS) {
        describe(spec.name, () => {
            const text = componentDocument(spec);
            const doc = parse(text) as Doc;

            it("is a valid AWSTOE document (schemaVersion 1.0; build, validate and test phases of ExecuteBash steps)", () => {
                expect(validDocument(doc), JSON.stringify(validDocument.errors)).to.equal(true);
                expect(text).to.match(/^schemaVersion: 1\.0$/m);
                const names = doc.phases.map((p) => p.name);
                expect(new Set(names).size).to.equal(names.length);
                expect(names[0]).to.equal("build");
            });

            it("carries each phase's script unchanged through YAML, and every script parses under bash", () => {
                for (const phase of doc.phases) {
                    const script = phase.steps[0].inputs.commands.join("\n");
                    expect(script).to.equal(spec.scripts[phase.name as keyof ComponentSpec["scripts"]]);
                    expect(bashSyntaxError(script), `${spec.name}/${phase.name}`).to.equal(undefined);
                    expect(script.startsWith("set -euo pipefail\n")).to.equal(true);
                }
            });

            // AWSTOE substitutes {{ variable }} in documents; a script must never hold that syntax by accident.
            it("holds no AWSTOE variable syntax", () => {
                expect(text).to.not.include("{{");
            });
        });
    }

    // AWS Neuron setup guide, Ubuntu 24.04 manual installation (Neuron 2.x): repository, key, packages, PATH.
    describe("the Neuron component", () => {
        const build = NEURON_COMPONENT.scripts.build as string;

        it("adds the Neuron apt repository for the release codename, with its key in a signed-by keyring", () => {
            expect(NEURON_APT_REPO).to.equal("https://apt.repos.neuron.amazonaws.com");
            expect(NEURON_APT_KEY).to.equal("https://apt.repos.neuron.amazonaws.com/GPG-PUB-KEY-AMAZON-AWS-NEURON.PUB");
            expect(build).to.include(`wget -qO - ${NEURON_APT_KEY} | gpg --batch --yes --dearmor -o /etc/apt/keyrings/neuron.gpg`);
            expect(build).to.include(
                'deb [signed-by=/etc/apt/keyrings/neuron.gpg] https://apt.repos.neuron.amazonaws.com ${VERSION_CODENAME} main',
            );
            expect(build).to.not.include("apt-key");
        });

        it("installs the kernel headers, then the driver, runtime, collectives and tools, and puts the tools on PATH", () => {
            expect(NEURON_PACKAGES).to.deep.equal(["aws-neuronx-dkms", "aws-neuronx-collectives", "aws-neuronx-runtime-lib", "aws-neuronx-tools"]);
            const headers = build.indexOf('apt_get install "linux-headers-$k"');
            const packages = build.indexOf(`apt_get install ${NEURON_PACKAGES.join(" ")}`);
            expect(headers).to.be.greaterThan(-1);
            expect(packages).to.be.greaterThan(headers);
            expect(build).to.include(`export PATH=${NEURON_BIN}:$PATH`);
            expect(NEURON_BIN).to.equal("/opt/aws/neuron/bin");
        });

        it("checks the driver module exists for the kernels the image boots, on the build and on the booted test instance", () => {
            expect(NEURON_COMPONENT.scripts.validate).to.include('modinfo -k "$k" neuron');
            expect(NEURON_COMPONENT.scripts.test).to.include('modinfo -k "$(uname -r)" neuron');
            expect(NEURON_COMPONENT.scripts.test).to.include("/opt/aws/pcs/scheduler");
        });
    });

    // CreateComponent: `data` is at most 16,000 characters (terraform-provider-aws component.go validates the same).
    it("keeps every document within Image Builder's 16,000-character limit, even for the most packages config allows", () => {
        const longest = Array.from({ length: MAX_IMAGE_PACKAGES }, (_, i) => `p${String(i).padStart(2, "0")}${"x".repeat(96)}=1*`.slice(0, 100));
        expect(componentDocument(packagesComponent(longest)).length).to.be.at.most(16000);
        expect(componentDocument(NEURON_COMPONENT).length).to.be.at.most(16000);
    });

    describe("the packages component", () => {
        const spec = packagesComponent(["htop", "libnccl2=2.27.*"]);

        it("installs each package single-quoted (an apt version glob reaches apt unexpanded) and checks them by name", () => {
            expect(spec.scripts.build).to.include("apt_get install 'htop' 'libnccl2=2.27.*'");
            expect(spec.scripts.validate).to.include("dpkg-query -W 'htop' 'libnccl2'");
        });
    });
});
