import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { isNoMatchError, lookUp, lookUpIfAny } from "../../../components/shared/lookups";
import { failure } from "../../helpers/failure";

const subject = { key: "capblocks:codeServer.workVolumeId", what: "vol-0abc", region: "sa-east-1" };
const answer = (value: string) => () => Promise.resolve(value);
const failing = (message: string) => () => Promise.reject(new Error(message));

describe("program-time lookups", () => {
    // terraform-provider-aws: SingularDataSourceFindError for a filter matching nothing, NotFoundError for a read by id.
    it("tells 'nothing matches' from real failures", () => {
        expect(isNoMatchError(new Error("no matching EC2 Capacity Block Reservation found"))).to.equal(true);
        expect(isNoMatchError(new Error("reading EFS File System (fs-1): couldn't find resource"))).to.equal(true);
        expect(isNoMatchError(new Error("UnauthorizedOperation: You are not authorized"))).to.equal(false);
        expect(isNoMatchError(new Error("multiple EC2 Capacity Block Reservations matched"))).to.equal(false);
    });

    it("answers what was found, and undefined when nothing matches", async () => {
        expect(await lookUpIfAny(subject, answer("found"))).to.equal("found");
        expect(await lookUpIfAny(subject, failing("no matching EBS Volume found"))).to.equal(undefined);
    });

    it("words 'nothing matches' as the caller says, after the key", async () => {
        expect(await lookUp(subject, answer("found"), "does not exist")).to.equal("found");
        const err = await failure(lookUp(subject, failing("no matching EBS Volume found"), "vol-0abc does not exist in sa-east-1; remove workVolumeId"));
        expect(err).to.be.instanceOf(pulumi.RunError);
        expect(err.message).to.equal("capblocks:codeServer.workVolumeId: vol-0abc does not exist in sa-east-1; remove workVolumeId");
    });

    it("stops on any other failure with a RunError naming the key, what was looked up, the region and the cause", async () => {
        for (const lookup of [lookUpIfAny(subject, failing("RequestLimitExceeded: slow down")), lookUp(subject, failing("RequestLimitExceeded: slow down"), "n/a")]) {
            const err = await failure(lookup);
            expect(err).to.be.instanceOf(pulumi.RunError);
            expect(err.message).to.equal("capblocks:codeServer.workVolumeId: could not look up vol-0abc in sa-east-1: RequestLimitExceeded: slow down");
        }
    });
});
