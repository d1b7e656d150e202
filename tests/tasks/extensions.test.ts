/**
 * The extensions task on a box launched from the dev image: extensions the image cached (extensions-cache) are
 * copied into the user's own extensions directory and its extensions.json, not downloaded again; the rest come from
 * Open VSX; what the user has is kept. Run with dash on a scratch machine (sudo and code-server stubbed).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { have, ScratchMachine } from "./scratch";

const CACHE = "/var/lib/capblocks/code-server-extensions";

interface ManifestEntry {
    identifier: { id: string };
    version: string;
    relativeLocation: string;
    location: { path: string };
}

describe("the extensions task copies what the image cached", () => {
    let m: ScratchMachine;
    let cache: string;
    let home: string;
    before(function () {
        if (!have("python3")) this.skip();
    });
    beforeEach(() => {
        m = new ScratchMachine({ EXTENSIONS: "ms-python.python ms-toolsai.jupyter", HOME_DIR: "" });
        cache = path.join(m.dir, "cache-ext");
        home = path.join(m.dir, "home");
        const folder = path.join(cache, "ms-python.python-2024.2.1");
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, "package.json"), "{}");
        fs.writeFileSync(path.join(cache, "extensions.json"), JSON.stringify([{
            identifier: { id: "ms-python.python" },
            version: "2024.2.1",
            location: { $mid: 1, path: path.join(cache, "ms-python.python-2024.2.1"), scheme: "file" },
            relativeLocation: "ms-python.python-2024.2.1",
        }]));
        m.stub("sudo", 'while [ "$1" = -u ] || [ "$1" = -H ]; do [ "$1" = -u ] && shift; shift; done; exec "$@"');
        m.stub("code-server", "exit 0");
    });
    afterEach(() => m.cleanup());

    const run = () => m.sh(m.body("extensions").replaceAll(CACHE, cache).replaceAll("/.local/share", `${home}/.local/share`));
    const manifest = (): ManifestEntry[] => JSON.parse(fs.readFileSync(path.join(home, ".local/share/code-server/extensions/extensions.json"), "utf8"));

    it("copies the cached one into the user's directory and manifest, and installs only the other from Open VSX", () => {
        const r = run();
        expect(r.status, r.stderr).to.equal(0);
        const [entry] = manifest();
        const copied = path.join(home, ".local/share/code-server/extensions/ms-python.python-2024.2.1");
        expect(entry).to.deep.include({ relativeLocation: "ms-python.python-2024.2.1", version: "2024.2.1" });
        expect(entry.location.path).to.equal(copied);
        expect(fs.existsSync(path.join(copied, "package.json"))).to.equal(true);
        expect(m.log().trim().split("\n").filter((l) => l.startsWith("code-server"))).to.deep.equal(["code-server --install-extension ms-toolsai.jupyter"]);
    });

    it("keeps a version the user installed, and runs again without changing anything", () => {
        const dir = path.join(home, ".local/share/code-server/extensions");
        fs.mkdirSync(dir, { recursive: true });
        const mine = [{ identifier: { id: "MS-Python.python" }, version: "2025.1.0", location: { path: "/x" }, relativeLocation: "ms-python.python-2025.1.0" }];
        fs.writeFileSync(path.join(dir, "extensions.json"), JSON.stringify(mine));
        expect(run().status).to.equal(0);
        expect(run().status).to.equal(0);
        expect(manifest()).to.deep.equal(mine);
    });
});
