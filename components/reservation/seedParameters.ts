/**
 * The SSM Parameter Store names the seed scripts (`manage-capacity-block.sh purchase`, `deploy.sh
 * --use-capacity-block`) wrote and read: the block's id and the subnet to launch in, per Region. capblocks reads the
 * first with capblocks:reservation.parameterName, writes both with capblocks:reservation.publishParameter, and
 * `npm run blocks` shows which block they name.
 */
export function seedParameterNames(region: string): { reservationId: string; subnetId: string } {
    return { reservationId: `/capacity-block/${region}/reservation-id`, subnetId: `/capacity-block/${region}/subnet-id` };
}
