import { expect } from "chai";
import { INPUTS, START, SUPPLY } from "../../helpers/capacityBlockMarket";
import { failure } from "../../helpers/failure";
import { capacityBlockProvider } from "../../../dynamic-providers/capacityBlock";
import { ec2For } from "../../../dynamic-providers/capacityBlock/ec2";
import { claimRecord, readRecord, recordStoreFor } from "../../../dynamic-providers/capacityBlock/recordStore";
import { blockRecordName, closesAt, decodeRecord, isOpen, OPEN_PURCHASE_MS } from "../../../dynamic-providers/capacityBlock/records";
import type { BlockRecord } from "../../../dynamic-providers/capacityBlock/records";
import type { InstalledMarket } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

// Purchase records in SSM: PutParameter with Overwrite=false fails with ParameterAlreadyExists when the parameter
// exists (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html), so of two writers one wins.
const provider = capacityBlockProvider as Required<typeof capacityBlockProvider>;
const RECORD: BlockRecord = {
    kind: "block", identity: "copy-a", nonce: "n-1", sentAt: "2026-11-23T09:00:00.000Z",
    offering: { offeringId: "cbo-1", availabilityZone: "sa-east-1c", instanceType: "trn2.3xlarge", instanceCount: 1, startDate: "2026-11-29T11:30:00.000Z",
        endDate: "2026-11-30T11:30:00.000Z", upfrontFee: "720.00", currencyCode: "USD" },
};

describe("capacity block purchase records", () => {
    it("stay open for 15 minutes after the purchase was sent", () => {
        expect(OPEN_PURCHASE_MS).to.equal(15 * 60_000);
        expect(isOpen(RECORD, Date.parse("2026-11-23T09:14:59.999Z"))).to.equal(true);
        expect(isOpen(RECORD, Date.parse("2026-11-23T09:15:00.000Z"))).to.equal(false);
        expect(closesAt(RECORD)).to.equal("2026-11-23T09:15:00.000Z");
    });

    it("read back only what capblocks wrote", () => {
        expect(decodeRecord(JSON.stringify(RECORD))).to.deep.equal(RECORD);
        for (const text of ["", "cr-0123", "{}", JSON.stringify({ ...RECORD, sentAt: "yesterday" }), JSON.stringify({ ...RECORD, offering: {} })]) {
            expect(decodeRecord(text), text).to.equal(undefined);
        }
    });

    describe("in SSM", () => {
        let installed: InstalledMarket;
        beforeEach(() => {
            installed = install({ start: START, supply: SUPPLY });
        });
        afterEach(() => installed.restore());
        const store = async () => recordStoreFor(await ec2For({ region: "sa-east-1" }));
        const name = blockRecordName("token-gen-1");

        it("one writer wins: a second claim gets the first one's record; a resent write of one's own counts as written", async () => {
            const s = await store();
            expect(await claimRecord(s, name, RECORD)).to.equal("written");
            expect(await claimRecord(s, name, { ...RECORD, identity: "copy-b", nonce: "n-2" })).to.deep.equal({ record: RECORD });
            expect(await claimRecord(s, name, RECORD), "the SDK resent our own write after a lost answer").to.equal("written");
            expect(await readRecord(s, blockRecordName("other"))).to.equal(undefined);
        });

        it("a parameter on the path that holds no record stops the purchase, saying how to clear it", async () => {
            installed.market.seedParameter(name, "hello");
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.equal(`CapacityBlock: SSM parameter ${name} does not hold a capblocks purchase record; nothing was bought. capblocks ` +
                `writes it just before a purchase and reads it to never buy twice. Look at it (aws ssm get-parameter --name ${name}); delete it once you ` +
                "know no purchase is open, then run `pulumi up` again.");
            expect(installed.market.count("PurchaseCapacityBlock")).to.equal(0);
        });

        it("the record's client takes the EC2 clients' region (and credentials)", async () => {
            const s = await store();
            expect(await s.client.config.region()).to.equal("sa-east-1");
        });
    });
});
