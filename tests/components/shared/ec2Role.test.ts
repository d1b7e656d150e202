import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ec2Role, ssmManagedInstanceCoreArn } from "../../../components/shared/ec2Role";
import { mockAws, oneOfType, settle } from "../../helpers/mocks";

const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const PROFILE = "aws:iam/instanceProfile:InstanceProfile";
const names = { role: "box-role", ssmCore: "box-ssm-core", profile: "box-profile" };

async function build(over: { namePrefix?: string; path?: string; partition?: string } = {}) {
    const run = await mockAws();
    const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
    const { namePrefix, path, partition = "aws" } = over;
    ec2Role({ names, description: "the box", tags: { team: "ml" }, namePrefix, path }, partition, parent);
    await settle();
    return { one: (type: string) => oneOfType(run, type).inputs };
}

describe("shared EC2 role", () => {
    it("lets EC2 assume the role, attaches SSM core, and wraps the role in an instance profile", async () => {
        const mocks = await build();
        const role = mocks.one(ROLE);
        expect(role).to.deep.equal({
            description: "the box",
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: { team: "ml" },
        });
        // The mocks name a role `<logical name>-1234567`, as IAM adds a suffix.
        expect(mocks.one(ATTACHMENT)).to.deep.equal({ role: "box-role-1234567", policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" });
        expect(mocks.one(PROFILE)).to.deep.equal({ role: "box-role-1234567", tags: { team: "ml" } });
    });

    // PCS user guide "IAM instance profiles for AWS PCS": PCS checks the name prefix or the path.
    it("gives the role and the profile the name prefix and path a service checks", async () => {
        const mocks = await build({ namePrefix: "AWSPCS-dev-", path: "/aws-pcs/" });
        for (const type of [ROLE, PROFILE]) expect(mocks.one(type)).to.include({ namePrefix: "AWSPCS-dev-", path: "/aws-pcs/" });
    });

    it("builds the SSM core policy ARN in the partition it is given", async () => {
        const mocks = await build({ partition: "aws-us-gov" });
        expect(mocks.one(ATTACHMENT).policyArn).to.equal("arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore");
        expect(ssmManagedInstanceCoreArn("aws-cn")).to.equal("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore");
    });
});
