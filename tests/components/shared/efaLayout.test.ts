import { expect } from "chai";
import { instanceFacts } from "../../../components/shared/catalog";
import { efaInterfaces, efaLayoutOf } from "../../../components/shared/efaLayout";

const layout = (type: string) => efaInterfaces(instanceFacts(type), ["sg-1"], "subnet-1");

describe("efaInterfaces", () => {
    // EC2 guide "Maximize network bandwidth ... multiple network cards": one EFA per card.
    for (const [type, count] of [
        ["p5.48xlarge", 32],
        ["p5en.48xlarge", 16],
        ["trn2.48xlarge", 16],
        ["p6-b200.48xlarge", 8],
    ] as const) {
        it(`gives ${type} ${count} EFA interfaces, one per network card`, () => {
            const nics = layout(type);
            expect(nics).to.have.length(count);
            expect(nics.map((n) => n.networkCardIndex)).to.deep.equal([...Array(count).keys()]);
            expect(nics.every((n) => n.interfaceType === "efa")).to.equal(true);
        });
    }

    it("puts card 0 at device index 0 and every other card at device index 1", () => {
        const nics = layout("p5en.48xlarge");
        expect(nics[0].deviceIndex).to.equal(0);
        expect(nics.slice(1).every((n) => n.deviceIndex === 1)).to.equal(true);
    });

    // PCS guide: with interfaces defined, security groups must be set on each interface (Groups).
    it("puts the security groups and subnet on every interface", () => {
        const nics = efaInterfaces(instanceFacts("p6-b200.48xlarge"), ["sg-a", "sg-b"], "subnet-x");
        for (const n of nics) {
            expect(n.securityGroups).to.deep.equal(["sg-a", "sg-b"]);
            expect(n.subnetId).to.equal("subnet-x");
        }
    });

    it("gives a type without EFA no interfaces", () => {
        expect(layout("g6e.2xlarge")).to.deep.equal([]);
        expect(layout("m7i.large")).to.deep.equal([]);
    });

    // 17 cards, EFA on 1-16 (docs/aws-notes.md#efa-network-cards): card 0 keeps a plain ENA primary interface.
    it("gives p6-b300.48xlarge a plain ENA primary on card 0 and EFA on cards 1-16", () => {
        const nics = layout("p6-b300.48xlarge");
        expect(nics).to.have.length(17);
        expect(nics[0]).to.include({ networkCardIndex: 0, deviceIndex: 0, interfaceType: "interface" });
        expect(nics.slice(1).map((n) => n.networkCardIndex)).to.deep.equal([...Array(16).keys()].map((i) => i + 1));
        expect(nics.slice(1).every((n) => n.interfaceType === "efa" && n.deviceIndex === 1)).to.equal(true);
        expect(efaLayoutOf(instanceFacts("p6-b300.48xlarge"))).to.deep.equal({ count: 16, firstCard: 1 });
    });

    describe("the override for a type the catalog does not know (capblocks:cluster.efaInterfaces)", () => {
        const unknown = instanceFacts("p7.48xlarge");

        it("puts a count of EFA interfaces on cards 0..count-1", () => {
            expect(layout("p7.48xlarge")).to.deep.equal([]);
            const nics = efaInterfaces(unknown, ["sg-1"], "subnet-1", 8);
            expect(nics.map((n) => [n.networkCardIndex, n.deviceIndex, n.interfaceType])).to.deep.equal(
                [...Array(8).keys()].map((card) => [card, card === 0 ? 0 : 1, "efa"]),
            );
        });

        it("starts at card 1 with a plain ENA primary when asked (firstCard: 1)", () => {
            const nics = efaInterfaces(unknown, ["sg-1"], "subnet-1", { count: 4, firstCard: 1 });
            expect(nics.map((n) => [n.networkCardIndex, n.interfaceType])).to.deep.equal([
                [0, "interface"], [1, "efa"], [2, "efa"], [3, "efa"], [4, "efa"],
            ]);
        });

        it("turns EFA off with 0, and changes a known type's layout too", () => {
            expect(efaInterfaces(instanceFacts("p5.48xlarge"), ["sg-1"], "subnet-1", 0)).to.deep.equal([]);
            expect(efaInterfaces(instanceFacts("p5.48xlarge"), ["sg-1"], "subnet-1", 4)).to.have.length(4);
        });
    });
});
