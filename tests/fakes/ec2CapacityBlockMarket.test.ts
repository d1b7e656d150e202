import { expect } from "chai";
import {
    DescribeCapacityBlockOfferingsCommand, DescribeCapacityReservationsCommand, EC2Client, PurchaseCapacityBlockCommand,
} from "@aws-sdk/client-ec2";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { InstalledMarket } from "./ec2CapacityBlockMarket";
import { install } from "./ec2CapacityBlockMarket";

// The fake is reused by later suites; these tests pin the AWS behaviours it models
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks.html).
describe("EC2 capacity-block market fake", () => {
    let installed: InstalledMarket;
    const ec2 = new EC2Client({ region: "sa-east-1" });
    const HOUR = 3600_000;
    beforeEach(() => {
        installed = install({
            start: Date.parse("2026-11-23T09:00:00Z"), paymentDelayMs: 10 * 60_000, pageSize: 2,
            supply: [{ instanceType: "p5.48xlarge", availabilityZone: "sa-east-1a", maxCount: 2, pricePerInstanceHour: 31.5, startDays: [1, 2, 3] }],
        });
    });
    afterEach(() => installed.restore());

    const search = async () => {
        const first = await ec2.send(new DescribeCapacityBlockOfferingsCommand({ InstanceType: "p5.48xlarge", InstanceCount: 1, CapacityDurationHours: 24 }));
        const second = await ec2.send(new DescribeCapacityBlockOfferingsCommand({ InstanceType: "p5.48xlarge", InstanceCount: 1, CapacityDurationHours: 24, NextToken: first.NextToken }));
        return [...(first.CapacityBlockOfferings ?? []), ...(second.CapacityBlockOfferings ?? [])];
    };

    it("pages offerings with NextToken, fees as decimal strings, blocks starting at 11:30 UTC, IDs new on every search", async () => {
        const a = await search();
        expect(a).to.have.length(3);
        expect(a[0]).to.include({ UpfrontFee: "756.00", CurrencyCode: "USD" });
        expect(a.every((o) => new Date(o.StartDate as Date).toISOString().endsWith("T11:30:00.000Z"))).to.equal(true);
        const b = await search();
        expect(b.map((o) => o.CapacityBlockOfferingId)).to.not.include.members(a.map((o) => o.CapacityBlockOfferingId));
        const tooMany = await ec2.send(new DescribeCapacityBlockOfferingsCommand({ InstanceType: "p5.48xlarge", InstanceCount: 3, CapacityDurationHours: 24 }));
        expect(tooMany.CapacityBlockOfferings).to.deep.equal([]);
    });

    it("moves a purchase payment-pending → scheduled → active → expired with the clock, honouring tag filters", async () => {
        const [offer] = await search();
        const bought = await ec2.send(new PurchaseCapacityBlockCommand({
            CapacityBlockOfferingId: offer.CapacityBlockOfferingId, InstancePlatform: "Linux/UNIX",
            TagSpecifications: [{ ResourceType: "capacity-reservation", Tags: [{ Key: "k", Value: "v" }] }],
        }));
        const id = bought.CapacityReservation?.CapacityReservationId as string;
        expect(bought.CapacityReservation?.State).to.equal("payment-pending");
        const state = async () => (await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [id] }))).CapacityReservations?.[0];
        installed.market.advance(10 * 60_000);
        expect(await state()).to.include({ State: "scheduled", AvailableInstanceCount: 0 });
        installed.market.advance(Date.parse("2026-11-24T12:00:00Z") - installed.market.clock.now());
        expect(await state()).to.include({ State: "active", AvailableInstanceCount: 1 });
        installed.market.advance(24 * HOUR);
        expect(await state()).to.include({ State: "expired" });
        const byTag = await ec2.send(new DescribeCapacityReservationsCommand({ Filters: [{ Name: "tag:k", Values: ["v"] }] }));
        expect(byTag.CapacityReservations?.map((r) => r.CapacityReservationId)).to.deep.equal([id]);
        const other = await ec2.send(new DescribeCapacityReservationsCommand({ Filters: [{ Name: "tag:k", Values: ["w"] }] }));
        expect(other.CapacityReservations).to.deep.equal([]);
    });

    it("sells an offering once, and a second purchase of it fails as expired; counts calls per operation", async () => {
        const [offer] = await search();
        const buy = () => ec2.send(new PurchaseCapacityBlockCommand({ CapacityBlockOfferingId: offer.CapacityBlockOfferingId, InstancePlatform: "Linux/UNIX" }));
        await buy();
        const err = await buy().then(() => undefined, (e: Error) => e);
        expect(err?.name).to.equal("InvalidCapacityBlockOfferingIdExpired");
        expect(installed.market.count("PurchaseCapacityBlock")).to.equal(2);
        expect(installed.market.reservationIds()).to.have.length(1);
    });

    it("injects throttling and lost answers (the purchase happens, the answer does not arrive)", async () => {
        installed.market.throttle("DescribeCapacityBlockOfferings", 1);
        const throttled = await search().then(() => undefined, (e: Error) => e);
        expect(throttled?.name).to.equal("RequestLimitExceeded");
        const [offer] = await search();
        installed.market.loseNextPurchaseAnswer();
        const lost = await ec2.send(new PurchaseCapacityBlockCommand({ CapacityBlockOfferingId: offer.CapacityBlockOfferingId, InstancePlatform: "Linux/UNIX" })).then(() => undefined, (e: Error) => e);
        expect(lost?.name).to.equal("TimeoutError");
        expect(installed.market.reservationIds()).to.have.length(1);
    });

    it("offers same-day blocks ending at 11:30 UTC with extra minutes, in the supply's currency", async () => {
        installed.restore();
        installed = install({
            start: Date.parse("2026-11-23T09:00:00Z"),
            supply: [{ instanceType: "p5.48xlarge", availabilityZone: "sa-east-1a", maxCount: 2, pricePerInstanceHour: 10, startDays: [], sameDayStartMinutes: [115, 215], currencyCode: "GBP" }],
        });
        const { CapacityBlockOfferings: offers = [] } = await ec2.send(new DescribeCapacityBlockOfferingsCommand({ InstanceType: "p5.48xlarge", InstanceCount: 1, CapacityDurationHours: 24, MaxResults: 2 }));
        expect(offers.map((o) => [new Date(o.StartDate as Date).toISOString(), new Date(o.EndDate as Date).toISOString(), o.CapacityBlockDurationHours, o.CapacityBlockDurationMinutes, o.CurrencyCode]))
            .to.deep.equal([
                ["2026-11-23T10:55:00.000Z", "2026-11-24T11:30:00.000Z", 24, 35, "GBP"],
                ["2026-11-23T12:35:00.000Z", "2026-11-24T11:30:00.000Z", 22, 55, "GBP"],
            ]);
    });

    it("lists a new block at once but not by a tag filter while the tag index lags; repeats a NextToken when asked", async () => {
        const [offer] = await search();
        installed.market.lagTagFilterFor(3 * 60_000);
        await ec2.send(new PurchaseCapacityBlockCommand({ CapacityBlockOfferingId: offer.CapacityBlockOfferingId, InstancePlatform: "Linux/UNIX",
            TagSpecifications: [{ ResourceType: "capacity-reservation", Tags: [{ Key: "k", Value: "v" }] }] }));
        const byTag = () => ec2.send(new DescribeCapacityReservationsCommand({ Filters: [{ Name: "tag:k", Values: ["v"] }] }));
        const byFacts = await ec2.send(new DescribeCapacityReservationsCommand({ Filters: [{ Name: "instance-type", Values: ["p5.48xlarge"] }, { Name: "availability-zone", Values: ["sa-east-1a"] }] }));
        expect(byFacts.CapacityReservations).to.have.length(1);
        expect((await byTag()).CapacityReservations).to.deep.equal([]);
        installed.market.advance(3 * 60_000);
        expect((await byTag()).CapacityReservations).to.have.length(1);
        installed.market.repeatNextToken("DescribeCapacityReservations");
        expect((await ec2.send(new DescribeCapacityReservationsCommand({ NextToken: "t" }))).NextToken).to.equal("t");
    });

    it("dies right after a purchase answered when asked: every later call fails until revived", async () => {
        const [offer] = await search();
        installed.market.killAfterNextPurchase();
        await ec2.send(new PurchaseCapacityBlockCommand({ CapacityBlockOfferingId: offer.CapacityBlockOfferingId, InstancePlatform: "Linux/UNIX" }));
        const dead = await search().then(() => undefined, (e: Error) => e);
        expect(dead?.message).to.equal("process killed");
        installed.market.revive();
        expect(await search()).to.have.length.greaterThan(0);
    });

    it("keeps SSM parameters: create-only puts conflict, missing names are not found", async () => {
        const ssm = new SSMClient({ region: "sa-east-1" });
        await ssm.send(new PutParameterCommand({ Name: "/p", Value: "1", Type: "String", Overwrite: false }));
        const again = await ssm.send(new PutParameterCommand({ Name: "/p", Value: "2", Type: "String", Overwrite: false })).then(() => undefined, (e: Error) => e);
        expect(again?.name).to.equal("ParameterAlreadyExists");
        expect((await ssm.send(new GetParameterCommand({ Name: "/p" }))).Parameter?.Value).to.equal("1");
        await ssm.send(new DeleteParameterCommand({ Name: "/p" }));
        const gone = await ssm.send(new GetParameterCommand({ Name: "/p" })).then(() => undefined, (e: Error) => e);
        expect(gone?.name).to.equal("ParameterNotFound");
    });
    it("is regional: a client sees its own Region's offerings and blocks; searches side by side page their own results", async () => {
        installed.restore();
        installed = install({
            start: Date.parse("2026-11-23T09:00:00Z"), pageSize: 1,
            supply: [
                { instanceType: "p5.48xlarge", availabilityZone: "sa-east-1a", maxCount: 2, pricePerInstanceHour: 31.5, startDays: [1, 2] },
                { instanceType: "p5.48xlarge", availabilityZone: "us-east-2b", maxCount: 2, pricePerInstanceHour: 30, startDays: [3, 4] },
            ],
        });
        const us = new EC2Client({ region: "us-east-2" });
        const ask = (client: EC2Client, NextToken?: string) =>
            client.send(new DescribeCapacityBlockOfferingsCommand({ InstanceType: "p5.48xlarge", InstanceCount: 1, CapacityDurationHours: 24, NextToken }));
        const [sa1, us1] = await Promise.all([ask(ec2), ask(us)]);
        const [sa2, us2] = await Promise.all([ask(ec2, sa1.NextToken), ask(us, us1.NextToken)]);
        const zones = (pages: typeof sa1[]) => pages.flatMap((p) => p.CapacityBlockOfferings ?? []).map((o) => o.AvailabilityZone);
        expect(zones([sa1, sa2])).to.deep.equal(["sa-east-1a", "sa-east-1a"]);
        expect(zones([us1, us2])).to.deep.equal(["us-east-2b", "us-east-2b"]);
        installed.market.seedReservation({ instanceType: "p5.48xlarge", instanceCount: 1, availabilityZone: "us-east-2b", start: Date.parse("2026-11-24T11:30:00Z"), hours: 24, tags: {} });
        expect((await ec2.send(new DescribeCapacityReservationsCommand({}))).CapacityReservations).to.deep.equal([]);
        expect((await us.send(new DescribeCapacityReservationsCommand({}))).CapacityReservations).to.have.length(1);
    });

    it("fails every call from a Region when asked (a Region not enabled, no credentials), and no other Region's", async () => {
        installed.market.failInRegion("us-east-2", Object.assign(new Error("AWS was not able to validate the provided access credentials"), { name: "AuthFailure" }));
        const us = new EC2Client({ region: "us-east-2" });
        const err = await us.send(new DescribeCapacityReservationsCommand({})).catch((e: Error) => e);
        expect(err).to.have.property("name", "AuthFailure");
        expect((await ec2.send(new DescribeCapacityReservationsCommand({}))).CapacityReservations).to.deep.equal([]);
    });
});
