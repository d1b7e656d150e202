import * as pulumi from "@pulumi/pulumi";
import { instanceFacts, unknownTypeWarning } from "./components/shared/catalog";
import { CodeServerInstance } from "./components/codeServer/codeServerInstance";
import { clusterCapacity, readStackConfig } from "./components/config";
import { onDemandZone, placementIn } from "./components/codeServer/placement";
import { checkSharedFileSystem } from "./components/cluster/storage";
import { adoptReservation, buyReservation, findBlockBoughtFor, ReservationInfo } from "./components/reservation";
import { loadSetupTasks } from "./components/codeServer/setupTasks";
import { ExistingVolume, findWorkVolume, InstancePlacement, unencryptedVolumeWarning, workVolumeZoneError } from "./components/codeServer/workVolume";

/** Stops the program, before anything more is created, when the adopted work volume cannot attach there. */
function assertWorkVolumeFits(volume: ExistingVolume, where: InstancePlacement): void {
    const problem = workVolumeZoneError(volume, where);
    if (problem) throw new pulumi.RunError(problem);
}

/** config → reservation → components → outputs. Every output is a string: none is ever undefined. */
export = async (): Promise<Record<string, pulumi.Input<string>>> => {
    const cfg = readStackConfig();
    const { region, tags } = cfg;
    for (const type of [cfg.reservation?.instanceType, cfg.codeServer.enabled ? cfg.codeServer.instanceType : undefined]) {
        const warning = type ? unknownTypeWarning(instanceFacts(type)) : undefined;
        if (warning) void pulumi.log.warn(warning);
    }

    // Existing storage to adopt is checked before anything is bought or created.
    const workVolume = cfg.codeServer.enabled && cfg.codeServer.workVolumeId ? await findWorkVolume(cfg.codeServer.workVolumeId, region) : undefined;
    if (workVolume) {
        const warning = unencryptedVolumeWarning(workVolume);
        if (warning) void pulumi.log.warn(warning);
        if (cfg.reservation?.kind === "buy") {
            const bought = await findBlockBoughtFor(cfg.reservation, region);
            assertWorkVolumeFits(
                workVolume,
                bought ? { kind: "block", availabilityZone: bought.availabilityZone } : { kind: "block-to-buy", availabilityZones: cfg.reservation.availabilityZones },
            );
        }
    }
    if (cfg.cluster.enabled && cfg.reservation && cfg.cluster.sharedFileSystemId) {
        const warning = await checkSharedFileSystem(cfg.cluster.sharedFileSystemId, region);
        if (warning) void pulumi.log.warn(warning);
    }

    let reservation: ReservationInfo | undefined;
    if (cfg.reservation?.kind === "buy") reservation = await buyReservation(cfg.reservation, { region, tags });
    if (cfg.reservation?.kind === "adopt") reservation = await adoptReservation(cfg.reservation, region);

    const outputs: Record<string, pulumi.Input<string>> = reservation
        ? {
              blockId: reservation.id,
              blockState: reservation.state,
              blockSource: reservation.source,
              blockInstanceType: reservation.instanceType,
              blockAvailabilityZone: reservation.availabilityZone,
              blockStart: reservation.startDate,
              blockEnd: reservation.endDate,
              nextStep: reservation.nextStep,
          }
        : { blockState: "none: on demand", nextStep: "No Capacity Block: instances run on demand." };

    if (cfg.codeServer.enabled) {
        const cs = cfg.codeServer;
        const onDemandAz = reservation ? undefined : await onDemandZone(region, cs.subnetId, cs.availabilityZone);
        const zone = reservation ? reservation.availabilityZone : (onDemandAz as string);
        const launch = reservation ? reservation.launchable : true;
        if (workVolume && onDemandAz) assertWorkVolumeFits(workVolume, { kind: "on-demand", availabilityZone: onDemandAz });
        // A block bought on this run was held to the volume's AZ before the purchase; any other block's AZ is known.
        if (workVolume && reservation?.knownAvailabilityZone) {
            assertWorkVolumeFits(workVolume, { kind: "block", availabilityZone: reservation.knownAvailabilityZone });
        }
        const setup = loadSetupTasks(cs, __dirname);
        const codeServer = new CodeServerInstance("code-server", {
            config: cs,
            region,
            placement: placementIn(zone, region, cs.subnetId),
            reservation,
            launch,
            tasks: setup.tasks,
            variables: setup.variables,
            existingWorkVolume: workVolume,
            tags,
        });
        Object.assign(outputs, {
            instanceId: codeServer.instanceId,
            url: codeServer.url,
            portForwardCommand: codeServer.portForwardCommand,
            sessionCommand: codeServer.sessionCommand,
            passwordCommand: codeServer.passwordCommand,
            workVolumeId: codeServer.workVolumeId,
            workVolume: codeServer.workVolumeNote,
        });
        if (launch) outputs.nextStep = pulumi.interpolate`${outputs.nextStep} ${codeServer.connectHint}`;
    }

    if (cfg.cluster.enabled && reservation) {
        // Loaded only for stacks with a cluster: @pulumi/aws-native and the PCS modules add ~0.4 s to every start.
        const { GpuNodeGroup } = await import("./components/cluster/gpuNodeGroup");
        const cluster = new GpuNodeGroup("cluster", {
            cluster: cfg.cluster,
            reservation,
            instanceType: reservation.instanceType,
            instanceCount: clusterCapacity(reservation.instanceCount, cfg.codeServer.enabled),
            region,
            tags,
        });
        Object.assign(outputs, {
            clusterId: cluster.clusterId,
            clusterName: cluster.clusterName,
            clusterQueue: cluster.queueName,
            clusterLoginNodeGroupId: cluster.loginNodeGroupId,
            clusterLoginCommand: cluster.loginCommand,
            clusterSharedStorageId: cluster.sharedStorageId,
            clusterSharedStorage: cluster.sharedStorageNote,
            parallelClusterConfig: cluster.parallelClusterConfig,
        });
    }
    return outputs;
};
