/**
 * The EFA network-interface layout for a launch template: from the instance catalog, or from the user's override
 * for a type the catalog does not know (capblocks:cluster.efaInterfaces).
 *
 * Sources: EC2 user guide "Maximize network bandwidth on instances with multiple network cards" (card 0 at
 * device index 0; every further card at device index 1 for an EFA-with-ENA interface; some types have no EFA on
 * card 0, which then carries a plain ENA primary interface) and the PCS user guide "Create or update an EC2 launch
 * template" for EFA (security groups go on every interface as `Groups`, because launch templates that define
 * interfaces cannot use SecurityGroupIds). docs/aws-notes.md#efa-network-cards.
 */
import type { InstanceFacts } from "./catalog";

/** The most network cards any EC2 type has today is 32 (p5.48xlarge); the override allows some headroom. */
export const MAX_EFA_INTERFACES = 64;

/**
 * The user's EFA layout for a type: a count of EFA interfaces on network cards 0..count-1, or the count with
 * `firstCard: 1` when card 0 has no EFA (its primary interface stays plain ENA). 0: no EFA at all.
 */
export type EfaOverride = number | { count: number; firstCard?: 0 | 1 };

/** Where the EFA interfaces go: `count` interfaces on consecutive network cards from `firstCard`. */
interface EfaLayout {
    count: number;
    firstCard: 0 | 1;
}

type EfaFacts = Pick<InstanceFacts, "efaSupported" | "networkCards"> & Partial<Pick<InstanceFacts, "primaryCardEfa">>;

/** The layout the override asks for, else the catalog's: one EFA interface per card that supports EFA. */
export function efaLayoutOf(facts: EfaFacts, override?: EfaOverride): EfaLayout {
    if (override !== undefined) {
        return typeof override === "number" ? { count: override, firstCard: 0 } : { count: override.count, firstCard: override.firstCard ?? 0 };
    }
    if (!facts.efaSupported) return { count: 0, firstCard: 0 };
    const firstCard = facts.primaryCardEfa === false ? 1 : 0;
    return { count: facts.networkCards - firstCard, firstCard };
}

/** One interface of the layout (named for EFA; a type whose card 0 has no EFA also gets its plain ENA primary). */
export interface EfaInterface<T> {
    networkCardIndex: number;
    deviceIndex: number;
    /** `interface`: the plain ENA primary interface of a type whose card 0 has no EFA. */
    interfaceType: "efa" | "interface";
    securityGroups: T[];
    subnetId: T;
    deleteOnTermination: "true";
}

/**
 * The launch template's network interfaces: one EFA interface per card in the layout (and a plain ENA primary on
 * card 0 when EFA starts at card 1), or none when there is no EFA. `override`: capblocks:cluster.efaInterfaces.
 */
export function efaInterfaces<T>(facts: EfaFacts, securityGroups: T[], subnetId: T, override?: EfaOverride): EfaInterface<T>[] {
    const layout = efaLayoutOf(facts, override);
    if (layout.count === 0) return [];
    const nic = (card: number, interfaceType: EfaInterface<T>["interfaceType"]): EfaInterface<T> => ({
        networkCardIndex: card,
        deviceIndex: card === 0 ? 0 : 1,
        interfaceType,
        securityGroups,
        subnetId,
        deleteOnTermination: "true",
    });
    const efa = Array.from({ length: layout.count }, (_, i) => nic(layout.firstCard + i, "efa"));
    return layout.firstCard === 1 ? [nic(0, "interface"), ...efa] : efa;
}
