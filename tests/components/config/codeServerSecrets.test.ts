import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import type { RawStackConfig } from "../../../components/config";
import { ConfigError, readStackConfig, validateStackConfig } from "../../../components/config";
import { mockAws } from "../../helpers/mocks";
import { problemsOf } from "../../helpers/configProblems";

const CODE_SERVER = "capblocks:codeServer";
const PASSWORD = "correct horse battery staple";
const TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

const raw = (codeServer: unknown, secret = true): RawStackConfig => ({
    project: "capblocks",
    stack: "dev",
    region: "sa-east-1",
    codeServer: { instanceType: "g7e.2xlarge", ...(codeServer as object) },
    secretKeys: secret ? [CODE_SERVER] : [],
});

describe("config: codeServer.password and codeServer.secrets", () => {
    it("takes a password set as a Pulumi secret, and secret references by SSM parameter name or Secrets Manager ARN", () => {
        const secrets = { HF_TOKEN: "/ml/hf-token", WANDB_API_KEY: "arn:aws:secretsmanager:sa-east-1:123456789012:secret:wandb-AbCdEf" };
        const cfg = validateStackConfig(raw({ password: PASSWORD, secrets }));
        expect(cfg.codeServer).to.include({ password: PASSWORD });
        expect(cfg.codeServer.secrets).to.deep.equal(secrets);
    });

    it("leaves both unset by default (a random password, no secrets for task files)", () => {
        const cfg = validateStackConfig(raw({}, false));
        expect(cfg.codeServer).to.not.have.property("password");
        expect(cfg.codeServer).to.not.have.property("secrets");
    });

    it("refuses a password kept in plain text in the stack file, saying how to set it as a secret", () => {
        const problems = problemsOf(raw({ password: PASSWORD }, false));
        expect(problems).to.deep.equal([
            "capblocks:codeServer.password: is stored in plain text in the stack's config file; " +
                "set it as a secret: pulumi config set --secret --path capblocks:codeServer.password <password>",
        ]);
    });

    it("names the password's rule without showing it", () => {
        for (const bad of ["short", `${PASSWORD}\n`, "x".repeat(129), 12345678]) {
            const problems = problemsOf(raw({ password: bad }));
            expect(problems, String(bad)).to.have.length(1);
            expect(problems[0]).to.match(/^capblocks:codeServer\.password: \(value not shown\) (must be 8 to 128 characters|must be a string)/);
            expect(problems[0]).to.not.contain(String(bad).trim());
        }
    });

    it("refuses a secret value that is not a reference without echoing it (it may be the token itself)", () => {
        for (const bad of [TOKEN, "team/hf-token", "arn:aws:ssm:sa-east-1:123456789012:parameter/x", 42]) {
            const problems = problemsOf(raw({ secrets: { HF_TOKEN: bad } }));
            expect(problems, String(bad)).to.have.length(1);
            expect(problems[0]).to.match(/^capblocks:codeServer\.secrets\.HF_TOKEN: \(value not shown\) /);
            expect(problems[0]).to.not.contain(String(bad));
        }
        expect(problemsOf(raw({ secrets: { HF_TOKEN: TOKEN } }))[0]).to.contain("give where the secret is stored, never the secret itself");
    });

    it("names a secret a task file could not declare, and sends PASSWORD to its own key", () => {
        expect(problemsOf(raw({ secrets: { "hf-token": "/ml/hf-token" } }))).to.deep.equal([
            "capblocks:codeServer.secrets: \"hf-token\" is not a placeholder name (letters, digits and _, not starting with a digit), as a task file's \"secrets\" lists it",
        ]);
        expect(problemsOf(raw({ secrets: { PASSWORD: "/ml/pw" } }))).to.deep.equal([
            "capblocks:codeServer.secrets.PASSWORD: PASSWORD is the code-server password; set capblocks:codeServer.password instead",
        ]);
    });

    describe("through Pulumi's config", () => {
        before(async () => {
            await mockAws();
        });
        after(() => pulumi.runtime.setAllConfig({}, []));

        it("reads a password set with --secret --path (the whole codeServer key is then secret)", () => {
            pulumi.runtime.setAllConfig(
                { "aws:region": "sa-east-1", [CODE_SERVER]: JSON.stringify({ instanceType: "g7e.2xlarge", password: PASSWORD }) },
                [CODE_SERVER],
            );
            expect(readStackConfig().codeServer.password).to.equal(PASSWORD);
        });

        it("never shows a secret value set where an object belongs (a password set without --path)", () => {
            pulumi.runtime.setAllConfig({ "aws:region": "sa-east-1", [CODE_SERVER]: PASSWORD }, [CODE_SERVER]);
            expect(() => readStackConfig()).to.throw(ConfigError).that.satisfies((err: ConfigError) => {
                expect(err.message).to.contain("capblocks:codeServer: is not valid YAML/JSON ((value not shown))");
                expect(err.message).to.not.contain("horse");
                return true;
            });
            pulumi.runtime.setAllConfig({ "aws:region": "sa-east-1", [CODE_SERVER]: JSON.stringify(PASSWORD) }, [CODE_SERVER]);
            expect(() => readStackConfig()).to.throw(ConfigError, "capblocks:codeServer: (value not shown) must be a mapping (key: value)");
        });
    });
});
