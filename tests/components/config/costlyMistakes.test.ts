/**
 * #6: no silent on-demand Capacity Block hardware. A reservation set under a look-alike namespace (never read), or
 * left out, must not quietly turn into an on-demand p5/p6/trn instance billed by the hour.
 */
import { expect } from "chai";
import type { RawStackConfig } from "../../../components/config";
import { ConfigError, rawStackConfigFrom, validateStackConfig } from "../../../components/config";
import { looksLikeOurNamespace } from "../../../components/config/namespaces";
import { isBlockHardware } from "../../../components/shared/catalog";

const ON_DEMAND_P5 =
    'capblocks:codeServer.instanceType: "p5.48xlarge" is Capacity Block hardware and there is no capblocks:reservation, so it would run on demand, ' +
    "billed by the hour (tens of USD an hour per instance) until `pulumi destroy`; set capblocks:reservation to run it on a Capacity Block, " +
    "or set capblocks:codeServer.onDemand: true to run it on demand on purpose";

function problemsOf(raw: RawStackConfig): string[] {
    try {
        validateStackConfig(raw);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

/** The raw config as Pulumi hands it over (flat keys, objects as JSON text). */
const raw = (values: Record<string, unknown>) => rawStackConfigFrom(
    Object.fromEntries(Object.entries({ "aws:region": "us-east-2", ...values }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    "capblocks", "dev",
);

describe("config: no silent on-demand block hardware", () => {
    it("refuses block hardware without a reservation unless onDemand: true says so, naming the cost and both ways out", () => {
        for (const type of ["p5.48xlarge", "p6-b300.48xlarge", "trn2.3xlarge", "trn1n.32xlarge", "p4de.24xlarge"]) {
            const problems = problemsOf(raw({ "capblocks:codeServer": { instanceType: type } }));
            expect(problems, type).to.deep.equal([ON_DEMAND_P5.replace("p5.48xlarge", type)]);
        }
        expect(problemsOf(raw({ "capblocks:codeServer": { instanceType: "p5.48xlarge", onDemand: true } }))).to.deep.equal([]);
    });

    it("needs no opt-in for other on-demand types, nor for block hardware on a block", () => {
        expect(problemsOf(raw({ "capblocks:codeServer": { instanceType: "g7e.2xlarge" } }))).to.deep.equal([]);
        expect(problemsOf(raw({ "capblocks:codeServer": { instanceType: "inf2.8xlarge" } }))).to.deep.equal([]);
        expect(problemsOf(raw({ "capblocks:reservation": { instanceType: "p5.48xlarge", durationHours: 24, maxUpfrontFee: "3000" } }))).to.deep.equal([]);
    });

    it("says onDemand does nothing next to a reservation", () => {
        expect(problemsOf(raw({
            "capblocks:reservation": { instanceType: "p5.48xlarge", durationHours: 24, maxUpfrontFee: "3000" },
            "capblocks:codeServer": { onDemand: true },
        }))).to.deep.equal(["capblocks:codeServer.onDemand: only applies without capblocks:reservation; with a block the instance runs on the block (remove onDemand)"]);
    });

    it("takes every block-eligible type of the catalog, and the block families' newer types, as block hardware", () => {
        for (const type of ["p4d.24xlarge", "p5.4xlarge", "p5e.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge", "p6e-gb200.36xlarge", "trn1.2xlarge", "trn2u.48xlarge"]) {
            expect(isBlockHardware(type), type).to.equal(true);
        }
        for (const type of ["g7e.48xlarge", "g6e.xlarge", "inf2.48xlarge", "m7i.large", "p3dn.24xlarge"]) expect(isBlockHardware(type), type).to.equal(false);
    });
});

describe("config: keys in a namespace that looks like capblocks", () => {
    it("names the key capblocks reads instead, whatever the spelling", () => {
        const reservation = { instanceType: "p5.48xlarge", durationHours: 24, maxUpfrontFee: "3000" };
        expect(problemsOf(raw({ "capblock:reservation": reservation, "capblocks:codeServer": { enabled: false } }))).to.deep.equal([
            'capblock:reservation: is in namespace "capblock", which capblocks does not read (the stack would run without it); rename it to capblocks:reservation',
        ]);
        expect(problemsOf(raw({ "Capblocks:codeserver.instanceType": "p5.48xlarge", "capacity-blocks:tags": {}, "capblocks-alice:cluster": {} }))).to.include.members([
            'Capblocks:codeserver.instanceType: is in namespace "Capblocks", which capblocks does not read (the stack would run without it); rename it to capblocks:codeServer.instanceType',
            'capacity-blocks:tags: is in namespace "capacity-blocks", which capblocks does not read (the stack would run without it); rename it to capblocks:tags',
            'capblocks-alice:cluster: is in namespace "capblocks-alice", which capblocks does not read (the stack would run without it); rename it to capblocks:cluster',
        ]);
        expect(problemsOf(raw({ "capbloks:budget": "1" }))).to.include(
            'capbloks:budget: is in namespace "capbloks", which capblocks does not read (the stack would run without it); ' +
                "capblocks reads capblocks:reservation, capblocks:codeServer, capblocks:cluster, capblocks:tags",
        );
    });

    it("leaves other namespaces alone", () => {
        for (const ns of ["aws", "pulumi", "random", "aws-native", "myapp", "blocks", "capblocks"]) expect(looksLikeOurNamespace(ns), ns).to.equal(false);
        for (const ns of ["capblock", "CAPBLOCKS", "cap-blocks", "capblocks_dev", "capacityblocks", "CapacityBlocks", "capbloks", "capblcks"]) {
            expect(looksLikeOurNamespace(ns), ns).to.equal(true);
        }
    });
});
