import { expect } from "chai";
import { GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { SsmFake } from "./ssmFake";
import { installSsmFake } from "./ssmFake";

const I1 = "i-0123456789abcdef0";

describe("the SSM fake behaves like SSM where the provider depends on it", () => {
    let fake: SsmFake;
    const client = new SSMClient({ region: "us-east-1" });
    afterEach(async () => {
        await fake?.settled();
        fake?.restore();
    });

    async function finished(commandId: string) {
        await fake.settled();
        return client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: I1 }));
    }

    it("cuts StandardOutputContent at 24,000 and StandardErrorContent at 8,000 characters (GetCommandInvocation)", async () => {
        fake = installSsmFake({ instances: [I1] });
        const script = "i=0; while [ $i -lt 400 ]; do printf '%0100d\\n' 0; printf '%0100d\\n' 1 >&2; i=$((i+1)); done";
        const sent = await client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: [I1], Parameters: { commands: [script] } }));
        const answer = await finished(sent.Command?.CommandId as string);
        expect(answer.StandardOutputContent).to.have.length(24_000);
        expect(answer.StandardErrorContent).to.have.length(8_000);
    });

    it("answers InvocationDoesNotExist / an empty listing for the first polls, then the result", async () => {
        fake = installSsmFake({ instances: [I1], invocationNotFoundPolls: 2 });
        const sent = await client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: [I1], Parameters: { commands: ["exit 5"] } }));
        const commandId = sent.Command?.CommandId as string;
        await fake.settled();
        const list = await client.send(new ListCommandInvocationsCommand({ CommandId: commandId }));
        expect(list.CommandInvocations).to.deep.equal([]);
        let error: Error | undefined;
        await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: I1 })).catch((e: Error) => (error = e));
        expect(error?.name).to.equal("InvocationDoesNotExist");
        const answer = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: I1 }));
        expect([answer.Status, answer.ResponseCode]).to.deep.equal(["Failed", 5]);
    });

    it("rejects an instance SSM does not manage (InvalidInstanceId) and more than 50 instances per command", async () => {
        fake = installSsmFake({ instances: [I1] });
        const send = (ids: string[]) => client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: ids, Parameters: { commands: ["true"] } }));
        const gone = await send(["i-00000000000000000"]).catch((e: Error) => e);
        expect((gone as Error).name).to.equal("InvalidInstanceId");
        const many = await send(Array.from({ length: 51 }, () => I1)).catch((e: Error) => e);
        expect((many as Error).message).to.contain("1..50");
        expect(fake.counts().SendCommand).to.equal(2);
    });

    it("runs the script with /bin/sh (dash): bash-only syntax fails as it would on Ubuntu", async () => {
        fake = installSsmFake({ instances: [I1] });
        const sent = await client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: [I1], Parameters: { commands: ["[[ 1 == 1 ]] && echo bash"] } }));
        const answer = await finished(sent.Command?.CommandId as string);
        expect(answer.StandardOutputContent).to.not.contain("bash");
        // dash has no [[ builtin: "[[: not found", exit status 127 (command not found).
        expect([answer.Status, answer.ResponseCode]).to.deep.equal(["Failed", 127]);
        expect(answer.StandardErrorContent).to.match(/\[\[: not found/);
    });
});
