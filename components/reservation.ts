import * as pulumi from "@pulumi/pulumi";

/** The one shape every component sees, whether the block was bought, adopted, or there is none. */
export interface ReservationInfo {
    /** Capacity reservation id (`cr-…`). */
    id: pulumi.Output<string>;
    availabilityZone: pulumi.Output<string>;
    instanceType: string;
    instanceCount: number;
    /** ISO 8601. */
    startDate: pulumi.Output<string>;
    /** ISO 8601. */
    endDate: pulumi.Output<string>;
    /** payment-pending | scheduled | active | expired | payment-failed | … as EC2 reports it. */
    state: pulumi.Output<string>;
}
