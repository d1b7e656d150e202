/**
 * Regions AWS documents as selling Capacity Blocks (EC2 user guide, "Capacity Blocks for ML", per instance type;
 * docs/aws-notes.md#regions-that-sell-blocks, read 2026-11-30). The list grows over time, so a Region missing from
 * it is only a warning: EC2's answer to the search is the judge, and preview's quote shows it.
 */
export const CAPACITY_BLOCK_REGIONS = ["us-east-1", "us-east-2", "us-west-2", "ap-northeast-1", "ap-southeast-4"];

/** Why buying in `region` may find nothing, or undefined for a Region on the documented list. */
export function blockRegionWarning(region: string): string | undefined {
    if (CAPACITY_BLOCK_REGIONS.includes(region)) return undefined;
    return `aws:region: ${region} is not among the Regions AWS documents as selling Capacity Blocks (${CAPACITY_BLOCK_REGIONS.join(", ")}; ` +
        "the list grows, see docs/aws-notes.md#regions-that-sell-blocks); if `pulumi preview` quotes no offering, choose one of those Regions";
}
