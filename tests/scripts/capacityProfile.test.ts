import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DescribeCapacityBlockOfferingsCommand, DescribeCapacityReservationsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { main as blocks } from "../../scripts/blocks";
import { main as offerings } from "../../scripts/offerings";

/*
 * `npm run offerings` and `npm run blocks` read with the user's own AWS profile: --profile NAME signs every call with
 * that profile's keys (not the shell's), and gives the Region when none is named. AWS_ACCESS_KEY_ID stands for the shell.
 */

const CREDENTIALS = [
    "[default]", "aws_access_key_id = AKIADEFAULTPROFILE01", "aws_secret_access_key = default-secret", "",
    "[capacity-viewer]", "aws_access_key_id = AKIACAPACITYVIEWER01", "aws_secret_access_key = viewer-secret", "",
].join("\n");
const CONFIG = ["[default]", "region = eu-west-1", "", "[profile capacity-viewer]", "region = us-east-2", ""].join("\n");

type Keys = { accessKeyId: string };
type Client = { config: { credentials: () => Promise<Keys>; region: () => Promise<string> } };

class Capture {
    text = "";
    readonly isTTY = false;
    write(chunk: string): void {
        this.text += chunk;
    }
}

describe("npm run offerings / blocks: the user's AWS profile", () => {
    const saved = { ...process.env };
    const signed: string[] = [];
    let dir: string;
    let restore: () => void;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-profile-"));
        fs.writeFileSync(path.join(dir, "credentials"), CREDENTIALS);
        fs.writeFileSync(path.join(dir, "config"), CONFIG);
        Object.assign(process.env, {
            AWS_ACCESS_KEY_ID: "AKIASHELLACCOUNT0001", AWS_SECRET_ACCESS_KEY: "shell-secret",
            AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"), AWS_CONFIG_FILE: path.join(dir, "config"),
        });
        for (const key of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"]) delete process.env[key];
        signed.length = 0;
        const record = (service: string, operation: string) => async (_input: unknown, getClient: () => unknown) => {
            const client = getClient() as Client;
            const [keys, region] = await Promise.all([client.config.credentials(), client.config.region()]);
            signed.push(`${service}:${operation} ${region} ${keys.accessKeyId}`);
            return {};
        };
        const ec2 = mockClient(EC2Client);
        const ssm = mockClient(SSMClient);
        ec2.on(DescribeCapacityBlockOfferingsCommand).callsFake(record("ec2", "DescribeCapacityBlockOfferings"));
        ec2.on(DescribeCapacityReservationsCommand).callsFake(record("ec2", "DescribeCapacityReservations"));
        ssm.on(GetParameterCommand).callsFake(async (input: unknown, getClient: () => unknown) => {
            await record("ssm", "GetParameter")(input, getClient);
            throw Object.assign(new Error("not found"), { name: "ParameterNotFound" });
        });
        restore = () => {
            ec2.restore();
            ssm.restore();
        };
    });

    afterEach(() => {
        restore();
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("offerings: --profile signs every search with that profile's keys, in the profile's Region when none is named", async () => {
        const err = new Capture();
        const code = await offerings(["--type", "p5.48xlarge", "--hours", "24", "--profile", "capacity-viewer"], new Capture(), err, process.env);
        expect(code, err.text).to.equal(0);
        expect(signed).to.deep.equal(["ec2:DescribeCapacityBlockOfferings us-east-2 AKIACAPACITYVIEWER01"]);
    });

    it("blocks: --profile signs the EC2 listing and the SSM reads with that profile's keys", async () => {
        const err = new Capture();
        const code = await blocks(["--regions", "us-east-1,us-west-2", "--profile", "capacity-viewer"], new Capture(), err, process.env);
        expect(code, err.text).to.equal(0);
        expect([...new Set(signed.map((s) => s.split(" ")[2]))]).to.deep.equal(["AKIACAPACITYVIEWER01"]);
        expect(signed.filter((s) => s.startsWith("ec2:")).map((s) => s.split(" ")[1]).sort()).to.deep.equal(["us-east-1", "us-west-2"]);
        expect(signed.filter((s) => s.startsWith("ssm:"))).to.have.length(4);
    });

    it("without --profile, the SDK's usual chain: the shell's keys, or AWS_PROFILE", async () => {
        await offerings(["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2"], new Capture(), new Capture(), process.env);
        delete process.env.AWS_ACCESS_KEY_ID;
        delete process.env.AWS_SECRET_ACCESS_KEY;
        process.env.AWS_PROFILE = "capacity-viewer";
        await offerings(["--type", "p5.48xlarge", "--hours", "24", "--region", "us-east-2"], new Capture(), new Capture(), process.env);
        expect(signed.map((s) => s.split(" ")[2])).to.deep.equal(["AKIASHELLACCOUNT0001", "AKIACAPACITYVIEWER01"]);
    });
});
