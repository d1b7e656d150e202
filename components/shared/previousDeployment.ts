/**
 * What this stack's last deployment said: its stack outputs, read at program time through a StackReference to
 * the stack itself. A program cannot read its own resources' earlier state, but it can read the outputs the
 * last `pulumi up` exported (Pulumi docs, "Stack references": a StackReference gives a stack's outputs; it is a
 * read, so `pulumi preview` sees the values too). A stack that was never deployed has no outputs.
 *
 * One StackReference per program run, whoever asks: a second one would have the same URN.
 */
import * as pulumi from "@pulumi/pulumi";

export interface PreviousDeployment {
    /** The output as the last deployment exported it (a secret's plain value); undefined when it has none. */
    value(name: string): Promise<unknown>;
    /** A string output; a missing, empty or non-string output reads as undefined. */
    output(name: string): Promise<string | undefined>;
}

const RESOURCE_NAME = "previous-deployment";

/** Keyed by the engine connection: a program run has one (and so does each run under test mocks). */
const perRun = new WeakMap<object, PreviousDeployment>();

export function previousDeployment(): PreviousDeployment {
    const run = pulumi.runtime.getMonitor() as object;
    const known = perRun.get(run);
    if (known) return known;
    const reading = readPreviousDeployment();
    perRun.set(run, reading);
    return reading;
}

function readPreviousDeployment(): PreviousDeployment {
    const self = new pulumi.StackReference(RESOURCE_NAME, { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
    const value = async (name: string): Promise<unknown> => {
        const details = await self.getOutputDetails(name);
        return details.value ?? details.secretValue;
    };
    return {
        value,
        async output(name: string): Promise<string | undefined> {
            const found = await value(name);
            return typeof found === "string" && found !== "" ? found : undefined;
        },
    };
}
