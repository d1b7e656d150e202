/**
 * IPv4 and IPv6 CIDR blocks as EC2 security groups take them: the address must be the network's own (no host bits
 * set), and a /0 admits the whole internet. Pure, so config rules and security group rules share one reading.
 */

export interface Cidr {
    family: 4 | 6;
    /** The address as written, as a number. */
    address: bigint;
    prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

function ipv4(text: string): bigint | undefined {
    const m = IPV4.exec(text);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return octets.reduce((n, o) => (n << 8n) | BigInt(o), 0n);
}

function ipv6(text: string): bigint | undefined {
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
    if (groups.some((g) => !g.every((x) => HEXTET.test(x)))) return undefined;
    const written = groups.flat().length;
    if (halves.length === 1 ? written !== 8 : written > 7) return undefined;
    const hextets = halves.length === 1 ? groups[0] : [...groups[0], ...Array<string>(8 - written).fill("0"), ...groups[1]];
    return hextets.reduce((n, x) => (n << 16n) | BigInt(parseInt(x, 16)), 0n);
}

/** The CIDR block, or undefined when `text` is not one (IPv4 dotted quad or IPv6 hex, a prefix length in range). */
export function parseCidr(text: string): Cidr | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
    if (!m) return undefined;
    const prefix = Number(m[2]);
    const v4 = ipv4(m[1]);
    if (v4 !== undefined) return prefix <= 32 ? { family: 4, address: v4, prefix } : undefined;
    const v6 = m[1].includes(":") ? ipv6(m[1]) : undefined;
    return v6 !== undefined && prefix <= 128 ? { family: 6, address: v6, prefix } : undefined;
}

const bits = (c: Cidr) => (c.family === 4 ? 32 : 128);
const hostMask = (c: Cidr) => (1n << BigInt(bits(c) - c.prefix)) - 1n;

/** Bits set below the prefix: EC2 refuses such a block for a security group rule. */
export function hasHostBits(c: Cidr): boolean {
    return (c.address & hostMask(c)) !== 0n;
}

/** A /0: every address of its family. */
export function coversEverything(c: Cidr): boolean {
    return c.prefix === 0;
}

function formatAddress(family: 4 | 6, address: bigint): string {
    if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 255n)).join(".");
    const hextets = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(112 - 16 * i)) & 0xffffn));
    // RFC 5952: the longest run of two or more zero groups becomes "::".
    let best = { start: -1, length: 1 };
    for (let i = 0; i < 8; ) {
        let j = i;
        while (j < 8 && hextets[j] === 0) j++;
        if (j - i > best.length) best = { start: i, length: j - i };
        i = j === i ? i + 1 : j;
    }
    const hex = hextets.map((h) => h.toString(16));
    if (best.start < 0) return hex.join(":");
    return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

/** The block's network, written as EC2 wants it (host bits cleared). */
export function networkOf(c: Cidr): string {
    return `${formatAddress(c.family, c.address & ~hostMask(c))}/${c.prefix}`;
}

/** The single address the block was written with, as a /32 or /128. */
export function singleAddressOf(c: Cidr): string {
    return `${formatAddress(c.family, c.address)}/${bits(c)}`;
}
