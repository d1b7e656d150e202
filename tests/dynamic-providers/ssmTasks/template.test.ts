import { expect } from "chai";
import { spawnSync } from "child_process";
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

    it("fills variables into task names, which messages show; a secret placeholder in a name stays as written", () => {
        const [prepared] = prepareTasks([{ id: "user", name: "Create the user {{USER}} ({{PASSWORD}})", commands: ["true"] }], { USER: "ana" }, { PASSWORD: "/p" });
        expect(prepared.name).to.equal("Create the user ana ({{PASSWORD}})");
    });

    it("hashes the version label of each secret a task reads, and only of those; no version hashes as before versions existed", () => {
        const list = [task("reads", ['echo "{{PW}}"']), task("other", ['echo "{{TOKEN}}"']), task("none", ["true"])];
        const secrets = { PW: "/p/pw", TOKEN: "/p/token" };
        const before = prepareTasks(list, {}, secrets);
        const v1 = prepareTasks(list, {}, secrets, { PW: "v1", TOKEN: "t1" });
        const rotated = prepareTasks(list, {}, secrets, { PW: "v2", TOKEN: "t1" });
        expect(rotated.map((t, i) => t.hash === v1[i].hash)).to.deep.equal([false, true, true]);
        expect(v1[2].hash).to.equal(before[2].hash);
        expect(before[0].hash, "no version: the hash markers already on instances hold").to.equal(taskHash(['echo "${CAPBLOCKS_SECRET_PW}"'], [{ variable: "PW", reference: "/p/pw" }]));
        expect(prepareTasks(list, {}, secrets, { TOKEN: "t1" })[0].hash).to.equal(before[0].hash);
    });

    describe("a secret placeholder where sh does not expand it is refused, naming the task and line", () => {
        const secrets = { PASSWORD: "/p/pw" };
        const reasons = (commands: string[]) => checkTaskInputs([task("conf", commands)], { USER: "coder" }, secrets).map((p) => p.reason);

        it("inside single quotes", () => {
            expect(reasons(["set -e", "echo 'password = {{PASSWORD}}' > app.conf"])).to.deep.equal([
                'task "conf" line 2: {{PASSWORD}} inside single quotes is not expanded by sh, so the task would get the text ' +
                    "${CAPBLOCKS_SECRET_PASSWORD} instead of the secret; put it in double quotes, e.g. 'abc'\"{{PASSWORD}}\"'def'",
            ]);
        });

        it("inside a quoted here-document, in each quoting sh knows (<<'X', <<\"X\", <<\\X, <<-'X')", () => {
            for (const operator of ["<<'CONF'", '<<"CONF"', "<<\\CONF", "<<-'CONF'", "<<C'ON'F"]) {
                const delimiter = operator.replace(/[<\-'"\\]/g, "");
                expect(reasons([`cat > app.conf ${operator}`, "user = {{USER}}", "password = {{PASSWORD}}", delimiter]), operator).to.deep.equal([
                    `task "conf" line 3: {{PASSWORD}} inside ${operator} is not expanded by sh, so the task would get the text ` +
                        `\${CAPBLOCKS_SECRET_PASSWORD} instead of the secret; write that text with an unquoted here-document (${operator.replace(/['"\\]/g, "")}) ` +
                        "or printf '%s\\n' \"{{PASSWORD}}\"",
                ]);
            }
        });

        it("passes where sh expands it, and leaves variables alone everywhere", () => {
            expect(reasons([
                "# don't worry: an apostrophe in a comment opens no quote",
                "cat > a.conf <<CONF",
                "password = '{{PASSWORD}}' (quotes in an unquoted here-document are text)",
                "CONF",
                "cat > b.conf <<'CONF'",
                "user = '{{USER}}'",
                "CONF",
                "hash=$(printf '%s' \"{{PASSWORD}}\" | sha256sum)",
                "echo \"it's {{PASSWORD}}\" 'and {{USER}}' `echo \"{{PASSWORD}}\"` \\'{{PASSWORD}}",
                "x=$( (cd / && echo '(') ) && echo \"{{PASSWORD}}\"",
            ])).to.deep.equal([]);
        });

        it("agrees with dash on where the secret arrives and where its placeholder text does", () => {
            const snippets = [
                ["echo 'a {{PASSWORD}}'"],
                ['echo "a {{PASSWORD}}"'],
                ["echo a\\'{{PASSWORD}}\\'"],
                ["cat <<'X'", "{{PASSWORD}}", "X"],
                ["cat <<X", "'{{PASSWORD}}'", "X"],
                ["cat <<-\"X\"", "\t{{PASSWORD}}", "\tX"],
                ["echo \"$(echo '{{PASSWORD}}')\""],
                ["echo `echo \"'\"{{PASSWORD}}\"'\"`"],
                ["echo '#' {{PASSWORD}} # '{{USER}}"],
            ];
            for (const commands of snippets) {
                const [prepared] = prepareTasks([task("conf", commands)], { USER: "coder" }, secrets);
                const out = spawnSync("/bin/sh", ["-c", prepared.commands.join("\n")], { encoding: "utf8", env: { ...process.env, CAPBLOCKS_SECRET_PASSWORD: "s3cret" } });
                expect(out.status, commands.join(" / ")).to.equal(0);
                expect(reasons(commands).length > 0, commands.join(" / ")).to.equal(out.stdout.includes("${CAPBLOCKS_SECRET_PASSWORD}"));
            }
        });

        it("finds the second of two here-documents on one line, and single quotes inside $( ) within double quotes", () => {
            expect(reasons(["cat <<A - <<'B'", "{{PASSWORD}}", "A", "{{PASSWORD}}", "B", "echo \"$(echo '{{PASSWORD}}')\""])
                .map((r) => r.split(":")[0])).to.deep.equal(['task "conf" line 4', 'task "conf" line 6']);
        });
    });
});
