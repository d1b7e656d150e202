import { expect } from "chai";
import { buildFrom, deferHourlyParts, deferredStep, LEAD_HOURS, nodeImageReadyStep } from "../../../components/cluster/deferral";

const NOW = new Date("2026-11-30T06:00:00.000Z");
const HOUR = 3600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString();

describe("when the cluster's hourly parts are built", () => {
    it("waits while a scheduled or payment-pending block starts more than 48 hours from now", () => {
        expect(LEAD_HOURS).to.equal(48);
        for (const state of ["scheduled", "payment-pending"]) {
            expect(deferHourlyParts({ known: { state, startDate: at(48.5) }, built: false, now: NOW }), state).to.equal(true);
            expect(deferHourlyParts({ known: { state, startDate: at(47.5) }, built: false, now: NOW }), state).to.equal(false);
        }
    });

    it("waits on the run that buys the block (its start is not known yet)", () => {
        expect(deferHourlyParts({ built: false, now: NOW })).to.equal(true);
    });

    it("builds for an active, ended or otherwise unusual block, and never takes back what was built", () => {
        for (const state of ["active", "expired", "payment-failed"]) {
            expect(deferHourlyParts({ known: { state, startDate: at(500) }, built: false, now: NOW }), state).to.equal(false);
        }
        expect(deferHourlyParts({ known: { state: "scheduled", startDate: at(500) }, built: true, now: NOW })).to.equal(false);
        expect(deferHourlyParts({ built: true, now: NOW })).to.equal(false);
    });

    it("says from when to run up: 48 hours before the start, or now when that has passed", () => {
        expect(buildFrom(at(100), NOW)).to.equal(at(52));
        expect(buildFrom(at(10), NOW)).to.equal(NOW.toISOString());
        expect(deferredStep(at(100), NOW, "efs")).to.equal(
            "The cluster's hourly parts (the NAT gateway, the PCS controller, the login node, the node groups and the queue) are not built yet, " +
                `so they bill nothing before the block: run \`pulumi up\` again from ${at(52)}, before the block starts at ${at(100)} to build them in time.`,
        );
        expect(deferredStep(at(10), NOW, "fsx-lustre")).to.match(/login node, FSx for Lustre, the node groups .*run `pulumi up` again now \(the block starts at .*, within 48 hours\)/);
    });

    it("names the node image capblocks builds among what waits, and says when it is ready", () => {
        expect(deferredStep(at(100), NOW, "efs", true)).to.include("the login node, the node image (built with them, about an hour), the node groups");
        expect(nodeImageReadyStep("ami-0node", at(30))).to.equal(`The node image ami-0node is ready: the nodes boot it when the block starts at ${at(30)}.`);
    });
});
