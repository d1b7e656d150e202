import { readStackConfig } from "./components/config";
import type { CodeServerResult, StackOutputs } from "./components/program";
import {
    boughtBlocksFor, clusterOutputs, codeServerOutputs, preflight, publishedParameterOutputs, reservationFor, reservationOutputs,
} from "./components/program";

/** config → reservation → components → outputs. */
export = async (): Promise<StackOutputs> => {
    const cfg = readStackConfig();
    const bought = await boughtBlocksFor(cfg);
    const adopted = await preflight(cfg, bought);
    const reservation = await reservationFor(cfg, bought);
    const outputs = reservationOutputs(cfg, reservation);
    // A block whose type this run's purchase chooses has nothing built on it until the next up.
    if (reservation?.typeChoice) return Object.assign(outputs, publishedParameterOutputs(cfg, reservation));
    let boxSubnet: CodeServerResult["subnetId"] | undefined;
    if (cfg.codeServer.enabled) {
        const box = await codeServerOutputs(cfg, { reservation, adopted, projectDir: __dirname, nextStep: outputs.nextStep });
        Object.assign(outputs, box.outputs);
        boxSubnet = box.subnetId;
    }
    if (cfg.cluster.enabled && reservation?.instanceType) {
        Object.assign(outputs, await clusterOutputs(cfg, { ...reservation, instanceType: reservation.instanceType }, outputs.nextStep));
    }
    return Object.assign(outputs, publishedParameterOutputs(cfg, reservation, boxSubnet));
};
