/**
 * Rules about who may reach the dev box: the CIDRs nginx is opened to (EC2 refuses a block with host bits set,
 * and a /0 is the whole internet, allowed only when asked for), and the two ports on the box.
 */
import { coversEverything, hasHostBits, networkOf, parseCidr, singleAddressOf } from "../shared/cidr";
import { show } from "./problems";
import type { CodeServerConfig } from "./types";

const KEY = "capblocks:codeServer";

function cidrProblem(cidr: string, index: number, allowPublicInternet: boolean): string | undefined {
    const parsed = parseCidr(cidr);
    // The schema already said it is no CIDR.
    if (!parsed) return undefined;
    const key = `${KEY}.allowedCidrs[${index}]`;
    if (hasHostBits(parsed)) {
        return `${key}: ${show(cidr)} has host bits set (its network is ${networkOf(parsed)}); ` +
            `write ${networkOf(parsed)} for the whole network, or ${singleAddressOf(parsed)} for that one address`;
    }
    if (coversEverything(parsed) && !allowPublicInternet) {
        return `${key}: ${show(cidr)} opens code-server to the whole internet; list the addresses you connect from ` +
            "(e.g. your own /32), or leave allowedCidrs empty and connect through portForwardCommand, " +
            `or set ${KEY}.allowPublicInternet: true to open it on purpose (HTTPS with a self-signed certificate, behind the password)`;
    }
    return undefined;
}

export function accessProblems(cs: Pick<CodeServerConfig, "allowedCidrs" | "allowPublicInternet" | "internalPort" | "nginxPort">): string[] {
    const cidrs = cs.allowedCidrs.flatMap((cidr, i) => cidrProblem(cidr, i, cs.allowPublicInternet) ?? []);
    const ports = cs.internalPort === cs.nginxPort
        ? [`${KEY}.nginxPort: ${cs.nginxPort} is also code-server's internalPort; give nginx and code-server different ports`]
        : [];
    return [...cidrs, ...ports];
}
