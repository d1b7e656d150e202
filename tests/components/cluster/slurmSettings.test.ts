import { expect } from "chai";
import { PCS_QUEUE_SETTINGS, queueSlurmSettings } from "../../../components/cluster/slurmSettings";

describe("queue Slurm settings", () => {
    // PCS user guide "Custom Slurm settings for AWS PCS queues".
    it("gives each job whole nodes by default, with a setting PCS accepts on a queue, and nothing when asked not to", () => {
        const settings = queueSlurmSettings({ exclusiveNodes: true });
        expect(settings).to.deep.equal([{ parameterName: "OverSubscribe", parameterValue: "EXCLUSIVE" }]);
        for (const s of settings) expect(PCS_QUEUE_SETTINGS).to.include(s.parameterName);
        expect(queueSlurmSettings({ exclusiveNodes: false })).to.deep.equal([]);
    });
});
