/**
 * Where the stack's own work volume goes on this run, decided before anything is registered (pure, so every case
 * and every sentence is tested). docs/replacements.md#the-work-volume-moves has the Pulumi and AWS facts.
 *
 * - Its AZ is a program-time string: the AZ the last deployment left it in. The block's AZ output is never an
 *   input of the volume, so a block bought on this run (AZ unknown until it is bought) cannot replace it.
 * - When the instance is known to run in another AZ, the work moves: snapshot → new volume from the snapshot in
 *   that AZ → attached. Same logical resource, replaced create-before-delete: the copy exists (and the resources
 *   that use it are updated) before the old one goes; the old one is kept (retainOnDelete) unless the user chose
 *   deleteWorkVolume.
 * - The snapshot is taken only when no instance of this stack can still be writing to the volume: after the
 *   replacement instance exists (the old one is deleted before it, deleteBeforeReplace), or when the last
 *   deployment launched none. Otherwise the move waits for the next `pulumi up`.
 */
import type { ExistingVolume } from "./workVolume";

export type WorkVolumePlan =
    /** No earlier volume of the stack: a new, empty one where the instance runs. */
    | { kind: "create" }
    /** It stays where it is: the instance runs in its AZ, or where the next one runs is not known yet. */
    | { kind: "keep"; volume: ExistingVolume }
    /** The work moves to `toAz` on this run; with `afterLaunch` the snapshot waits for this run's instance. */
    | { kind: "move"; from: ExistingVolume; toAz: string; afterLaunch: boolean }
    /** It stays on this run (the last deployment's instance may still write to it); the next `up` moves it. */
    | { kind: "wait"; volume: ExistingVolume; toAz: string; instanceId: string };

export interface WorkVolumeSituation {
    /** The stack's volume as the last deployment left it; undefined: there is none (first run, or it was deleted). */
    previous?: ExistingVolume;
    /** Where this run's instance runs (or the next one will); undefined while a block is bought on this run. */
    targetAz?: string;
    /** An instance is launched on this run. */
    launch: boolean;
    /** The last deployment's instance id; undefined when it launched none. */
    previousInstanceId?: string;
}

export function planWorkVolume({ previous, targetAz, launch, previousInstanceId }: WorkVolumeSituation): WorkVolumePlan {
    if (!previous) return { kind: "create" };
    if (targetAz === undefined || targetAz === previous.availabilityZone) {
        if (launch && targetAz === undefined) throw new Error("an instance is launched, but its Availability Zone is not known at program time");
        return { kind: "keep", volume: previous };
    }
    if (launch) return { kind: "move", from: previous, toAz: targetAz, afterLaunch: true };
    if (previousInstanceId) return { kind: "wait", volume: previous, toAz: targetAz, instanceId: previousInstanceId };
    return { kind: "move", from: previous, toAz: targetAz, afterLaunch: false };
}

/** The volume the plan leaves in place on this run, if any. */
export function volumeInPlace(plan: WorkVolumePlan): ExistingVolume | undefined {
    return plan.kind === "keep" || plan.kind === "wait" ? plan.volume : undefined;
}

const SIZE_KEY = "capblocks:codeServer.workVolumeSizeGb";

/** EBS: a volume created from a snapshot is at least the snapshot's size (EBS user guide, "Create a volume from a snapshot"). */
export function moveSizeError(plan: WorkVolumePlan, sizeGb: number): string | undefined {
    if (plan.kind !== "move" || sizeGb >= plan.from.sizeGb) return undefined;
    return (
        `${SIZE_KEY}: ${sizeGb} is smaller than the work volume ${plan.from.id} (${plan.from.sizeGb} GiB) that moves to ${plan.toAz}; ` +
        `a volume made from its snapshot cannot be smaller; set it to at least ${plan.from.sizeGb}. Nothing was moved`
    );
}

/**
 * What `pulumi preview` and `pulumi up` say before a move (a program warning, shown with the plan). AWS: a
 * snapshot stays pending until every block written to the volume is in Amazon S3, which "can take several
 * hours"; a volume made from it loads each block from S3 on first read ("Create Amazon EBS snapshots",
 * "Initialize Amazon EBS volumes").
 */
export function moveNotice(plan: WorkVolumePlan, homeDir: string, keepOld: boolean): string | undefined {
    if (plan.kind === "wait") {
        return (
            `capblocks:codeServer: the work volume ${plan.volume.id} stays in ${plan.volume.availabilityZone} on this update: instance ${plan.instanceId} ` +
            `of the last deployment may still be writing to it, and this update stops it. The next \`pulumi up\` moves your work to ${plan.toAz}.`
        );
    }
    if (plan.kind !== "move") return undefined;
    const { from, toAz } = plan;
    const when = plan.afterLaunch ? "once the old instance is gone and the new one runs" : "now (no instance of this stack uses it)";
    return (
        `capblocks:codeServer: your work moves from ${from.availabilityZone} to ${toAz}: this update snapshots the work volume ${from.id} ` +
        `(${from.sizeGb} GiB) ${when}, creates a volume from the snapshot in ${toAz} and mounts it at ${homeDir}. ` +
        "The snapshot copies every block written to the volume and can take several hours, depending on how much was written (AWS cannot say in advance); " +
        "the new volume then fetches each block from the snapshot the first time it is read, so first reads are slower. " +
        (keepOld
            ? `${from.id} is kept as it was at the move, until you delete it.`
            : `${from.id} is deleted at the end of this update, after the new volume is attached (capblocks:codeServer.deleteWorkVolume is true).`)
    );
}

/** What the move left behind, for the workVolume output: the old volume and the snapshot, and how to delete them. */
export function moveReport(plan: WorkVolumePlan, snapshotId: string, keepOld: boolean, region: string): string {
    if (plan.kind !== "move") return "";
    const { from } = plan;
    const old = keepOld
        ? `${from.id} is kept in ${from.availabilityZone} as it was at the move; once you have checked your work, delete it with \`aws ec2 delete-volume --volume-id ${from.id} --region ${region}\``
        : `${from.id} is deleted at the end of this update`;
    return (
        `Your work moved from ${from.id} (${from.availabilityZone}) to ${plan.toAz} through snapshot ${snapshotId}. ${old}; ` +
        `the snapshot is kept too: \`aws ec2 delete-snapshot --snapshot-id ${snapshotId} --region ${region}\`.`
    );
}

/** One sentence for nextStep while the work moves or waits to move; "" otherwise. */
export function moveNextStep(plan: WorkVolumePlan): string {
    if (plan.kind === "move") return `Your work moves to ${plan.toAz} on this update; the workVolume output says what was kept.`;
    if (plan.kind === "wait") return `Your work volume moves to ${plan.toAz} on the next \`pulumi up\`.`;
    return "";
}
