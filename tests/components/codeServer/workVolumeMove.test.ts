import { expect } from "chai";
import type { ExistingVolume } from "../../../components/codeServer/workVolume";
import { moveNextStep, moveNotice, moveReport, moveSizeError, planWorkVolume, volumeInPlace } from "../../../components/codeServer/workVolumeMove";

const volume: ExistingVolume = { id: "vol-0aaa", availabilityZone: "sa-east-1a", encrypted: true, sizeGb: 200 };

describe("where the work volume goes on a run", () => {
    it("creates one when the last deployment left none", () => {
        expect(planWorkVolume({ targetAz: "sa-east-1a", launch: true })).to.deep.equal({ kind: "create" });
    });

    it("keeps it where it is in its own AZ, and while the next AZ is not known (a block bought on this run)", () => {
        expect(planWorkVolume({ previous: volume, targetAz: "sa-east-1a", launch: true })).to.deep.equal({ kind: "keep", volume });
        expect(planWorkVolume({ previous: volume, launch: false, previousInstanceId: "i-1" })).to.deep.equal({ kind: "keep", volume });
    });

    it("never launches into an AZ it does not know", () => {
        expect(() => planWorkVolume({ previous: volume, launch: true })).to.throw(/not known at program time/);
    });

    it("moves it with the launch, at once when nothing of the stack runs, and waits while the last instance may write", () => {
        expect(planWorkVolume({ previous: volume, targetAz: "sa-east-1b", launch: true, previousInstanceId: "i-1" })).to.deep.equal({ kind: "move", from: volume, toAz: "sa-east-1b", afterLaunch: true });
        expect(planWorkVolume({ previous: volume, targetAz: "sa-east-1b", launch: false })).to.deep.equal({ kind: "move", from: volume, toAz: "sa-east-1b", afterLaunch: false });
        expect(planWorkVolume({ previous: volume, targetAz: "sa-east-1b", launch: false, previousInstanceId: "i-1" })).to.deep.equal({ kind: "wait", volume, toAz: "sa-east-1b", instanceId: "i-1" });
    });

    it("leaves the volume in place only when it keeps or waits", () => {
        expect(volumeInPlace({ kind: "keep", volume })).to.equal(volume);
        expect(volumeInPlace({ kind: "wait", volume, toAz: "b", instanceId: "i-1" })).to.equal(volume);
        expect(volumeInPlace({ kind: "move", from: volume, toAz: "b", afterLaunch: true })).to.equal(undefined);
        expect(volumeInPlace({ kind: "create" })).to.equal(undefined);
    });

    it("refuses a smaller size only for a move", () => {
        const move = { kind: "move", from: volume, toAz: "sa-east-1b", afterLaunch: false } as const;
        expect(moveSizeError(move, 200)).to.equal(undefined);
        expect(moveSizeError({ kind: "keep", volume }, 100)).to.equal(undefined);
        expect(moveSizeError(move, 100)).to.equal(
            "capblocks:codeServer.workVolumeSizeGb: 100 is smaller than the work volume vol-0aaa (200 GiB) that moves to sa-east-1b; " +
                "a volume made from its snapshot cannot be smaller; set it to at least 200. Nothing was moved",
        );
    });

    it("says nothing, and reports nothing, when the volume does not move", () => {
        expect(moveNotice({ kind: "keep", volume }, "/work", true)).to.equal(undefined);
        expect(moveNotice({ kind: "create" }, "/work", true)).to.equal(undefined);
        expect(moveReport({ kind: "keep", volume }, "", true, "sa-east-1")).to.equal("");
        expect(moveNextStep({ kind: "keep", volume })).to.equal("");
    });
});
