import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DescribeCapacityReservationsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeInstanceInformationCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { awsClientConfig, awsSettingsFailures, sameAwsSettings } from "../../../dynamic-providers/shared/awsCredentials";
import type { AwsSettings } from "../../../dynamic-providers/shared/awsCredentials";
import { ssmTasksProvider } from "../../../dynamic-providers/ssmTasks";

// The providers sign every call with the stack's `aws` settings (docs: README "What it promises"), not with whatever
// the shell that runs `pulumi up` has: AWS_ACCESS_KEY_ID here stands for that shell.

const SHELL_KEY = "AKIASHELLACCOUNT0001";
const CREDENTIALS_FILE = [
    "[default]", "aws_access_key_id = AKIADEFAULTPROFILE01", "aws_secret_access_key = default-secret", "",
    "[ml-account]", "aws_access_key_id = AKIAMLACCOUNTPROFILE", "aws_secret_access_key = ml-secret", "",
].join("\n");

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** The keys a client signs with: what the SDK resolves from its credentials setting before each request. */
async function signingKeys(client: { config: { credentials: () => Promise<Keys> } }): Promise<Keys> {
    return client.config.credentials();
}

describe("the providers sign with the stack's AWS account settings", () => {
    let dir: string;
    let credentialsFile: string;
    const saved = { ...process.env };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-credentials-"));
        credentialsFile = path.join(dir, "credentials");
        fs.writeFileSync(credentialsFile, CREDENTIALS_FILE);
        fs.writeFileSync(path.join(dir, "config"), "");
        Object.assign(process.env, {
            AWS_ACCESS_KEY_ID: SHELL_KEY, AWS_SECRET_ACCESS_KEY: "shell-secret",
            AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: path.join(dir, "config"),
        });
        delete process.env.AWS_PROFILE;
        delete process.env.AWS_SESSION_TOKEN;
    });
    afterEach(() => {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("uses the profile aws:profile names in the shared credentials file, not the shell's keys", async () => {
        const config = await awsClientConfig({ profile: "ml-account", sharedCredentialsFile: credentialsFile }, "sa-east-1");
        expect(config.region).to.equal("sa-east-1");
        expect(await signingKeys(new EC2Client(config) as never)).to.include({ accessKeyId: "AKIAMLACCOUNTPROFILE", secretAccessKey: "ml-secret" });
    });

    it("uses static keys from config, with the session token", async () => {
        const config = await awsClientConfig({ accessKey: "AKIACONFIGKEYS000001", secretKey: "config-secret", token: "session" }, "sa-east-1");
        expect(await signingKeys(new SSMClient(config) as never)).to.deep.equal({ accessKeyId: "AKIACONFIGKEYS000001", secretAccessKey: "config-secret", sessionToken: "session" });
    });

    it("leaves the SDK's default chain alone when no setting is given, as the aws provider does", async () => {
        expect(await awsClientConfig(undefined, "sa-east-1")).to.deep.equal({ region: "sa-east-1" });
        expect(await awsClientConfig({}, undefined)).to.deep.equal({});
    });

    describe("through the provider methods", () => {
        const restores: (() => void)[] = [];
        afterEach(() => restores.splice(0).forEach((restore) => restore()));
        it("CapacityBlock (refresh) and SsmTasks (refresh) both sign with the profile's keys", async () => {
            const settings: AwsSettings = { profile: "ml-account", sharedCredentialsFile: credentialsFile };
            const signedBy: string[] = [];
            const ec2 = mockClient(EC2Client);
            const ssm = mockClient(SSMClient);
            restores.push(() => ec2.restore(), () => ssm.restore());
            ec2.on(DescribeCapacityReservationsCommand).callsFake(async (_input, getClient) => {
                signedBy.push(`ec2:${(await signingKeys(getClient() as never)).accessKeyId}`);
                return { CapacityReservations: [] };
            });
            ssm.on(DescribeInstanceInformationCommand).callsFake(async (_input, getClient) => {
                signedBy.push(`ssm:${(await signingKeys(getClient() as never)).accessKeyId}`);
                return { InstanceInformationList: [] };
            });
            await capacityBlockProvider.read?.("cr-0123456789abcdef0", { region: "sa-east-1", aws: settings, state: "active" });
            const taskStates = { a: { hash: "h", status: "success" } };
            await ssmTasksProvider.read?.("ssmtasks-1", { instanceIds: ["i-0123456789abcdef0"], tasks: [], region: "sa-east-1", aws: settings, taskStates });
            expect(signedBy).to.deep.equal(["ec2:AKIAMLACCOUNTPROFILE", "ssm:AKIAMLACCOUNTPROFILE"]);
        });
    });

    describe("assumed roles", () => {
        const restores: (() => void)[] = [];
        afterEach(() => restores.splice(0).forEach((restore) => restore()));

        it("assumes aws:assumeRoles in order: the first with the base keys, each next with the role before it", async () => {
            const assumed: string[] = [];
            const sts = mockClient(STSClient);
            restores.push(() => sts.restore());
            sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string; RoleSessionName: string; ExternalId?: string; DurationSeconds?: number }, getClient) => {
                const by = (await signingKeys(getClient() as never)).accessKeyId;
                const role = input.RoleArn.split("/").pop() as string;
                assumed.push(`${role} by ${by} as ${input.RoleSessionName} ${input.ExternalId ?? "-"} ${input.DurationSeconds ?? "-"}`);
                return { Credentials: { AccessKeyId: `AKIA-${role}`, SecretAccessKey: `${role}-secret`, SessionToken: `${role}-token`, Expiration: new Date(Date.now() + 3600_000) } };
            });
            const config = await awsClientConfig({
                accessKey: "AKIACONFIGKEYS000001",
                secretKey: "config-secret",
                assumeRoles: [
                    { roleArn: "arn:aws:iam::111111111111:role/hop", sessionName: "capblocks-hop", externalId: "ext-1", durationSeconds: 900 },
                    { roleArn: "arn:aws:iam::222222222222:role/buyer", sessionName: "capblocks-buyer" },
                ],
            }, "sa-east-1");
            expect(await signingKeys(new EC2Client(config) as never)).to.include({ accessKeyId: "AKIA-buyer", sessionToken: "buyer-token" });
            expect(assumed).to.deep.equal([
                "hop by AKIACONFIGKEYS000001 as capblocks-hop ext-1 900",
                "buyer by AKIA-hop as capblocks-buyer - -",
            ]);
        });
    });
});

describe("the aws input's rules", () => {
    it("treats no settings and empty settings alike, and any other difference as a change", () => {
        expect(sameAwsSettings(undefined, {})).to.equal(true);
        expect(sameAwsSettings({ profile: "a", token: undefined }, { profile: "a" })).to.equal(true);
        expect(sameAwsSettings({ profile: "a" }, { profile: "b" })).to.equal(false);
        expect(sameAwsSettings({ assumeRoles: [{ roleArn: "x" }] }, {})).to.equal(false);
    });

    it("fails check on a malformed aws input, naming the property", () => {
        expect(awsSettingsFailures({ accessKey: "AKIA" })).to.deep.equal([{ property: "aws", reason: "aws.accessKey and aws.secretKey must be given together" }]);
        expect(awsSettingsFailures({ assumeRoles: [{}] })).to.deep.equal([{ property: "aws", reason: "aws.assumeRoles must be a list of roles, each with a roleArn" }]);
        expect(awsSettingsFailures("default")).to.deep.equal([{ property: "aws", reason: "aws must be an object of AWS account settings" }]);
        expect(awsSettingsFailures({ profile: "ml" })).to.deep.equal([]);
        expect(awsSettingsFailures(undefined)).to.deep.equal([]);
    });
});
