import { readStackConfig } from "./components/config";
import type { StackOutputs } from "./components/program";
import { boughtBlocksFor, clusterOutputs, codeServerOutputs, preflight, reservationFor, reservationOutputs } from "./components/program";

/** config → reservation → components → outputs. */
export = async (): Promise<StackOutputs> => {
    const cfg = readStackConfig();
    const bought = await boughtBlocksFor(cfg);
    const adopted = await preflight(cfg, bought);
    const reservation = await reservationFor(cfg, bought);
    const outputs = reservationOutputs(reservation);
    // A block whose type this run's purchase chooses has nothing built on it until the next up.
    if (reservation?.typeChoice) return outputs;
    if (cfg.codeServer.enabled) {
        Object.assign(outputs, await codeServerOutputs(cfg, { reservation, adopted, projectDir: __dirname, nextStep: outputs.nextStep }));
    }
    if (cfg.cluster.enabled && reservation?.instanceType) Object.assign(outputs, await clusterOutputs(cfg, { ...reservation, instanceType: reservation.instanceType }));
    return outputs;
};
