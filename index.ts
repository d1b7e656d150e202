import { readStackConfig } from "./components/config";
import type { StackOutputs } from "./components/program";
import { boughtBlocksFor, checkBlockFits, clusterOutputs, codeServerOutputs, preflight, reservationFor, reservationOutputs } from "./components/program";

/** config → reservation → components → outputs. */
export = async (): Promise<StackOutputs> => {
    const cfg = readStackConfig();
    const bought = await boughtBlocksFor(cfg);
    const adopted = await preflight(cfg, bought);
    const reservation = await reservationFor(cfg, bought);
    checkBlockFits(cfg, reservation, adopted);
    const outputs = reservationOutputs(cfg, reservation);
    if (cfg.codeServer.enabled) {
        Object.assign(outputs, await codeServerOutputs(cfg, { reservation, adopted, projectDir: __dirname, nextStep: outputs.nextStep }));
    }
    if (cfg.cluster.enabled && reservation) Object.assign(outputs, await clusterOutputs(cfg, reservation, outputs.nextStep));
    return outputs;
};
