import { isDeepStrictEqual } from "util";
import type { CheckResult, DiffResult, Props, ResourceClient } from "./harness";
import { ProviderCallError } from "./harness";

// One resource's life across `pulumi preview/up/refresh/destroy`, deciding steps the way pulumi 3.248's engine does
// (pkg/resource/deploy/step_generator.go, step.go): Check first; no state → Create; otherwise Diff, where
// DIFF_UNKNOWN falls back to comparing old and new inputs, replaces → replacement (delete first only with
// deleteBeforeReplace), DIFF_SOME → Update, DIFF_NONE → Same unless the last operation left init errors, which
// forces an Update. A partial failure (ErrorResourceInitFailed) keeps the id and stores its properties as outputs.

/** What the engine keeps in the stack state for the resource. */
export interface ResourceState {
    id: string;
    inputs: Props;
    outputs: Props;
    /** Reasons from the last ErrorResourceInitFailed; cleared by a successful create/update. */
    initErrors: string[];
    /** Output paths the engine stores encrypted, as of the last successful create/update. */
    secretOutputs?: string[];
}

export type StepKind = "create" | "update" | "same" | "replace" | "delete" | "refresh" | "check-failed";

export interface StepOutcome {
    step: StepKind;
    check?: CheckResult;
    diff?: DiffResult;
    /** Set when the provider call failed; the state reflects what the engine would keep. */
    error?: ProviderCallError;
}

export class ResourceLifecycle {
    state: ResourceState | undefined;

    constructor(readonly resource: ResourceClient) {}

    /**
     * `pulumi preview`: Check and Diff only. The host reports supportsPreview=false, so the engine never calls
     * Create/Update in a preview; planned outputs are the checked inputs.
     */
    async preview(changes: Props = {}): Promise<StepOutcome & { planned?: Props }> {
        const check = await this.resource.check(this.resource.inputs(changes), this.state?.inputs ?? {});
        if (check.failures.length > 0) {
            return { step: "check-failed", check };
        }
        if (!this.state) {
            return { step: "create", check, planned: check.inputs };
        }
        const diff = await this.diff(check.inputs);
        return { step: this.stepFor(diff), check, diff, planned: check.inputs };
    }

    /** `pulumi up` with the program's inputs changed by `changes`. */
    async up(changes: Props = {}): Promise<StepOutcome> {
        const check = await this.resource.check(this.resource.inputs(changes), this.state?.inputs ?? {});
        if (check.failures.length > 0) {
            return { step: "check-failed", check };
        }
        if (!this.state) {
            return { step: "create", check, error: await this.create(check.inputs) };
        }
        const diff = await this.diff(check.inputs);
        const step = this.stepFor(diff);
        if (step === "same") {
            this.state = { ...this.state, inputs: check.inputs };
            return { step, check, diff };
        }
        if (step === "replace") {
            return { step, check, diff, error: await this.replace(check.inputs, diff.deleteBeforeReplace) };
        }
        return { step, check, diff, error: await this.update(check.inputs) };
    }

    /** `pulumi refresh`: Read; an empty id means the resource is gone and leaves the state. */
    async refresh(): Promise<StepOutcome> {
        const state = this.requireState();
        try {
            const read = await this.resource.read(state.id, state.outputs, state.inputs);
            this.state = read.id === ""
                ? undefined
                : { ...state, id: read.id, outputs: read.properties, inputs: read.inputs ?? state.inputs };
            return { step: "refresh" };
        } catch (e) {
            return { step: "refresh", error: asCallError(e) };
        }
    }

    /** `pulumi destroy`: Delete with the stored outputs and inputs; the state goes only if Delete succeeded. */
    async destroy(): Promise<StepOutcome> {
        const state = this.requireState();
        try {
            await this.resource.delete(state.id, state.outputs, state.inputs);
            this.state = undefined;
            return { step: "delete" };
        } catch (e) {
            return { step: "delete", error: asCallError(e) };
        }
    }

    private async diff(news: Props): Promise<DiffResult> {
        const state = this.requireState();
        const diff = await this.resource.diff(state.id, state.outputs, news, state.inputs);
        if (diff.changes !== "DIFF_UNKNOWN") {
            return diff;
        }
        return { ...diff, changes: isDeepStrictEqual(state.inputs, news) ? "DIFF_NONE" : "DIFF_SOME" };
    }

    private stepFor(diff: DiffResult): StepKind {
        if (diff.changes === "DIFF_SOME") {
            return diff.replaces.length > 0 ? "replace" : "update";
        }
        return (this.state?.initErrors.length ?? 0) > 0 ? "update" : "same";
    }

    private async create(inputs: Props): Promise<ProviderCallError | undefined> {
        try {
            const created = await this.resource.create(inputs);
            this.state = { id: created.id, inputs, outputs: created.properties, initErrors: [], secretOutputs: created.secretOutputs };
            return undefined;
        } catch (e) {
            const error = asCallError(e);
            if (error.initFailure) {
                const { id, properties, reasons } = error.initFailure;
                this.state = { id, inputs, outputs: properties, initErrors: reasons };
            }
            return error;
        }
    }

    private async update(inputs: Props): Promise<ProviderCallError | undefined> {
        const state = this.requireState();
        try {
            const updated = await this.resource.update(state.id, state.outputs, inputs, state.inputs);
            this.state = { id: state.id, inputs, outputs: updated.properties, initErrors: [], secretOutputs: updated.secretOutputs };
            return undefined;
        } catch (e) {
            const error = asCallError(e);
            if (error.initFailure) {
                this.state = { ...state, inputs, outputs: error.initFailure.properties, initErrors: error.initFailure.reasons };
            }
            return error;
        }
    }

    private async replace(inputs: Props, deleteFirst: boolean): Promise<ProviderCallError | undefined> {
        const old = this.requireState();
        if (deleteFirst) {
            const deleted = await this.destroy();
            if (deleted.error) {
                return deleted.error;
            }
            return this.create(inputs);
        }
        this.state = undefined;
        const createError = await this.create(inputs);
        if (createError) {
            // A create that failed outright leaves the old resource in place; a partial one is tracked as the new.
            this.state ??= old;
            return createError;
        }
        try {
            await this.resource.delete(old.id, old.outputs, old.inputs);
            return undefined;
        } catch (e) {
            // The engine keeps the old resource as pending-delete; this lifecycle tracks only the new one.
            return asCallError(e);
        }
    }

    private requireState(): ResourceState {
        if (!this.state) {
            throw new Error("the resource has no state yet: run up() first");
        }
        return this.state;
    }
}

function asCallError(e: unknown): ProviderCallError {
    if (e instanceof ProviderCallError) {
        return e;
    }
    throw e;
}
