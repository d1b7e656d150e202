import { expect } from "chai";
import { DescribeInstanceInformationCommand, ListCommandInvocationsCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { allPages } from "../../../dynamic-providers/shared/pages";
import { describeAgents, runOnInstances } from "../../../dynamic-providers/ssmTasks/runner";
import { failure } from "../../helpers/failure";

// The SDK's paginators (@smithy/core createPaginator) ask for the next page while the answer carries a NextToken; with
// `stopOnSameToken` they stop on a token equal to the last one, and never stop on a cycle. allPages ends every listing.
type Page = { NextToken?: string; items: number[] };

/** A paginator over `tokens`: page i answers tokens[i] as its NextToken (undefined ends it); records the settings it got. */
function paginator(tokens: (string | undefined)[], seen: unknown[] = []) {
    return (settings: unknown): AsyncIterable<Page> => {
        seen.push(settings);
        return (async function* () {
            for (let i = 0; ; i++) {
                const token = tokens[Math.min(i, tokens.length - 1)];
                yield { NextToken: token, items: [i] };
                if (!token) return;
            }
        })();
    };
}

describe("every paginated read ends", () => {
    it("reads every page of a listing that ends, with stopOnSameToken set", async () => {
        const seen: unknown[] = [];
        const pages = await allPages("Listing", paginator(["a", "b", undefined], seen));
        expect(pages.map((p) => p.items[0])).to.deep.equal([0, 1, 2]);
        expect(seen).to.deep.equal([{ stopOnSameToken: true }]);
    });

    it("stops with an error naming the read when a token comes back, in a row or in a cycle", async () => {
        const same = await failure(allPages("DescribeThings", paginator(["a", "a"])));
        expect(same.name).to.equal("PaginationError");
        expect(same.message).to.equal("DescribeThings: AWS answered page 2 with a page token it had already given (a); the listing would never end, so it was stopped");
        const cycle = await failure(allPages("DescribeThings", paginator(["a", "b", "a"])));
        expect(cycle.message).to.contain("page 3 with a page token it had already given (a)");
    });

    it("stops after 100 pages that all say there is more", async () => {
        const tokens = Array.from({ length: 150 }, (_, i) => `t${i}`);
        const err = await failure(allPages("DescribeMany", paginator(tokens)));
        expect(err.message).to.equal("DescribeMany: still more pages after 100; the listing was stopped there");
    });

    describe("SsmTasks' SSM listings", () => {
        const client = new SSMClient({ region: "us-east-1" });
        let ssm: ReturnType<typeof mockClient>;
        beforeEach(() => {
            ssm = mockClient(SSMClient);
        });
        afterEach(() => ssm.restore());

        it("DescribeInstanceInformation answering the same NextToken forever ends with an error", async () => {
            ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: "i-1", PingStatus: "Online" }], NextToken: "again" });
            const err = await failure(describeAgents(client, ["i-1"]));
            expect(err.message).to.match(/^SSM DescribeInstanceInformation: AWS answered page 2 with a page token it had already given/);
            expect(ssm.commandCalls(DescribeInstanceInformationCommand)).to.have.length(2);
        });

        it("ListCommandInvocations answering the same NextToken forever ends with an error", async () => {
            ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c-1" } });
            ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [], NextToken: "again" });
            const clock = { now: () => 0, sleep: async () => undefined, notify: () => undefined };
            const run = runOnInstances(client, { instanceIds: ["i-1"], script: "true", executionTimeoutSeconds: 60, comment: "" }, () => true, clock);
            expect((await failure(run)).message).to.match(/^SSM ListCommandInvocations: AWS answered page 2 with a page token it had already given/);
        });
    });
});
