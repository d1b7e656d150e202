import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CodeServerInstance } from "../../../components/codeServer/codeServerInstance";
import { placementIn } from "../../../components/codeServer/placement";
import type { SetupSecret } from "../../../components/codeServer/setupSecrets";
import { lookUpSetupSecrets, readSecretsPolicy } from "../../../components/codeServer/setupSecrets";
import type { CodeServerConfig } from "../../../components/config";
import type { Assumptions, MockRun } from "../../../scripts/offlineMocks";
import { codeServerConfig } from "../../helpers/codeServerConfig";
import { failure } from "../../helpers/failure";
import { mockAws, ofType, oneOfType, REGION, resolved } from "../../helpers/mocks";

const TASKS = "pulumi-nodejs:dynamic/capblocks:SsmTasks";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const PASSWORD = "correct horse battery staple";
const WANDB_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:wandb-AbCdEf";

const hf: SetupSecret = {
    name: "HF_TOKEN", store: "ssm-parameter", reference: "/ml/hf-token",
    arn: "arn:aws:ssm:sa-east-1:123456789012:parameter/ml/hf-token", version: "3",
};
const wandb: SetupSecret = { name: "WANDB", store: "secretsmanager", reference: WANDB_ARN, arn: WANDB_ARN, version: "v-1" };

