/**
 * What this stack's last deployment said: its stack outputs, read at program time through a StackReference to
 * the stack itself. A program cannot read its own resources' earlier state, but it can read the outputs the
 * last `pulumi up` exported (Pulumi docs, "Stack references": a StackReference gives a stack's outputs; it is a
 * read, so `pulumi preview` sees the values too). A stack that was never deployed has no outputs.
 *
 * Call `previousDeployment()` once per program run: each call registers a StackReference, and two would share a URN.
 */
import * as pulumi from "@pulumi/pulumi";

/** The last deployment's string outputs; a missing, empty or non-string output reads as undefined. */
export interface PreviousDeployment {
    output(name: string): Promise<string | undefined>;
}

const RESOURCE_NAME = "previous-deployment";

export function previousDeployment(): PreviousDeployment {
    const self = new pulumi.StackReference(RESOURCE_NAME, { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
    return {
        async output(name: string): Promise<string | undefined> {
            const { value, secretValue } = await self.getOutputDetails(name);
            const found: unknown = value ?? secretValue;
            return typeof found === "string" && found !== "" ? found : undefined;
        },
    };
}
