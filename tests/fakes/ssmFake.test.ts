import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    CancelCommandCommand,
    DescribeInstanceInformationCommand,
    GetCommandInvocationCommand,
    ListCommandInvocationsCommand,
    SendCommandCommand,
    SSMClient,
} from "@aws-sdk/client-ssm";
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

    const send = (script: string, executionTimeout = "3600") =>
        client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: [I1], Parameters: { commands: [script], executionTimeout: [executionTimeout] } }));
    /** Running, not a zombie: an orphan stays one until init reaps it. */
    const alive = (pid: number) => {
        try {
            const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
            return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
        } catch {
            return false;
        }
    };
    const sessionOf = (pid: number) => {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
    };
    const pidIn = (file: string) => Number(fs.readFileSync(path.join(fake.instanceRoot(I1), file), "utf8"));
    const until = async (done: () => boolean) => {
        while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    /** Leaves a child in the script's process group and one that made its own (as `timeout` and `setsid` do). */
    const TWO_CHILDREN = "sleep 30 & echo $! > same; setsid sleep 30 & echo $! > own; sleep 30";

    for (const how of ["executionTimeout", "CancelCommand"]) {
        it(`${how} SIGKILLs the script's whole process group, as the agent does: a process in a group of its own lives on`, async () => {
            fake = installSsmFake({ instances: [I1], msPerSecond: 100 });
            const sent = await send(TWO_CHILDREN, how === "executionTimeout" ? "3" : "3600");
            const commandId = sent.Command?.CommandId as string;
            // Once setsid has made the session (it runs just after the pid is written).
            // The file may exist before its number is written: wait for a pid, then for its session.
            await until(() => fs.existsSync(path.join(fake.instanceRoot(I1), "own")) && pidIn("own") > 0 && alive(pidIn("own")) && sessionOf(pidIn("own")) === pidIn("own"));
            if (how === "CancelCommand") await client.send(new CancelCommandCommand({ CommandId: commandId }));
            const answer = await finished(commandId);
            expect([answer.Status, answer.StatusDetails]).to.deep.equal(how === "CancelCommand" ? ["Cancelled", "Cancelled"] : ["TimedOut", "Execution Timed Out"]);
            await until(() => !alive(pidIn("same")));
            expect(alive(pidIn("own"))).to.equal(true);
        });
    }

    it("terminate and restore stop everything an instance runs, whatever its process group", async () => {
        fake = installSsmFake({ instances: [I1] });
        await send(TWO_CHILDREN);
        await until(() => fs.existsSync(path.join(fake.instanceRoot(I1), "own")));
        const [same, own] = [pidIn("same"), pidIn("own")];
        fake.terminate(I1);
        await until(() => !alive(own) && !alive(same));
        const agents = await client.send(new DescribeInstanceInformationCommand({}));
        expect(agents.InstanceInformationList).to.deep.equal([]);
    });

    it("a script that exits 194 reboots the instance: its processes die, the agent is ConnectionLost meanwhile, then the script runs again in the same invocation", async () => {
        fake = installSsmFake({ instances: [I1], rebootMs: 200 });
        const script = 'sleep 30 & echo $! > leftover; if [ -f booted ]; then echo second; exit 0; fi; touch booted; echo first; exit 194';
        const commandId = (await send(script)).Command?.CommandId as string;
        await until(() => fake.reboots(I1) === 1);
        const during = await client.send(new DescribeInstanceInformationCommand({}));
        expect(during.InstanceInformationList?.[0].PingStatus).to.equal("ConnectionLost");
        const inProgress = await client.send(new ListCommandInvocationsCommand({ CommandId: commandId }));
        expect(inProgress.CommandInvocations?.[0].Status).to.equal("InProgress");
        const firstLeftover = pidIn("leftover");
        const answer = await finished(commandId);
        expect([answer.Status, answer.StandardOutputContent]).to.deep.equal(["Success", "first\nsecond\n"]);
        expect(alive(firstLeftover), "a reboot ends every process").to.equal(false);
        expect(alive(pidIn("leftover")), "the second run's is its own").to.equal(true);
    });

    it("an agent that goes offline mid-run: the script runs on, and its result reaches SSM when the agent is back", async () => {
        fake = installSsmFake({ instances: [I1] });
        const commandId = (await send("echo done > out; sleep 0.2")).Command?.CommandId as string;
        fake.setPingStatus(I1, "ConnectionLost");
        await fake.settled();
        expect(fs.readFileSync(path.join(fake.instanceRoot(I1), "out"), "utf8")).to.equal("done\n");
        const held = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: I1 }));
        expect(held.Status).to.equal("InProgress");
        fake.setPingStatus(I1, "Online");
        const back = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: I1 }));
        expect(back.Status).to.equal("Success");
    });
});
