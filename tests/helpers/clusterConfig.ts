import type { ClusterConfig } from "../../components/config";

/** An enabled cluster on a p5.48xlarge block with the config defaults, overridable per test. */
export const clusterConfig = (over: Partial<ClusterConfig> = {}): ClusterConfig => ({
    enabled: true,
    name: "capblocks-dev",
    slurmVersion: "25.05",
    size: "SMALL",
    loginInstanceType: "m7i.large",
    loginPublic: false,
    sharedStorage: "efs",
    deleteSharedStorage: false,
    computeMinCount: 0,
    image: { build: false, packages: [], components: [], buildInstanceType: "m7i.large", generation: 1 },
    shareBlockWithCodeServer: true,
    containers: false,
    sharedHome: true,
    dataBuckets: [],
    exclusiveNodes: true,
    allowAllEgress: false,
    ...over,
});
