import { readStackConfig } from "./components/config";
import type { PlacedOutputs, StackOutputs } from "./components/program";
import {
    boughtBlocksFor, checkBlockFits, clusterOutputs, codeServerOutputs, preflight, publishedParameterOutputs, reservationFor, reservationOutputs,
} from "./components/program";

/** config → reservation → components → outputs. */
export = async (): Promise<StackOutputs> => {
    const cfg = readStackConfig();
    const bought = await boughtBlocksFor(cfg);
    const adopted = await preflight(cfg, bought);
    const reservation = await reservationFor(cfg, bought);
    checkBlockFits(cfg, reservation, adopted);
    const outputs = reservationOutputs(cfg, reservation);
    // A block whose type this run's purchase chooses has nothing built on it until the next up.
    if (reservation?.typeChoice) return Object.assign(outputs, publishedParameterOutputs(cfg, reservation));
    // The subnet publishParameter names: the box's, else the cluster's compute subnet (both in the block's AZ).
    let subnetId: PlacedOutputs["subnetId"] | undefined;
    if (cfg.codeServer.enabled) {
        const box = await codeServerOutputs(cfg, { reservation, adopted, projectDir: __dirname, nextStep: outputs.nextStep });
        Object.assign(outputs, box.outputs);
        subnetId = box.subnetId;
    }
    if (cfg.cluster.enabled && reservation?.instanceType) {
        const cluster = await clusterOutputs(cfg, { ...reservation, instanceType: reservation.instanceType }, outputs.nextStep);
        Object.assign(outputs, cluster.outputs);
        subnetId ??= cluster.subnetId;
    }
    return Object.assign(outputs, publishedParameterOutputs(cfg, reservation, subnetId));
};
