import type * as pulumi from "@pulumi/pulumi";

/** A resource as the engine keeps it between operations. */
export interface Stored {
    id: string;
    outs: Record<string, unknown>;
}

export interface EngineStep {
    stored: Stored;
    /** Whether the engine called create or update (a no-op `up` calls neither). */
    applied: boolean;
}

async function checked(provider: pulumi.dynamic.ResourceProvider, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const result = await provider.check?.(olds, news);
    if (result?.failures?.length) throw new Error(`check failed: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    return result?.inputs ?? news;
}

/** What the Pulumi engine does on `up` for a dynamic resource: check, then create, or diff and update only if diff says changes. */
export async function engineUp(provider: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>, prior?: Stored): Promise<EngineStep> {
    const inputs = await checked(provider, prior?.outs ?? {}, news);
    if (!prior) {
        const created = await provider.create(inputs);
        return { stored: { id: created.id, outs: created.outs ?? {} }, applied: true };
    }
    const diff = await provider.diff?.(prior.id, prior.outs, inputs);
    if (diff && diff.changes === false) return { stored: prior, applied: false };
    const updated = await provider.update?.(prior.id, prior.outs, inputs);
    return { stored: { id: prior.id, outs: updated?.outs ?? prior.outs }, applied: true };
}

/** `pulumi refresh`: read with the stored id and outputs. */
export async function engineRefresh(provider: pulumi.dynamic.ResourceProvider, prior: Stored): Promise<Stored> {
    const read = await provider.read?.(prior.id, prior.outs);
    return { id: read?.id ?? prior.id, outs: read?.props ?? prior.outs };
}
