/**
 * A subnet the config names fixes where instances run, and a Capacity Block's instances launch only in the block's
 * Availability Zone (EC2 user guide, "Capacity Blocks for ML"; PCS user guide, "Configure an AWS PCS compute node
 * group to use a Capacity Block"). Checked at program time, before anything is bought or declared: a block to buy
 * must be bought in the subnet's zone, a known block must be in it.
 */

/** A subnet as looked up at program time. */
export interface KnownSubnet {
    id: string;
    availabilityZone: string;
    vpcId: string;
}

/** Where the block is: known (adopted, or bought on an earlier run), or still to buy in the zones the config allows. */
export type BlockZone =
    | { kind: "block"; availabilityZone: string }
    | { kind: "block-to-buy"; availabilityZones?: string[]; region: string };

/** Why the subnet (named by config key `key`) cannot serve the block, or undefined. */
export function subnetZoneError(key: string, subnet: KnownSubnet, where: BlockZone): string | undefined {
    const az = subnet.availabilityZone;
    if (where.kind === "block") {
        if (where.availabilityZone === az) return undefined;
        return (
            `${key}: ${subnet.id} is in ${az}, but the Capacity Block is in ${where.availabilityZone}, and instances can only use ` +
            `the block from its own Availability Zone; choose a subnet in ${where.availabilityZone}`
        );
    }
    const zones = where.availabilityZones;
    if (zones && zones.every((z) => z === az)) return undefined;
    const mayLand = zones ? `in ${zones.join(" or ")}` : `in any Availability Zone of ${where.region}`;
    return (
        `${key}: ${subnet.id} is in ${az}, but the block to buy may land ${mayLand}, and instances can only use a block from its ` +
        `own Availability Zone; set capblocks:reservation.availabilityZones: [${az}] so the block is bought there (nothing was bought)`
    );
}
