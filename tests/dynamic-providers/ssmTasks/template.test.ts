import { expect } from "chai";
import { checkTaskInputs, placeholdersIn, prepareTasks, secretRef, taskHash } from "../../../dynamic-providers/ssmTasks/template";

const task = (id: string, commands: string[]) => ({ id, name: `Task ${id}`, commands });

describe("task substitution, secret references and hashing", () => {
    it("replaces {{NAME}} from variables", () => {
        const [prepared] = prepareTasks([task("a", ["listen {{PORT}};", "echo {{ USER }}"])], { PORT: "80", USER: "ana" }, {});
        expect(prepared.commands).to.deep.equal(["listen 80;", "echo ana"]);
        expect(placeholdersIn("a {{X}} b {{ Y }}")).to.deep.equal(["X", "Y"]);
    });

    it("never substitutes a secret: {{NAME}} becomes a shell variable the instance fills with its role", () => {
        const [prepared] = prepareTasks([task("a", ['printf %s "{{PASSWORD}}" | argon2 salt'])], {}, { PASSWORD: "/capblocks/pw" });
        expect(prepared.commands[0]).to.equal('printf %s "${CAPBLOCKS_SECRET_PASSWORD}" | argon2 salt');
        expect(prepared.secrets).to.deep.equal([secretRef("PASSWORD", "/capblocks/pw")]);
        expect(prepared.secrets[0].source).to.equal("ssm-parameter");
        expect(secretRef("P", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pw-AbCdEf").source).to.equal("secretsmanager");
    });

    it("fails check naming the task for an unknown placeholder, a duplicate id or an empty command list", () => {
        const problems = checkTaskInputs(
            [task("a", ["echo {{MISSING}}"]), task("b", []), task("a", ["true"])],
            {},
            {},
        ).map((p) => p.reason);
        expect(problems).to.include('task "a" uses {{MISSING}}, which is neither in variables nor in secrets; add MISSING to one of them or fix the name');
        expect(problems).to.include('task "b": commands must be a non-empty list of shell lines');
        expect(problems).to.include('task "a" appears twice; task ids must be unique');
    });

    it("rejects ids that cannot name a marker file, bad timeouts, and a name that is both variable and secret", () => {
        const reasons = checkTaskInputs(
            [{ id: "../etc", name: "x", commands: ["true"] }, { id: "t", name: "t", commands: ["true"], timeoutSeconds: 0 }],
            { PW: "x" },
            { PW: "/p", BAD: "name with 'quote'" },
        ).map((p) => p.reason);
        expect(reasons.some((r) => r.startsWith('task "../etc": id must match'))).to.equal(true);
        expect(reasons.some((r) => r.includes("timeoutSeconds must be a whole number"))).to.equal(true);
        expect(reasons).to.include('"PW" is both a variable and a secret; keep it in one');
        expect(reasons.some((r) => r.startsWith("secrets.BAD"))).to.equal(true);
    });

    it("hashes substituted commands and secret references, not names, descriptions, timeouts or secret values", () => {
        const base = prepareTasks([task("a", ["echo {{X}} {{S}}"])], { X: "1" }, { S: "/p/one" })[0];
        const renamed = prepareTasks([{ ...task("a", ["echo {{X}} {{S}}"]), name: "other", description: "d", timeoutSeconds: 9 }], { X: "1" }, { S: "/p/one" })[0];
        const otherValue = prepareTasks([task("a", ["echo {{X}} {{S}}"])], { X: "2" }, { S: "/p/one" })[0];
        const otherSecret = prepareTasks([task("a", ["echo {{X}} {{S}}"])], { X: "1" }, { S: "/p/two" })[0];
        expect(renamed.hash).to.equal(base.hash);
        expect(otherValue.hash).to.not.equal(base.hash);
        expect(otherSecret.hash).to.not.equal(base.hash);
        expect(taskHash(["a"], [])).to.equal(taskHash(["a"], []));
        expect(taskHash(["a", "b"], [])).to.not.equal(taskHash(["ab"], []));
    });
});
