import { expect } from "chai";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { awsSettingsFrom, durationSeconds } from "../../../components/shared/awsSettings";
import { SECRET_MARK } from "../../../scripts/offlineMocks";
import { activeBlock, mockAws, oneOfType, resolved } from "../../helpers/mocks";

describe("the stack's aws:* account settings", () => {
    it("reads profile, one shared file each, keys and roles as the aws provider names them", () => {
        const { settings, problems } = awsSettingsFrom({
            "aws:region": "sa-east-1",
            "aws:profile": "ml",
            "aws:sharedCredentialsFiles": JSON.stringify(["~/.aws/team-credentials"]),
            "aws:sharedConfigFiles": JSON.stringify(["~/.aws/team-config"]),
            "aws:assumeRoles": JSON.stringify([
                { roleArn: "arn:aws:iam::111111111111:role/hop", duration: "15m" },
                { roleArn: "arn:aws:iam::222222222222:role/buyer", sessionName: "capblocks", externalId: "x", tags: { team: "ml" } },
            ]),
            "aws:skipCredentialsValidation": "true",
        });
        expect(problems).to.deep.equal([]);
        expect(settings).to.deep.equal({
            profile: "ml",
            sharedCredentialsFile: "~/.aws/team-credentials",
            sharedConfigFile: "~/.aws/team-config",
            assumeRoles: [
                { roleArn: "arn:aws:iam::111111111111:role/hop", durationSeconds: 900 },
                { roleArn: "arn:aws:iam::222222222222:role/buyer", sessionName: "capblocks", externalId: "x", tags: { team: "ml" } },
            ],
        });
    });

    it("takes the older single aws:assumeRole as a one-role chain", () => {
        const { settings, problems } = awsSettingsFrom({ "aws:assumeRole": JSON.stringify({ roleArn: "arn:aws:iam::111111111111:role/r", durationSeconds: 1800 }) });
        expect(problems).to.deep.equal([]);
        expect(settings).to.deep.equal({ assumeRoles: [{ roleArn: "arn:aws:iam::111111111111:role/r", durationSeconds: 1800 }] });
    });

    it("is empty when nothing is set: the providers then use the SDK's default chain, like the aws provider", () => {
        expect(awsSettingsFrom({ "aws:region": "sa-east-1" })).to.deep.equal({ settings: {}, problems: [] });
    });

    it("names each key it cannot honour, so nothing is bought with other credentials than the stack's", () => {
        const { problems } = awsSettingsFrom({
            "aws:accessKey": "AKIA0000000000000001",
            "aws:sharedCredentialsFiles": JSON.stringify(["/a", "/b"]),
            "aws:assumeRoles": JSON.stringify([{ roleArn: "role/x", duration: "soon", mfa: true }]),
            "aws:assumeRole": JSON.stringify({ roleArn: "arn:aws:iam::111111111111:role/r" }),
            "aws:assumeRoleWithWebIdentity": JSON.stringify({ roleArn: "arn:aws:iam::111111111111:role/w" }),
        });
        expect(problems).to.deep.equal([
            "aws:assumeRoleWithWebIdentity: is not supported by capblocks' providers, which would then buy with other credentials than the stack's; " +
                "use a profile with web_identity_token_file and role_arn (aws:profile), or the AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE environment variables",
            "aws:sharedCredentialsFiles: lists 2 files; capblocks' providers read one; keep the one that holds your profile",
            "aws:assumeRole: is set together with aws:assumeRoles; keep aws:assumeRoles (the current key) and remove aws:assumeRole",
            "aws:accessKey: is set without aws:secretKey; set both (as secrets: pulumi config set --secret) or neither",
        ]);
        expect(awsSettingsFrom({ "aws:assumeRoles": JSON.stringify([{ roleArn: "role/x", duration: "soon", mfa: true }]) }).problems).to.deep.equal([
            "aws:assumeRoles[0].mfa: is not a setting of an assumed role (known: roleArn, sessionName, externalId, policy, sourceIdentity, duration, durationSeconds, policyArns, tags, transitiveTagKeys)",
            'aws:assumeRoles[0].roleArn: "role/x" is not an IAM role ARN; set it to arn:aws:iam::<account>:role/<name>',
            'aws:assumeRoles[0].duration: "soon" is not a duration such as 1h or 15m',
        ]);
    });

    it("reads the aws provider's durations (Go syntax)", () => {
        expect([durationSeconds("1h"), durationSeconds("15m"), durationSeconds("1h30m"), durationSeconds("900s")]).to.deep.equal([3600, 900, 5400, 900]);
        expect([durationSeconds(""), durationSeconds("1d"), durationSeconds("m")]).to.deep.equal([undefined, undefined, undefined]);
    });
});

describe("the program passes the stack's account settings to both dynamic resources", () => {
    afterEach(() => pulumi.runtime.setAllConfig({}, []));

    it("gives CapacityBlock and SsmTasks the same aws input, with the keys secret", async () => {
        const run = await mockAws({ block: activeBlock() });
        pulumi.runtime.setAllConfig({
            "aws:region": "sa-east-1",
            "aws:profile": "ml",
            "aws:accessKey": "AKIAEXAMPLEKEY000001",
            "aws:secretKey": "example-secret",
            "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::123456789012:role/capblocks" }]),
            "capblocks:reservation": JSON.stringify({ instanceType: "trn2.3xlarge", durationHours: 24, maxUpfrontFee: "900" }),
        }, ["aws:accessKey", "aws:secretKey"]);
        const entry = path.resolve(__dirname, "..", "..", "..", "index.ts");
        delete require.cache[require.resolve(entry)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        await resolved((require(entry) as () => Promise<unknown>)());
        const expected = {
            profile: "ml",
            accessKey: SECRET_MARK,
            secretKey: SECRET_MARK,
            assumeRoles: [{ roleArn: "arn:aws:iam::123456789012:role/capblocks" }],
        };
        expect(oneOfType(run, "pulumi-nodejs:dynamic/capblocks:CapacityBlock").inputs.aws).to.deep.equal(expected);
        expect(oneOfType(run, "pulumi-nodejs:dynamic/capblocks:SsmTasks").inputs.aws).to.deep.equal(expected);
    });
});
