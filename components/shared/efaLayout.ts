/**
 * The EFA network-interface layout for a launch template, derived from the instance catalog.
 *
 * Sources: EC2 user guide "Maximize network bandwidth on instances with multiple network cards" (card 0 at
 * device index 0; every further card at device index 1 for an EFA-with-ENA interface) and the PCS user guide
 * "Create or update an EC2 launch template" for EFA (security groups go on every interface as `Groups`, because
 * launch templates that define interfaces cannot use SecurityGroupIds).
 */
import type { InstanceFacts } from "./catalog";

export interface EfaInterface<T> {
    networkCardIndex: number;
    deviceIndex: number;
    interfaceType: "efa";
    securityGroups: T[];
    subnetId: T;
    deleteOnTermination: "true";
}

/** One EFA interface per network card, or none when the type has no EFA. */
export function efaInterfaces<T>(
    facts: Pick<InstanceFacts, "efaSupported" | "networkCards">,
    securityGroups: T[],
    subnetId: T,
): EfaInterface<T>[] {
    if (!facts.efaSupported) return [];
    return Array.from({ length: facts.networkCards }, (_, card) => ({
        networkCardIndex: card,
        deviceIndex: card === 0 ? 0 : 1,
        interfaceType: "efa" as const,
        securityGroups,
        subnetId,
        deleteOnTermination: "true" as const,
    }));
}
