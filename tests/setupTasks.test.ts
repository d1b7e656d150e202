import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CodeServerConfig } from "../components/config";
import { loadSetupTasks, setupVariables } from "../components/setupTasks";

const cs = (taskFiles: string[]): CodeServerConfig => ({
    enabled: true, instanceType: "trn2.3xlarge", volumeSizeGb: 300, workVolumeSizeGb: 200, deleteWorkVolume: false,
    user: "dev", homeDir: "/data", allowedCidrs: [], taskFiles,
});

describe("setup tasks (index side)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capblocks-tasks-"));
        fs.mkdirSync(path.join(dir, "tasks"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs the built-in file, then the extra task files in order", () => {
        fs.writeFileSync(path.join(dir, "tasks/code-server-setup.json"), JSON.stringify({ tasks: [{ id: "a", name: "A", commands: ["true"] }] }));
        fs.writeFileSync(path.join(dir, "mine.json"), JSON.stringify({ tasks: [{ id: "b", name: "B", commands: ["true"] }] }));
        expect(loadSetupTasks(cs(["mine.json"]), dir).map((t) => t.id)).to.deep.equal(["a", "b"]);
    });

    it("names the config key when an extra task file is missing", () => {
        fs.writeFileSync(path.join(dir, "tasks/code-server-setup.json"), "[]");
        expect(() => loadSetupTasks(cs(["nope.json"]), dir)).to.throw(/^capblocks:codeServer\.taskFiles: nope\.json does not exist/);
    });

    it("gives the tasks the user, home and ports from config", () => {
        expect(setupVariables(cs([]))).to.deep.equal({ USER: "dev", HOME_DIR: "/data", INTERNAL_PORT: "8080", NGINX_PORT: "80" });
    });
});
