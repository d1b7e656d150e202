import * as pulumi from "@pulumi/pulumi";
import { instanceFacts, unknownTypeWarning } from "./components/catalog";
import { CodeServerInstance } from "./components/codeServerInstance";
import { clusterCapacity, readStackConfig } from "./components/config";
import { GpuNodeGroup } from "./components/gpuNodeGroup";
import { onDemandZone, placementIn } from "./components/network";
import { adoptReservation, buyReservation, ReservationInfo } from "./components/reservation";
import { loadSetupTasks } from "./components/setupTasks";

/** config → reservation → components → outputs. Every output is a string: none is ever undefined. */
export = async (): Promise<Record<string, pulumi.Input<string>>> => {
    const cfg = readStackConfig();
    const { region, tags } = cfg;
    for (const type of [cfg.reservation?.instanceType, cfg.codeServer.enabled ? cfg.codeServer.instanceType : undefined]) {
        const warning = type ? unknownTypeWarning(instanceFacts(type)) : undefined;
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
        const zone = reservation ? reservation.availabilityZone : await onDemandZone(region, cs.subnetId, cs.availabilityZone);
        const launch = reservation ? reservation.launchable : true;
        const setup = loadSetupTasks(cs, __dirname);
        const codeServer = new CodeServerInstance("code-server", {
            config: cs,
            region,
            placement: placementIn(zone, region, cs.subnetId),
            reservation,
            launch,
            tasks: setup.tasks,
            variables: setup.variables,
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
            parallelClusterConfig: cluster.parallelClusterConfig,
        });
    }
    return outputs;
};
