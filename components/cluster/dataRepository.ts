/**
 * How FSx for Lustre is linked to S3: data repository associations (DRAs), each linking one directory of the file
 * system to one S3 prefix, with automatic import (S3 → file system) and/or export (file system → S3). Pure, so
 * the PCS cluster's DRAs and the rendered ParallelCluster config are the same.
 *
 * FSx for Lustre user guide "Linking your file system to an Amazon S3 bucket": DRAs need a Persistent 2 file
 * system (capblocks makes PERSISTENT_2); the same bucket cannot be linked twice to one file system; automatic
 * import and export take the event types NEW, CHANGED and DELETED (docs/aws-notes.md#fsx-for-lustre-and-s3).
 */
import { LUSTRE_MOUNT_DIR } from "./userData";

export const DRA_EVENTS = ["NEW", "CHANGED", "DELETED"];

/** Where the import and the export appear under the mount point; one import-and-export path uses the first. */
const IMPORT_DIR = "/data";
const EXPORT_DIR = "/results";

export interface DataRepositoryLink {
    /** A stable short name: "data" or "results" (resource names and the ParallelCluster DRA name). */
    name: string;
    /** On the file system, e.g. /data (mounted at /fsx/data). */
    fileSystemPath: string;
    /** s3://bucket/prefix/ (with the trailing slash FSx shows). */
    dataRepositoryPath: string;
    autoImport: boolean;
    autoExport: boolean;
}

/** s3://bucket/prefix → s3://bucket/prefix/; the bucket alone → s3://bucket/. */
export function normalizedS3Path(uri: string): string {
    return uri.endsWith("/") ? uri : `${uri}/`;
}

const bucketOf = (uri: string): string => uri.slice("s3://".length).split("/")[0];

/** The DRAs for the two config keys: one both ways when they name the same prefix, else one for each. */
export function dataRepositoryLinks(importPath?: string, exportPath?: string): DataRepositoryLink[] {
    const inPath = importPath === undefined ? undefined : normalizedS3Path(importPath);
    const outPath = exportPath === undefined ? undefined : normalizedS3Path(exportPath);
    const links: DataRepositoryLink[] = [];
    if (inPath) links.push({ name: "data", fileSystemPath: IMPORT_DIR, dataRepositoryPath: inPath, autoImport: true, autoExport: inPath === outPath });
    if (outPath && outPath !== inPath) links.push({ name: "results", fileSystemPath: EXPORT_DIR, dataRepositoryPath: outPath, autoImport: false, autoExport: true });
    return links;
}

/** Where users find a link's files on every node. */
export const mountedPath = (link: DataRepositoryLink): string => `${LUSTRE_MOUNT_DIR}${link.fileSystemPath}`;

/** The config rules FSx would enforce minutes into `pulumi up`; `<key>: <value> <rule>; <fix>` each. */
export function dataRepositoryErrors(cluster: { sharedStorage: string; lustreImportPath?: string; lustreExportPath?: string }): string[] {
    const given = (["lustreImportPath", "lustreExportPath"] as const).filter((k) => cluster[k] !== undefined);
    if (given.length === 0) return [];
    if (cluster.sharedStorage !== "fsx-lustre") {
        return given.map(
            (k) =>
                `capblocks:cluster.${k}: ${cluster[k]} links FSx for Lustre to S3, but capblocks:cluster.sharedStorage is ${cluster.sharedStorage}; ` +
                "set sharedStorage: fsx-lustre or remove the key",
        );
    }
    const [inPath, outPath] = [cluster.lustreImportPath, cluster.lustreExportPath].map((p) => (p === undefined ? undefined : normalizedS3Path(p)));
    if (inPath && outPath && inPath !== outPath && bucketOf(inPath) === bucketOf(outPath)) {
        return [
            `capblocks:cluster.lustreExportPath: ${cluster.lustreExportPath} is in the same bucket as lustreImportPath ${cluster.lustreImportPath}, ` +
                "and FSx links a bucket to a file system only once; give both keys the same path (import and export under /fsx/data) or use another bucket",
        ];
    }
    return [];
}
