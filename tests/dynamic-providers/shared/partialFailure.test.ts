import { expect } from "chai";
import { keptInState, stateOnlyProvider } from "../../../dynamic-providers/shared/partialFailure";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => Provider };
interface Provider {
    read(id: string, props: Record<string, unknown>): Promise<{ id: string; props: Record<string, unknown> }>;
    delete(id: string, props: Record<string, unknown>): Promise<void>;
}

describe("partial failures kept in state", () => {
    // The host never sends an ErrorResourceInitFailed trailer over ~60,000 bytes (tests/host/ shows it with a real
    // code-server-sized task list), so the properties must not carry the full serialized provider.
    it("carry a state-only provider a few hundred characters long, with the id, progress and message", () => {
        const err = keptInState("task b failed", "ssmtasks-1", { taskStates: { a: { status: "success" } } }) as Error & Record<string, unknown>;
        expect(err.message).to.equal("task b failed");
        expect(err).to.include({ id: "ssmtasks-1" });
        expect(err.reasons).to.deep.equal(["task b failed"]);
        const properties = err.properties as Record<string, unknown>;
        expect(properties.taskStates).to.deep.equal({ a: { status: "success" } });
        expect(String(properties.__provider)).to.have.length.below(1000);
    });

    it("revived the way the host revives it: refresh keeps the state as it is, destroy calls nothing and says why", async () => {
        const provider = requireFromString(stateOnlyProvider("Capacity Block cr-1 cannot be cancelled")).handler();
        const props = { reservationId: "cr-1", state: "payment-pending" };
        expect(await provider.read("cr-1", props)).to.deep.equal({ id: "cr-1", props });
        const printed: string[] = [];
        const log = console.log;
        console.log = (line: string) => printed.push(line);
        try {
            await provider.delete("cr-1", props);
        } finally {
            console.log = log;
        }
        expect(printed).to.deep.equal(["Capacity Block cr-1 cannot be cancelled"]);
    });
});
