// What an AWS error means for the provider: for a purchase, what happened to the money; for a read, whether to retry.
// Error codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html

/** What a failed PurchaseCapacityBlock(Extension) call means for the money. */
type PurchaseOutcome = "offering-gone" | "rejected" | "unknown";

const OFFERING_GONE_CODES = [
    // "InvalidCapacityBlockOfferingIdExpired: The Capacity Block offering ID is no longer available."
    "InvalidCapacityBlockOfferingIdExpired",
    "InvalidCapacityBlockOfferingIdNotFound",
    "InvalidCapacityBlockOfferingId.NotFound",
];

/**
 * InvalidParameterValue for a purchase: a bad request, or (as an independent fake answers) an offering sold meanwhile;
 * EC2's documentation does not say which a sold offering gets. Either way EC2 bought nothing, so it is treated like an
 * offering gone: the next offering is tried (at most MAX_PURCHASE_TRIES in all), and EC2's text is shown if none sells.
 */
const MAYBE_GONE_CODES = ["InvalidParameterValue"];

const THROTTLING_CODES = ["RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException"];

interface AwsLikeError {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
}

function errorCode(err: unknown): string {
    const e = err as AwsLikeError;
    return e?.Code ?? e?.name ?? "";
}

function httpStatus(err: unknown): number | undefined {
    return (err as AwsLikeError)?.$metadata?.httpStatusCode;
}

/**
 * An offering gone is a definite "not bought"; any other 4xx client error (bad parameter, no permission) too.
 * Throttling, 5xx, timeouts and network errors leave it open whether EC2 bought: only the token lookup can tell.
 */
export function classifyPurchaseError(err: unknown): PurchaseOutcome {
    const code = errorCode(err);
    if (OFFERING_GONE_CODES.includes(code) || MAYBE_GONE_CODES.includes(code)) return "offering-gone";
    if (THROTTLING_CODES.includes(code)) return "unknown";
    const status = httpStatus(err);
    if (status !== undefined && status >= 400 && status < 500) return "rejected";
    return "unknown";
}

/** EC2 said the offering is no longer available (not merely an invalid parameter). */
export function isOfferingGoneError(err: unknown): boolean {
    return OFFERING_GONE_CODES.includes(errorCode(err));
}

/** Reads may be retried: throttling, 5xx, timeouts and network errors. */
export function isRetryableReadError(err: unknown): boolean {
    const code = errorCode(err);
    if (THROTTLING_CODES.includes(code)) return true;
    const status = httpStatus(err);
    if (status !== undefined) return status >= 500 || status === 429;
    return ["TimeoutError", "RequestTimeout", "ECONNRESET", "ETIMEDOUT", "EPIPE", "NetworkingError"].includes(code);
}

export function isNotFoundError(err: unknown): boolean {
    return errorCode(err) === "InvalidCapacityReservationId.NotFound";
}

/** An AWS error as a message shows it: "RequestLimitExceeded: Request limit exceeded." */
export function errorText(err: unknown): string {
    const e = err as { name?: string; message?: string };
    return `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
}
