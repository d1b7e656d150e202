import { expect } from "chai";
import { coversEverything, hasHostBits, networkOf, parseCidr, singleAddressOf } from "../../../components/shared/cidr";

const cidr = (text: string) => {
    const parsed = parseCidr(text);
    if (!parsed) throw new Error(`${text} did not parse`);
    return parsed;
};

describe("CIDR blocks", () => {
    it("reads IPv4 and IPv6 blocks, and nothing else", () => {
        expect(cidr("203.0.113.0/24")).to.include({ family: 4, prefix: 24 });
        expect(cidr("2001:db8::/56")).to.include({ family: 6, prefix: 56 });
        expect(cidr("::/0")).to.include({ family: 6, prefix: 0, address: 0n });
        expect(cidr("2001:db8:0:0:0:0:0:1/128").address).to.equal(cidr("2001:db8::1/128").address);
        for (const bad of ["203.0.113.300/32", "203.0.113.0/33", "203.0.113.0", "2001:db8::/129", "2001:db8:::1/64", "1:2:3:4:5:6:7:8:9/64", "x/1", "::g/64"]) {
            expect(parseCidr(bad), bad).to.equal(undefined);
        }
    });

    // EC2 refuses a security group rule whose CIDR has host bits set.
    it("finds host bits, and says what the network and the single address are", () => {
        expect(hasHostBits(cidr("203.0.113.7/24"))).to.equal(true);
        expect(networkOf(cidr("203.0.113.7/24"))).to.equal("203.0.113.0/24");
        expect(singleAddressOf(cidr("203.0.113.7/24"))).to.equal("203.0.113.7/32");
        expect(hasHostBits(cidr("203.0.113.7/32"))).to.equal(false);
        expect(hasHostBits(cidr("2001:db8::1/64"))).to.equal(true);
        expect(networkOf(cidr("2001:db8:0:0:1::1/64"))).to.equal("2001:db8::/64");
        expect(singleAddressOf(cidr("2001:db8:0:0:1::1/64"))).to.equal("2001:db8::1:0:0:1/128");
        expect(hasHostBits(cidr("0.0.0.0/0"))).to.equal(false);
    });

    it("knows a /0 is everyone", () => {
        expect(coversEverything(cidr("0.0.0.0/0"))).to.equal(true);
        expect(coversEverything(cidr("::/0"))).to.equal(true);
        expect(coversEverything(cidr("0.0.0.0/1"))).to.equal(false);
    });
});
