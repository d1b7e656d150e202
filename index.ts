import { readStackConfig } from "./components/config";
import type { StackOutputs } from "./components/program";
import { clusterOutputs, codeServerOutputs, preflight, reservationFor, reservationOutputs } from "./components/program";

/** config → reservation → components → outputs. */
export = async (): Promise<StackOutputs> => {
    const cfg = readStackConfig();
    const adopted = await preflight(cfg);
    const reservation = await reservationFor(cfg);
    const outputs = reservationOutputs(reservation);
    if (cfg.codeServer.enabled) {
        Object.assign(outputs, await codeServerOutputs(cfg, { reservation, adopted, projectDir: __dirname, nextStep: outputs.nextStep }));
    }
    if (cfg.cluster.enabled && reservation) Object.assign(outputs, await clusterOutputs(cfg, reservation));
    return outputs;
};