describe("setup secrets", () => {
    describe("the instance role's policy for the user's secrets", () => {
        it("reads exactly the configured parameters and secrets, and decrypts only through their services, for them", () => {
            expect(readSecretsPolicy([hf, wandb])).to.deep.equal({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: "ssm:GetParameter", Resource: [hf.arn] },
                    {
                        Effect: "Allow", Action: "kms:Decrypt", Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": ["ssm.sa-east-1.amazonaws.com"], "kms:EncryptionContext:PARAMETER_ARN": [hf.arn] } },
                    },
                    { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [WANDB_ARN] },
                    {
                        Effect: "Allow", Action: "kms:Decrypt", Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com"], "kms:EncryptionContext:SecretARN": [WANDB_ARN] } },
                    },
                ],
            });
        });

        it("has only the statements a kind of secret needs, and none without secrets", () => {
            expect((readSecretsPolicy([hf]) as { Statement: unknown[] }).Statement).to.have.length(2);
            expect(readSecretsPolicy([])).to.equal(undefined);
            const china = { ...hf, arn: "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/ml/hf-token" };
            expect(JSON.stringify(readSecretsPolicy([china]))).to.contain("ssm.cn-north-1.amazonaws.com.cn");
        });
    });

    describe("looking them up before anything is created", () => {
        const mocked = (over: Partial<Assumptions>) => mockAws({ secrets: ["/ml/hf-token", WANDB_ARN], ...over });

        it("takes each secret's ARN and current version, never its value", async () => {
            const run = await mocked({});
            const found = await lookUpSetupSecrets({ HF_TOKEN: "/ml/hf-token", WANDB: WANDB_ARN }, REGION);
            expect(found).to.deep.equal([
                { ...hf, version: "1" },
                { ...wandb, version: (found[1] as SetupSecret).version },
            ]);
            expect(found[1].version).to.match(/^[0-9a-f]{8}-/);
            const ssm = run.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter");
            expect(ssm?.inputs).to.include({ name: "/ml/hf-token", withDecryption: false });
        });

        it("names the key of a secret that does not exist, or is not encrypted", async () => {
            await mocked({ parameters: { "/ml/plain": "not-so-secret" } });
            const missing = await failure(lookUpSetupSecrets({ HF_TOKEN: "/ml/nope" }, REGION));
            expect(missing).to.be.instanceOf(pulumi.RunError);
            expect(missing.message).to.match(/^capblocks:codeServer\.secrets\.HF_TOKEN: SSM parameter \/ml\/nope in sa-east-1 cannot be read \(.*ParameterNotFound/);
            const plain = await failure(lookUpSetupSecrets({ HF_TOKEN: "/ml/plain" }, REGION));
            expect(plain.message).to.equal(
                "capblocks:codeServer.secrets.HF_TOKEN: SSM parameter /ml/plain is a String, stored unencrypted; store the secret as a SecureString " +
                    "(aws ssm put-parameter --name /ml/plain --type SecureString --overwrite --value …)",
            );
            expect(plain.message).to.not.contain("not-so-secret");
            const gone = await failure(lookUpSetupSecrets({ WANDB: `${WANDB_ARN}x` }, REGION));
            expect(gone.message).to.match(/^capblocks:codeServer\.secrets\.WANDB: Secrets Manager secret .*cannot be read \(.*ResourceNotFoundException/);
        });
    });

    describe("in the code-server instance", () => {
        const config = (over: Partial<CodeServerConfig>): CodeServerConfig => codeServerConfig({ instanceType: "g7e.2xlarge", volumeSizeGb: 200, ...over });

        async function build(over: Partial<CodeServerConfig>, secrets: SetupSecret[] = []): Promise<{ run: MockRun; passwordCommand: string }> {
            const run = await mockAws();
            const cs = new CodeServerInstance("code-server", {
                config: config(over),
                region: REGION,
                placement: placementIn("sa-east-1a", REGION),
                launch: true,
                tasks: [{ id: "hello", name: "Hello", commands: ["echo hello"] }],
                variables: { USER: "coder", HOME_DIR: "/work" },
                secrets,
            });
            return { run, passwordCommand: await resolved<string>(cs.passwordCommand) };
        }

        it("stores the configured password as a secret, generates none, and keeps it out of every input and output", async () => {
            const { run, passwordCommand } = await build({ password: PASSWORD });
            expect(ofType(run, "random:index/randomPassword:RandomPassword")).to.have.length(0);
            expect(oneOfType(run, SECRET_VERSION).inputs.secretString).to.equal("[secret]");
            expect(JSON.stringify(run.resources)).to.not.contain("horse");
            expect(passwordCommand).to.not.contain("horse");
        });

        it("generates a password when none is configured", async () => {
            const { run } = await build({});
            expect(ofType(run, "random:index/randomPassword:RandomPassword")).to.have.length(1);
            expect(oneOfType(run, SECRET_VERSION).inputs.secretString).to.equal("[secret]");
        });

        it("passes the password's version, so a rotated or replaced password re-runs the tasks that read it", async () => {
            const { run } = await build({});
            const tasks = oneOfType(run, TASKS).inputs;
            const arn = String(oneOfType(run, SECRET_VERSION).inputs.secretId);
            expect(tasks.secrets).to.deep.equal({ PASSWORD: arn });
            const versions = tasks.secretVersions as Record<string, string>;
            expect(Object.keys(versions)).to.deep.equal(["PASSWORD"]);
            expect(versions.PASSWORD).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-/, "the SecretVersion's versionId");
        });

        it("lets the role read the user's secrets only with them, and passes their references and versions", async () => {
            const without = await build({});
            // Besides the password, the role only writes setup's output lines (setupOutputLog.ts).
            expect(ofType(without.run, ROLE_POLICY).map((r) => r.name)).to.deep.equal(["code-server-read-password", "code-server-write-setup-output"]);
            const { run } = await build({}, [hf, wandb]);
            const readSecrets = ofType(run, ROLE_POLICY).find((r) => r.name === "code-server-read-secrets");
            expect(JSON.parse(String(readSecrets?.inputs.policy))).to.deep.equal(readSecretsPolicy([hf, wandb]));
            const tasks = oneOfType(run, TASKS);
            expect(tasks.inputs.secrets).to.include({ HF_TOKEN: "/ml/hf-token", WANDB: WANDB_ARN });
            expect(tasks.inputs.secretVersions).to.include({ HF_TOKEN: "3", WANDB: "v-1" });
            expect(tasks.options.dependsOn).to.include("code-server-read-secrets");
        });
    });
});
