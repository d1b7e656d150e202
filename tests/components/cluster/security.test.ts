import { expect } from "chai";
import { storagePorts } from "../../../components/cluster/security";

describe("cluster security groups", () => {
    // FSx for Lustre user guide "File system access control with Amazon VPC"; EFS: NFS on 2049.
    it("opens NFS for EFS and Lustre's ports for FSx, nothing without storage", () => {
        expect(storagePorts("efs")).to.deep.equal([{ fromPort: 2049, toPort: 2049 }]);
        expect(storagePorts("fsx-lustre")).to.deep.equal([{ fromPort: 988, toPort: 988 }, { fromPort: 1018, toPort: 1023 }]);
        expect(storagePorts("none")).to.deep.equal([]);
    });
});
