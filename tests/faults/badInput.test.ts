import { expect } from "chai";
import { capacityBlockProvider } from "../../dynamic-providers/capacityBlock";
import { ssmTasksProvider } from "../../dynamic-providers/ssmTasks";
import type { InstalledMarket } from "../fakes/ec2CapacityBlockMarket";
import { install } from "../fakes/ec2CapacityBlockMarket";
import type { SsmFake } from "../fakes/ssmFake";
import { installSsmFake } from "../fakes/ssmFake";
import { MARKER_DIR, recordingTask } from "../helpers/ssmTasksHarness";

/*
 * Bad input for both providers: every check failure and the exact text a user reads. The engine prints each one as
 * "<type> resource '<name>': property <property> value {<value>} has a problem: <reason>", so each reason must carry
 * the value, the rule, and what to do. check runs before anything is bought or sent: no AWS call may happen.
 */

type Failure = { property: string; reason: string };

describe("faults: bad input, as the user reads it", () => {
    describe("CapacityBlock check", () => {
        const NOW = Date.parse("2026-11-23T09:00:00Z");
        const VALID = {
            instanceType: "trn2.3xlarge", instanceCount: 1, durationHours: 24, maxUpfrontFee: "900", instancePlatform: "Linux/UNIX",
            selection: "cheapest", generation: 1, region: "sa-east-1", purchaseToken: "token-gen-1", identity: "copy-a",
        };
        const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
        let installed: InstalledMarket;
        beforeEach(() => {
            installed = install({ start: NOW, supply: [] });
        });
        afterEach(() => {
            expect(installed.market.calls, "a failed check calls no EC2 API").to.have.length(0);
            installed.restore();
        });

        async function failuresFor(change: Record<string, unknown>): Promise<Failure[]> {
            const { failures } = await provider.check({}, { ...VALID, ...change });
            return (failures ?? []).map((f) => ({ property: f.property, reason: f.reason }));
        }

        const DURATION_RULE = "use 24..336 in steps of 24, or 504..4368 in steps of 168";
        const cases: [string, Record<string, unknown>, Failure[]][] = [
            ["duration off the 24 h step", { durationHours: 30 }, [{ property: "durationHours", reason: `durationHours 30 is not a Capacity Block duration: ${DURATION_RULE} (nearest: 24 or 48)` }]],
            ["duration between the two ranges", { durationHours: 400 }, [{ property: "durationHours", reason: `durationHours 400 is not a Capacity Block duration: ${DURATION_RULE} (nearest: 336 or 504)` }]],
            ["duration off the 168 h step", { durationHours: 600 }, [{ property: "durationHours", reason: `durationHours 600 is not a Capacity Block duration: ${DURATION_RULE} (nearest: 504 or 672)` }]],
            ["count 0", { instanceCount: 0 }, [{ property: "instanceCount", reason: "instanceCount 0 is not allowed: a Capacity Block holds 1 to 64 instances" }]],
            ["count 65", { instanceCount: 65 }, [{ property: "instanceCount", reason: "instanceCount 65 is not allowed: a Capacity Block holds 1 to 64 instances" }]],
            ["fee empty", { maxUpfrontFee: "" }, [{ property: "maxUpfrontFee", reason: 'maxUpfrontFee "" must be a positive USD amount as a decimal string, e.g. "900"' }]],
            ["fee zero", { maxUpfrontFee: "0" }, [{ property: "maxUpfrontFee", reason: 'maxUpfrontFee "0" must be a positive USD amount as a decimal string, e.g. "900"' }]],
            ["fee negative", { maxUpfrontFee: "-900" }, [{ property: "maxUpfrontFee", reason: 'maxUpfrontFee "-900" must be a positive USD amount as a decimal string, e.g. "900"' }]],
            ["fee not a number", { maxUpfrontFee: "nine hundred" }, [{ property: "maxUpfrontFee", reason: 'maxUpfrontFee "nine hundred" must be a positive USD amount as a decimal string, e.g. "900"' }]],
            ["fee with a currency sign", { maxUpfrontFee: "$900" }, [{ property: "maxUpfrontFee", reason: 'maxUpfrontFee "$900" must be a positive USD amount as a decimal string, e.g. "900"' }]],
            ["fee missing", { maxUpfrontFee: undefined }, [{ property: "maxUpfrontFee", reason: "maxUpfrontFee (USD, decimal string) is required: it is the most a purchase may cost" }]],
            ["window in the past", { startBefore: "2026-11-22T00:00:00Z" }, [{ property: "startBefore",
                reason: "startBefore 2026-11-22T00:00:00.000Z is in the past (now 2026-11-23T09:00:00.000Z): no block can start in this window; set a later startBefore or remove it" }]],
            ["window ending before it starts", { startAfter: "2026-11-28T00:00:00Z", startBefore: "2026-11-26T00:00:00Z" }, [{ property: "startBefore",
                reason: "startBefore 2026-11-26T00:00:00.000Z is not after startAfter 2026-11-28T00:00:00.000Z; set startBefore later than startAfter" }]],
            ["start more than 8 weeks ahead", { startAfter: "2027-01-25T00:00:00Z" }, [{ property: "startAfter",
                reason: "startAfter 2027-01-25T00:00:00.000Z is more than 8 weeks ahead; Capacity Blocks start at most 8 weeks out (latest 2027-01-18T09:00:00.000Z); set an earlier startAfter" }]],
            ["a date that is not ISO 8601", { startAfter: "next tuesday" }, [{ property: "startAfter", reason: 'startAfter "next tuesday" is not an ISO 8601 date such as 2026-11-24T00:00:00Z' }]],
            ["unknown platform", { instancePlatform: "Windows" }, [{ property: "instancePlatform",
                reason: 'instancePlatform "Windows" is not sold as a Capacity Block; use one of: Linux/UNIX, Red Hat Enterprise Linux, RHEL with HA, SUSE Linux, Ubuntu Pro' }]],
            ["unknown selection", { selection: "fastest" }, [{ property: "selection", reason: 'selection "fastest" must be "cheapest" or "earliest"' }]],
            ["generation 0", { generation: 0 }, [{ property: "generation", reason: "generation 0 must be a whole number ≥ 1" }]],
            ["empty instance type", { instanceType: " " }, [{ property: "instanceType", reason: "instanceType must be an EC2 instance type such as trn2.3xlarge or p5.48xlarge" }]],
            ["an empty zone name", { availabilityZones: ["sa-east-1b", ""] }, [{ property: "availabilityZones", reason: "availabilityZones must be a list of zone names such as sa-east-1b" }]],
        ];
        for (const [what, change, expected] of cases) {
            it(`${what}: ${expected.map((f) => f.property).join(", ")}`, async () => {
                expect(await failuresFor(change)).to.deep.equal(expected);
            });
        }

        it("no region anywhere: tells how to set it", async () => {
            const previous = process.env.AWS_REGION;
            delete process.env.AWS_REGION;
            try {
                expect(await failuresFor({ region: undefined })).to.deep.equal([
                    { property: "region", reason: "no AWS region: run `pulumi config set aws:region <region>` (or set AWS_REGION)" },
                ]);
            } finally {
                if (previous !== undefined) process.env.AWS_REGION = previous;
            }
        });

        it("several mistakes at once are all reported in one go", async () => {
            const failures = await failuresFor({ durationHours: 30, instanceCount: 65, maxUpfrontFee: "0", selection: "fastest" });
            expect(failures.map((f) => f.property)).to.deep.equal(["instanceCount", "durationHours", "maxUpfrontFee", "selection"]);
        });
    });

    describe("SsmTasks check", () => {
        const I1 = "i-0123456789abcdef0";
        const provider = ssmTasksProvider;
        let fake: SsmFake;
        beforeEach(() => {
            fake = installSsmFake({ instances: [I1], markerDir: MARKER_DIR });
        });
        afterEach(() => {
            expect(fake.calls, "a failed check sends nothing to SSM").to.have.length(0);
            fake.restore();
        });

        async function failuresFor(change: Record<string, unknown>): Promise<Failure[]> {
            const news = { instanceIds: [I1], tasks: [recordingTask("a")], variables: {}, secrets: {}, region: "us-east-1", markerDir: MARKER_DIR, ...change };
            const { failures } = await provider.check!({}, news);
            return (failures ?? []).map((f) => ({ property: f.property, reason: f.reason }));
        }

        const TASK_ID_RULE = "/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/";
        const cases: [string, Record<string, unknown>, Failure[]][] = [
            ["unknown {{NAME}}", { tasks: [recordingTask("a", ["echo {{PROT}}"])], variables: { PORT: "8080" } },
                [{ property: "tasks", reason: 'task "a" uses {{PROT}}, which is neither in variables nor in secrets; add PROT to one of them or fix the name' }]],
            ["duplicate task id", { tasks: [recordingTask("a"), recordingTask("a")] }, [{ property: "tasks", reason: 'task "a" appears twice; task ids must be unique' }]],
            ["empty command list", { tasks: [{ id: "a", name: "A", commands: [] }] }, [{ property: "tasks", reason: 'task "a": commands must be a non-empty list of shell lines' }]],
            ["a command that is not a string", { tasks: [{ id: "a", name: "A", commands: ["true", 3] }] }, [{ property: "tasks", reason: 'task "a": every command must be a string' }]],
            ["no task at all", { tasks: [] }, [{ property: "tasks", reason: "tasks must be a non-empty list" }]],
            ["a task without a name", { tasks: [{ id: "a", name: " ", commands: ["true"] }] }, [{ property: "tasks", reason: 'task "a": name is required' }]],
            ["a task id that cannot name a marker file", { tasks: [{ id: "../etc", name: "A", commands: ["true"] }] },
                [{ property: "tasks", reason: `task "../etc": id must match ${TASK_ID_RULE} (it names marker files on the instance)` }]],
            ["timeoutSeconds 0", { tasks: [{ ...recordingTask("a"), timeoutSeconds: 0 }] }, [{ property: "tasks", reason: 'task "a": timeoutSeconds must be a whole number from 1 to 172800' }]],
            ["timeoutSeconds over SSM's 48 h", { tasks: [{ ...recordingTask("a"), timeoutSeconds: 172801 }] }, [{ property: "tasks", reason: 'task "a": timeoutSeconds must be a whole number from 1 to 172800' }]],
            ["oversized task", { tasks: [recordingTask("big", [`echo ${"x".repeat(70_000)}`])] },
                [{ property: "tasks", reason: 'task "big" alone exceeds SSM\'s 64 KB command size; move its content into a file the task downloads' }]],
            ["empty instanceIds", { instanceIds: [] }, [{ property: "instanceIds", reason: "give at least one instance id" }]],
            ["an instance id that is not one", { instanceIds: ["web-1"] }, [{ property: "instanceIds", reason: '"web-1" is not an EC2 or managed instance id' }]],
            ["the same instance twice", { instanceIds: [I1, I1] }, [{ property: "instanceIds", reason: "instance ids must be unique" }]],
            ["a variable name that is no shell name", { variables: { "my-port": "1" } }, [{ property: "variables", reason: 'variables name "my-port" must match /^[A-Za-z_][A-Za-z0-9_]*$/' }]],
            ["a name both variable and secret", { variables: { PW: "x" }, secrets: { PW: "/app/pw" } }, [{ property: "secrets", reason: '"PW" is both a variable and a secret; keep it in one' }]],
            ["a relative markerDir", { markerDir: "markers" }, [{ property: "markerDir", reason: 'markerDir "markers" must be an absolute path of letters, digits, \'.\', \'_\', \'-\' and \'/\'' }]],
            ["a markerDir climbing out", { markerDir: "/var/../etc" }, [{ property: "markerDir", reason: 'markerDir "/var/../etc" must be an absolute path of letters, digits, \'.\', \'_\', \'-\' and \'/\'' }]],
            ["negative agentWaitSeconds", { agentWaitSeconds: -1 }, [{ property: "agentWaitSeconds", reason: "agentWaitSeconds must be a whole number of seconds ≥ 0" }]],
        ];
        for (const [what, change, expected] of cases) {
            it(`${what}: ${expected.map((f) => f.property).join(", ")}`, async () => {
                expect(await failuresFor(change)).to.deep.equal(expected);
            });
        }

        it("a password put in secrets by mistake is never echoed, not even through the engine's property value", async () => {
            const failures = await failuresFor({ secrets: { PASSWORD: "hunter2 'quoted'" } });
            expect(failures).to.deep.equal([{ property: "", reason: "secrets.PASSWORD is not an SSM parameter name or Secrets Manager ARN: " +
                "give a reference such as /capblocks/dev/password or arn:aws:secretsmanager:…, never the secret itself (its value is not shown here in case it is one)" }]);
            expect(JSON.stringify(failures)).to.not.contain("hunter2");
        });
    });
});
