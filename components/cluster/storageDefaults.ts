/**
 * FSx for Lustre sizing shared by the PCS file system and the rendered ParallelCluster config.
 * FSx for Lustre user guide: SCRATCH_2/PERSISTENT_2 start at 1200 GiB; PERSISTENT_2 needs a per-unit throughput
 * (125, 250, 500 or 1000 MB/s/TiB). PERSISTENT_2 keeps data on a server failure, which matters when the
 * block's work lives there.
 */
export const LUSTRE_MIN_CAPACITY_GIB = 1200;
export const LUSTRE_DEPLOYMENT_TYPE = "PERSISTENT_2";
export const LUSTRE_THROUGHPUT_PER_TIB = 125;
