import { readStackConfig } from "./components/config";
import type { StackOutputs } from "./components/program";
import {
    boughtBlocksFor, checkBlockFits, clusterOutputs, codeServerOutputs, declareCluster, preflight, prepareCodeServer, reservationFor, reservationOutputs,
} from "./components/program";

/** config → reservation → components → outputs. */
export = async (): Promise<StackOutputs> => {
    const cfg = readStackConfig();
    const bought = await boughtBlocksFor(cfg);
    const adopted = await preflight(cfg, bought);
    const reservation = await reservationFor(cfg, bought);
    checkBlockFits(cfg, reservation, adopted);
    const outputs = reservationOutputs(cfg, reservation);
    // The box's checks run before anything is declared; the cluster comes first, so the box can live in it.
    const box = cfg.codeServer.enabled ? await prepareCodeServer(cfg, { reservation, adopted, projectDir: __dirname }) : undefined;
    const cluster = cfg.cluster.enabled && reservation ? await declareCluster(cfg, reservation) : undefined;
    if (box) Object.assign(outputs, codeServerOutputs(cfg, box, outputs.nextStep, cluster));
    if (cluster) Object.assign(outputs, clusterOutputs(cfg, cluster, outputs.nextStep));
    return outputs;
};
