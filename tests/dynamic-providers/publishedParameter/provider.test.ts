import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { START } from "../../helpers/capacityBlockMarket";
import { failure } from "../../helpers/failure";
import { publishedParameterProvider } from "../../../dynamic-providers/publishedParameter";
import type { InstalledMarket } from "../../fakes/ec2CapacityBlockMarket";
import { install } from "../../fakes/ec2CapacityBlockMarket";

/*
 * PublishedParameter against the SSM Parameter Store of the market fake (PutParameter with Overwrite=false fails with
 * ParameterAlreadyExists, as SSM's does). It never overwrites a value someone else wrote without `overwrite`, and
 * destroy deletes only what it wrote.
 */

const provider = publishedParameterProvider as Required<typeof publishedParameterProvider>;
const NAME = "/capacity-block/us-east-2/reservation-id";
const INPUTS = { name: NAME, value: "cr-0aaaaaaaaaaaaaaa1", overwrite: false, description: "published by capblocks ml/dev", region: "us-east-2" };
const SEED_BLOCK = "cr-0fffffffffffffff9";

describe("PublishedParameter provider", () => {
    let installed: InstalledMarket;
    const market = () => installed.market;
    beforeEach(() => {
        installed = install({ start: START, supply: [] });
    });
    afterEach(() => installed.restore());

    describe("create", () => {
        it("writes a parameter that does not exist yet, named by its id", async () => {
            const { id, outs } = await provider.create(INPUTS);
            expect(id).to.equal(NAME);
            expect(market().parameterValues()).to.deep.equal({ [NAME]: "cr-0aaaaaaaaaaaaaaa1" });
            expect(outs).to.include({ name: NAME, value: "cr-0aaaaaaaaaaaaaaa1", currentValue: "cr-0aaaaaaaaaaaaaaa1", overwrite: false });
            expect(outs).to.not.have.property("previousValue");
            const put = market().calls.find((c) => c.operation === "PutParameter")?.input as Record<string, unknown>;
            expect(put).to.include({ Overwrite: false, Type: "String", Description: "published by capblocks ml/dev" });
        });

        it("refuses a parameter that exists with another value, writing nothing, and says how to take it over", async () => {
            market().seedParameter(NAME, SEED_BLOCK);
            const err = await failure(provider.create(INPUTS));
            expect(err.message).to.equal(`PublishedParameter: SSM parameter ${NAME} already exists, holding "${SEED_BLOCK}", and this stack did not write it; ` +
                "nothing was written. Set capblocks:reservation.publishParameter: overwrite to take it over (it then holds this stack's value, and " +
                "`pulumi destroy` deletes it), or remove publishParameter to leave it alone.");
            expect(market().parameterValues()).to.deep.equal({ [NAME]: SEED_BLOCK });
            expect(market().count("PutParameter")).to.equal(0);
        });

        it("takes it over with overwrite, remembering what it held", async () => {
            market().seedParameter(NAME, SEED_BLOCK);
            const { outs } = await provider.create({ ...INPUTS, overwrite: true });
            expect(market().parameterValues()).to.deep.equal({ [NAME]: "cr-0aaaaaaaaaaaaaaa1" });
            expect(outs).to.include({ previousValue: SEED_BLOCK, overwrite: true });
            expect(market().notices).to.deep.equal([`PublishedParameter: took over SSM parameter ${NAME}: it held "${SEED_BLOCK}", now "cr-0aaaaaaaaaaaaaaa1".`]);
        });
    });

    describe("check (preview says it before up buys or writes anything)", () => {
        it("fails on name when a parameter it has not written exists, unless overwrite", async () => {
            market().seedParameter(NAME, SEED_BLOCK);
            const { failures } = await provider.check({}, { ...INPUTS, value: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
            expect(failures).to.have.length(1);
            expect(failures?.[0]).to.deep.include({ property: "name" });
            expect(failures?.[0].reason).to.contain(`already exists, holding "${SEED_BLOCK}"`);
            expect((await provider.check({}, { ...INPUTS, overwrite: true })).failures).to.deep.equal([]);
        });

        it("does not read a parameter it wrote, and takes a failed read for no answer (create checks again)", async () => {
            market().seedParameter(NAME, "cr-0aaaaaaaaaaaaaaa1");
            expect((await provider.check(INPUTS, { ...INPUTS, value: "cr-0bbbbbbbbbbbbbbb2" })).failures).to.deep.equal([]);
            expect(market().count("GetParameter")).to.equal(0);
            market().denyParameters();
            expect((await provider.check({}, INPUTS)).failures).to.deep.equal([]);
        });

        it("checks the name and the value", async () => {
            const { failures } = await provider.check({}, { ...INPUTS, name: "capacity-block/x", value: "" });
            expect(failures?.map((f) => f.property)).to.deep.equal(["name", "value"]);
        });
    });

    describe("update, diff and refresh", () => {
        it("writes the new value over its own, replaces only for a new name or Region", async () => {
            const { outs } = await provider.create(INPUTS);
            const news = { ...INPUTS, value: "cr-0bbbbbbbbbbbbbbb2" };
            expect(await provider.diff(NAME, outs, news)).to.deep.include({ changes: true, replaces: [] });
            expect(await provider.diff(NAME, outs, INPUTS)).to.deep.include({ changes: false });
            expect((await provider.diff(NAME, outs, { ...INPUTS, name: "/capacity-block/us-east-1/reservation-id", region: "us-east-1" })).replaces).to.deep.equal(["name", "region"]);
            const { outs: updated } = await provider.update(NAME, outs, news);
            expect(market().parameterValues()).to.deep.equal({ [NAME]: "cr-0bbbbbbbbbbbbbbb2" });
            expect(updated).to.include({ value: "cr-0bbbbbbbbbbbbbbb2" });
        });

        it("does not overwrite a value someone else wrote since, unless overwrite; writes anew one that was deleted", async () => {
            const { outs } = await provider.create(INPUTS);
            market().seedParameter(NAME, SEED_BLOCK);
            expect((await provider.read(NAME, outs)).props).to.include({ value: "cr-0aaaaaaaaaaaaaaa1", currentValue: SEED_BLOCK });
            const news = { ...INPUTS, value: "cr-0bbbbbbbbbbbbbbb2" };
            const err = await failure(provider.update(NAME, outs, news));
            expect(err.message).to.contain(`now holds "${SEED_BLOCK}", written by someone else since this stack wrote "cr-0aaaaaaaaaaaaaaa1"; nothing was written`);
            expect(market().parameterValues()).to.deep.equal({ [NAME]: SEED_BLOCK });
            await provider.update(NAME, outs, { ...news, overwrite: true });
            expect(market().parameterValues()).to.deep.equal({ [NAME]: "cr-0bbbbbbbbbbbbbbb2" });
            installed.restore();
            installed = install({ start: START, supply: [] });
            await provider.update(NAME, outs, news);
            expect(market().parameterValues()).to.deep.equal({ [NAME]: "cr-0bbbbbbbbbbbbbbb2" });
        });
    });

    describe("delete (pulumi destroy)", () => {
        it("deletes the parameter while it holds what this stack wrote", async () => {
            const { outs } = await provider.create(INPUTS);
            await provider.delete(NAME, outs);
            expect(market().parameterValues()).to.deep.equal({});
        });

        it("leaves a parameter someone else has written since, and says so; one already gone is no error", async () => {
            const { outs } = await provider.create(INPUTS);
            market().seedParameter(NAME, SEED_BLOCK);
            await provider.delete(NAME, outs);
            expect(market().parameterValues()).to.deep.equal({ [NAME]: SEED_BLOCK });
            expect(market().notices.pop()).to.contain(`left SSM parameter ${NAME} in place: it holds "${SEED_BLOCK}"`);
            installed.restore();
            installed = install({ start: START, supply: [] });
            await provider.delete(NAME, outs);
            expect(market().count("DeleteParameter")).to.equal(0);
        });
    });

    it("is serialized into state without capturing the SDK, and runs revived", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => publishedParameterProvider, { allowSecrets: true });
        expect(serialized.text).to.contain("require(\"@aws-sdk/client-ssm\")").and.not.match(/var __(client_ssm_1|pulumi)\b/);
        expect(serialized.text.length).to.be.below(60_000);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const requireFromString = require("require-from-string") as (code: string) => { handler: () => Required<pulumi.dynamic.ResourceProvider> };
        const revived = requireFromString(serialized.text).handler();
        const { id, outs } = await revived.create(INPUTS);
        expect(market().parameterValues()).to.deep.equal({ [NAME]: "cr-0aaaaaaaaaaaaaaa1" });
        await revived.delete(id, outs);
        expect(market().parameterValues()).to.deep.equal({});
    });
});
