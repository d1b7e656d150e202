import { expect } from "chai";
import { instanceFacts } from "../../../components/shared/catalog";
import { efaInterfaces } from "../../../components/shared/efaLayout";

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
});
