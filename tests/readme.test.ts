/**
 * The README's configuration guide, followed literally: the "Your first stack" commands make a stack that the
 * program accepts and plans (run here under the offline mocks, with Pulumi's own --path typing), and the
 * configuration reference documents every setting the schema takes.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { clusterSchema, codeServerSchema, reservationSchema } from "../components/config/schema";
import { oneOfType, runProgram } from "./helpers/mocks";
import { applyConfigCommands } from "./helpers/pulumiConfigSet";

const README = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");

/** The text of a section, from its heading to the next heading of the same or a higher level. */
function section(heading: string): string {
    const start = README.indexOf(`${heading}\n`);
    expect(start, heading).to.be.above(-1);
    const level = heading.split(" ")[0];
    const rest = README.slice(start + heading.length);
    const next = rest.search(new RegExp(`\\n#{1,${level.length}} `));
    return next < 0 ? rest : rest.slice(0, next);
}

describe("README", () => {
    it("walks through a new stack with pulumi config set --path, and that stack plans", async () => {
        const walkthrough = section("### Your first stack");
        const commands = /```sh\n([\s\S]*?)```/.exec(walkthrough)?.[1] ?? "";
        for (const step of ["pulumi login --local", "pulumi stack init", "pulumi config set aws:region", "pulumi config set --path capblocks:", "npm run plan", "pulumi preview"]) {
            expect(commands, step).to.contain(step);
        }
        const values = applyConfigCommands(commands);
        const region = values["aws:region"];
        const { run, error } = await runProgram(values, { region, availabilityZone: `${region}a` });
        expect(error).to.equal(undefined);
        const block = oneOfType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock");
        expect(block.inputs).to.include({ instanceType: "p5.48xlarge", durationHours: 24, maxUpfrontFee: "1500", region });
        expect(block.inputs.tags).to.deep.equal({ team: "ml" });
    });

    it("documents every setting the schema takes in the configuration reference", () => {
        const reference = section("## Configuration reference");
        for (const schema of [reservationSchema, codeServerSchema, clusterSchema]) {
            const properties = schema.properties as Record<string, { retired?: boolean; type?: unknown; properties?: Record<string, unknown> }>;
            for (const name of Object.keys(properties).filter((k) => !properties[k].retired)) {
                // An object setting (cluster.image) is documented by its own settings, `image.build` and so on.
                const inner = properties[name].type === "object" ? properties[name].properties : undefined;
                for (const key of inner ? Object.keys(inner).map((k) => `${name}.${k}`) : [name]) {
                    expect(reference, key).to.contain(`\`${key}\``);
                }
            }
        }
    });
});
