import { readStackConfig } from "./components/config";
import type { PlacedOutputs, StackOutputs } from "./components/program";
import {
    boughtBlocksFor, checkBlockFits, clusterOutputs, codeServerOutputs, declareCluster, preflight, prepareCodeServer, publishedParameterOutputs,
    reservationFor, reservationOutputs,
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
    // The box's checks run before anything is declared; the cluster comes first, so the box can live in it.
    const box = cfg.codeServer.enabled ? await prepareCodeServer(cfg, { reservation, adopted, projectDir: __dirname }) : undefined;
    const blockType = reservation?.instanceType;
    const cluster = cfg.cluster.enabled && reservation && blockType ? await declareCluster(cfg, { ...reservation, instanceType: blockType }) : undefined;
    // The subnet publishParameter names: the box's, else the cluster's compute subnet (both in the block's AZ).
    let subnetId: PlacedOutputs["subnetId"] | undefined;
    if (box) {
        const placed = codeServerOutputs(cfg, box, outputs.nextStep, cluster);
        Object.assign(outputs, placed.outputs);
        subnetId = placed.subnetId;
    }
    if (cluster) {
        const placed = clusterOutputs(cfg, cluster, outputs.nextStep);
        Object.assign(outputs, placed.outputs);
        subnetId ??= placed.subnetId;
    }
    return Object.assign(outputs, publishedParameterOutputs(cfg, reservation, subnetId));
};
