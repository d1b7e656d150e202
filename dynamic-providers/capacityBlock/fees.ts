// Fees as EC2 gives them (UpfrontFee, a decimal string) and the ceiling the user sets (maxUpfrontFee, USD), compared
// exactly: as whole numbers of the smallest unit either has, never as floating point ("900.0000000000000001" > "900").

/** The only currency the ceiling is in: an offer priced in any other is never bought under it. */
export const CEILING_CURRENCY = "USD";

const DECIMAL = /^\d+(\.\d+)?$/;

/** True for a plain non-negative decimal such as "900" or "1234.56" (no sign, exponent, separator or symbol). */
export function isFee(fee: unknown): fee is string {
    return typeof fee === "string" && DECIMAL.test(fee.trim());
}

/** The fee as an integer count of 10^-scale units. */
function scaled(fee: string, scale: number): bigint {
    const [whole, fraction = ""] = fee.trim().split(".");
    return BigInt(whole + fraction.padEnd(scale, "0"));
}

/** Sign of a − b, exactly; both must pass isFee. */
export function compareFees(a: string, b: string): number {
    const scale = Math.max(a.trim().split(".")[1]?.length ?? 0, b.trim().split(".")[1]?.length ?? 0);
    const diff = scaled(a, scale) - scaled(b, scale);
    return diff > BigInt(0) ? 1 : diff < BigInt(0) ? -1 : 0;
}

/** A ceiling the provider accepts: a decimal greater than zero. */
export function isPositiveFee(fee: unknown): boolean {
    return isFee(fee) && compareFees(fee, "0") > 0;
}

/** The exact sum of fees ("840.00" + "720.5" = "1560.50"), at the finest scale among them; undefined when one is not a fee. */
export function sumFees(fees: string[]): string | undefined {
    if (!fees.every(isFee)) return undefined;
    const scale = Math.max(0, ...fees.map((f) => f.trim().split(".")[1]?.length ?? 0));
    const total = fees.reduce((sum, f) => sum + scaled(f, scale), BigInt(0)).toString().padStart(scale + 1, "0");
    return scale === 0 ? total : `${total.slice(0, -scale)}.${total.slice(-scale)}`;
}

/**
 * A fee spread over units of time: `units` whole units (e.g. accelerator-minutes: instances × accelerators × minutes),
 * so that prices of blocks of different types, counts and lengths compare exactly.
 */
export interface FeePer {
    fee: string;
    units: number;
}

/** Sign of a.fee/a.units − b.fee/b.units, exactly (cross-multiplied as integers); fees must pass isFee, units be positive whole numbers. */
export function compareFeesPer(a: FeePer, b: FeePer): number {
    const scale = Math.max(a.fee.trim().split(".")[1]?.length ?? 0, b.fee.trim().split(".")[1]?.length ?? 0);
    const diff = scaled(a.fee, scale) * BigInt(b.units) - scaled(b.fee, scale) * BigInt(a.units);
    return diff > BigInt(0) ? 1 : diff < BigInt(0) ? -1 : 0;
}

/** fee × multiplier / units as a decimal with `decimals` places, rounded half up ("1000" × 60 / 1440 at 2 → "41.67"). */
export function feePerText(fee: string, multiplier: number, units: number, decimals: number): string {
    const scale = fee.trim().split(".")[1]?.length ?? 0;
    const numerator = scaled(fee, scale) * BigInt(multiplier) * BigInt(10) ** BigInt(decimals);
    const denominator = BigInt(units) * BigInt(10) ** BigInt(scale);
    const rounded = ((numerator * BigInt(2) + denominator) / (denominator * BigInt(2))).toString().padStart(decimals + 1, "0");
    return decimals === 0 ? rounded : `${rounded.slice(0, -decimals)}.${rounded.slice(-decimals)}`;
}
