import { expect } from "chai";
import type { CodeServerConfig } from "../../../components/config";
import { rerunRequest, rerunTaskProblems, setupEnabled } from "../../../components/codeServer/setupControls";
import { noSetupSummary, setupTasksSummary } from "../../../components/codeServer/setupTasksSummary";
import { codeServerConfig } from "../../helpers/codeServerConfig";

const cs = codeServerConfig;

describe("setup controls", () => {
    it("setup runs unless it is set to false", () => {
        expect(setupEnabled(cs())).to.equal(true);
        expect(setupEnabled(cs({ setup: true }))).to.equal(true);
        expect(setupEnabled(cs({ setup: false }))).to.equal(false);
    });

    it("rerun's id is the token, as text, whether a number or a label", () => {
        expect(rerunRequest(cs())).to.equal(undefined);
        expect(rerunRequest(cs({ rerun: { tasks: ["nginx"], id: 3 } }))).to.deep.equal({ tasks: ["nginx"], token: "3" });
        expect(rerunRequest(cs({ rerun: { tasks: ["all"], id: "v2" } }))).to.deep.equal({ tasks: ["all"], token: "v2" });
    });

    it("a plain list is its own token: the same list keeps it, any other list (or an id) changes it", () => {
        const token = (rerun: CodeServerConfig["rerun"]) => rerunRequest(cs({ rerun }))?.token;
        expect(rerunRequest(cs({ rerun: ["nginx"] }))?.tasks).to.deep.equal(["nginx"]);
        expect(token(["nginx"])).to.equal(token(["nginx"])).and.match(/^list:[0-9a-f]{16}$/);
        const others = [token(["nginx", "verify"]), token(["verify", "nginx"]), token(["all"]), token({ tasks: ["nginx"], id: 1 })];
        expect(new Set([token(["nginx"]), ...others]).size).to.equal(5);
    });

    it("names every rerun task the setup does not have, once, with the ones it has, in either form", () => {
        expect(rerunTaskProblems(cs({ rerun: ["nginx", "verfy"] }), ["nginx", "verify"])).to.deep.equal([
            'capblocks:codeServer.rerun: "verfy" is not a setup task; use "all" or ids from: nginx, verify',
        ]);
        expect(rerunTaskProblems(cs({ rerun: { tasks: ["nginx", "all"], id: 1 } }), ["nginx", "verify"])).to.deep.equal([]);
        expect(rerunTaskProblems(cs({ rerun: { tasks: ["ngnix", "verfy"], id: 1 } }), ["nginx", "verify"])).to.deep.equal([
            'capblocks:codeServer.rerun: "ngnix", "verfy" are not setup tasks; use "all" or ids from: nginx, verify',
        ]);
    });
});

describe("the setupTasks output", () => {
    const tasks = [
        { id: "user", name: "Create {{USER}}", commands: ["true"] },
        { id: "nginx", name: "nginx", commands: ["true"] },
        { id: "verify", name: "Verify", commands: ["true"] },
    ];

    it("lists the tasks in order with names filled in, each with its state and its run (listed once), never a hash or a command", () => {
        const json = setupTasksSummary(tasks, { USER: "dev" }, {
            user: { hash: "h1", status: "success", commandId: "c-1", finishedAt: "2026-11-24T10:00:00.000Z" },
            nginx: { hash: "h2", status: "failed", commandId: "c-1", finishedAt: "2026-11-24T10:01:00.000Z", instances: { "i-1": "failed" }, rerunToken: "2" },
        }, ["i-1"]);
        expect(JSON.parse(json)).to.deep.equal({
            setup: "on",
            instances: ["i-1"],
            runs: [{ commandId: "c-1", finishedAt: "2026-11-24T10:00:00.000Z" }, { commandId: "c-1", finishedAt: "2026-11-24T10:01:00.000Z" }],
            tasks: [
                { id: "user", name: "Create dev", status: "success", run: 0 },
                { id: "nginx", name: "nginx", status: "failed", instances: { "i-1": "failed" }, run: 1 },
                { id: "verify", name: "Verify", status: "pending" },
            ],
        });
        expect(json).to.not.contain("h1").and.not.contain("true");
    });

    it("says why there is nothing to list", () => {
        expect(JSON.parse(noSetupSummary("off"))).to.deep.equal({ setup: "off", instances: [], runs: [], tasks: [] });
    });
});
