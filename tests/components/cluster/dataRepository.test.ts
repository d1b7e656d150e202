import { expect } from "chai";
import { dataRepositoryErrors, dataRepositoryLinks, mountedPath } from "../../../components/cluster/dataRepository";

describe("FSx for Lustre links to S3", () => {
    // FSx for Lustre user guide "Linking your file system to an Amazon S3 bucket": one DRA per directory and S3 prefix.
    it("imports into /fsx/data and exports from /fsx/results; one path for both syncs /fsx/data both ways", () => {
        expect(dataRepositoryLinks()).to.deep.equal([]);
        expect(dataRepositoryLinks("s3://data/imagenet")).to.deep.equal([
            { name: "data", fileSystemPath: "/data", dataRepositoryPath: "s3://data/imagenet/", autoImport: true, autoExport: false },
        ]);
        expect(dataRepositoryLinks(undefined, "s3://results")).to.deep.equal([
            { name: "results", fileSystemPath: "/results", dataRepositoryPath: "s3://results/", autoImport: false, autoExport: true },
        ]);
        expect(dataRepositoryLinks("s3://work/run1/", "s3://work/run1")).to.deep.equal([
            { name: "data", fileSystemPath: "/data", dataRepositoryPath: "s3://work/run1/", autoImport: true, autoExport: true },
        ]);
        const both = dataRepositoryLinks("s3://data/in/", "s3://results/out/");
        expect(both.map((l) => [mountedPath(l), l.dataRepositoryPath, l.autoImport, l.autoExport])).to.deep.equal([
            ["/fsx/data", "s3://data/in/", true, false],
            ["/fsx/results", "s3://results/out/", false, true],
        ]);
    });

    it("needs FSx for Lustre, and a bucket linked only once", () => {
        expect(dataRepositoryErrors({ sharedStorage: "fsx-lustre", lustreImportPath: "s3://a/x", lustreExportPath: "s3://a/x/" })).to.deep.equal([]);
        expect(dataRepositoryErrors({ sharedStorage: "efs" })).to.deep.equal([]);
        expect(dataRepositoryErrors({ sharedStorage: "none", lustreImportPath: "s3://a", lustreExportPath: "s3://b" })).to.have.length(2);
        expect(dataRepositoryErrors({ sharedStorage: "fsx-lustre", lustreImportPath: "s3://a/in", lustreExportPath: "s3://a/out" })[0]).to.match(
            /^capblocks:cluster\.lustreExportPath: s3:\/\/a\/out is in the same bucket as lustreImportPath s3:\/\/a\/in/,
        );
    });
});
