/**
 * The code-server work volume across blocks and `pulumi destroy`: the note that tells the user how to get their
 * work back, the existing volume a stack can adopt (`capblocks:codeServer.workVolumeId`), and where the stack's own
 * volume goes when the next instance runs in another Availability Zone.
 *
 * An adopted volume is looked up with an invoke and attached; it is never a resource of the stack (not even
 * an imported, retained one). Nothing in the stack's state can then delete it: no `pulumi destroy`, no
 * replacement after a changed setting, no later removal of a retain option.
 *
 * The stack's own volume follows the user (docs/replacements.md#the-work-volume-moves): an EBS volume's
 * availabilityZone forces a replacement, so its AZ is never taken from the block's output; it is the volume's
 * own AZ, known at program time, until a known, different AZ moves the work there by snapshot.
 */
import * as aws from "@pulumi/aws";
import { lookUp, lookUpIfAny } from "../shared/lookups";

const WORK_VOLUME_KEY = "capblocks:codeServer.workVolumeId";

/** An EBS volume as the program-time lookup found it. */
export interface ExistingVolume {
    id: string;
    availabilityZone: string;
    encrypted: boolean;
    sizeGb: number;
    /** The snapshot the volume was created from; unset for a volume created empty. */
    snapshotId?: string;
}

/** What `pulumi destroy` does to the work volume, and how to attach it again. */
export function workVolumeNote(volumeId: string, deletedOnDestroy: boolean): string {
    return deletedOnDestroy
        ? `pulumi destroy deletes volume ${volumeId} and the work on it (capblocks:codeServer.deleteWorkVolume is true)`
        : `pulumi destroy keeps volume ${volumeId} (your work); to use it again set ${WORK_VOLUME_KEY}: ${volumeId}`;
}

/** Looks the volume up by id (filter volume-id); a missing volume is a config error naming the key. */
export async function findWorkVolume(volumeId: string, region: string): Promise<ExistingVolume> {
    const found = await lookUp(
        { key: WORK_VOLUME_KEY, what: volumeId, region },
        () => aws.ebs.getVolume({ region, filters: [{ name: "volume-id", values: [volumeId] }] }),
        `${volumeId} does not exist in ${region} for this account ` +
            `(list yours with \`aws ec2 describe-volumes --region ${region}\`), or remove workVolumeId to create a new work volume`,
    );
    return volumeFacts(found);
}

function volumeFacts(found: aws.ebs.GetVolumeResult): ExistingVolume {
    return {
        id: found.volumeId,
        availabilityZone: found.availabilityZone,
        encrypted: found.encrypted,
        sizeGb: found.size,
        ...(found.snapshotId ? { snapshotId: found.snapshotId } : {}),
    };
}

/** The stack's own work volume of the last deployment, looked up by id; undefined when it no longer exists. */
export async function findPriorWorkVolume(volumeId: string, region: string): Promise<ExistingVolume | undefined> {
    const found = await lookUpIfAny({ key: "capblocks:codeServer", what: `the work volume ${volumeId} of the last deployment`, region }, () =>
        aws.ebs.getVolume({ region, filters: [{ name: "volume-id", values: [volumeId] }] }),
    );
    return found && volumeFacts(found);
}

/** Where the code-server instance will run, as far as it is known before anything is created. */
export type InstancePlacement =
    | { kind: "block"; availabilityZone: string }
    /** A block still to buy: it lands in one of these AZs (any AZ of the region when unset). */
    | { kind: "block-to-buy"; availabilityZones?: string[] }
    | { kind: "on-demand"; availabilityZone: string };

/**
 * Why the volume cannot be attached there, or undefined. EBS: a volume attaches only to an instance in its
 * own Availability Zone (EC2 user guide, "Attach an Amazon EBS volume to an instance").
 */
export function workVolumeZoneError(volume: ExistingVolume, where: InstancePlacement): string | undefined {
    const az = volume.availabilityZone;
    const prefix = `${WORK_VOLUME_KEY}: ${volume.id} is in ${az}`;
    const nextBlock = `set capblocks:reservation.availabilityZones: [${az}] so the next block lands there`;
    switch (where.kind) {
        case "block":
            if (where.availabilityZone === az) return undefined;
            return (
                `${prefix}, but the block is in ${where.availabilityZone} (an EBS volume attaches only to an instance in its own Availability Zone); ` +
                `adopt a block in ${az}, ${nextBlock}, or copy the volume to ${where.availabilityZone} (a snapshot, then a volume from it there) ` +
                "and set workVolumeId to the copy; capblocks never copies or deletes a volume it did not create"
            );
        case "block-to-buy": {
            const zones = where.availabilityZones;
            if (zones && zones.every((z) => z === az)) return undefined;
            const mayLand = zones ? `in ${zones.join(" or ")}` : "in any Availability Zone";
            return `${prefix}, but the block to buy may land ${mayLand} (an EBS volume attaches only to an instance in its own Availability Zone); ${nextBlock}`;
        }
        case "on-demand":
            if (where.availabilityZone === az) return undefined;
            return (
                `${prefix}, but the on-demand instance runs in ${where.availabilityZone} (an EBS volume attaches only to an instance in its own Availability Zone); ` +
                `set capblocks:codeServer.availabilityZone: ${az} (or a subnetId in ${az}); with a block, ${nextBlock}`
            );
    }
}

/** An unencrypted volume still works; the user should know their work is stored unencrypted. */
export function unencryptedVolumeWarning(volume: ExistingVolume): string | undefined {
    return volume.encrypted
        ? undefined
        : `${WORK_VOLUME_KEY}: ${volume.id} is not encrypted; capblocks attaches it as it is (volumes it creates are encrypted). ` +
              "To encrypt it, snapshot it, copy the snapshot with encryption, create a volume from the copy and set workVolumeId to that.";
}
