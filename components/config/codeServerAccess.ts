/**
 * Rules about who may reach the dev box: a /0 in the CIDRs nginx is opened to is the whole internet, allowed only
 * when asked for (the schema already refused what is no IPv4 network); and the two ports on the box.
 */
import { show } from "./hints";
import type { CodeServerConfig } from "./types";

const KEY = "capblocks:codeServer";

function cidrProblem(cidr: string, index: number, allowPublicInternet: boolean): string | undefined {
    if (!cidr.endsWith("/0") || allowPublicInternet) return undefined;
    return `${KEY}.allowedCidrs[${index}]: ${show(cidr)} opens code-server to the whole internet; list the addresses you connect from ` +
        "(e.g. your own /32), or leave allowedCidrs empty and connect through portForwardCommand, " +
        `or set ${KEY}.allowPublicInternet: true to open it on purpose (HTTPS with a self-signed certificate, behind the password)`;
}

export function accessProblems(cs: Pick<CodeServerConfig, "allowedCidrs" | "allowPublicInternet" | "internalPort" | "nginxPort">): string[] {
    const cidrs = cs.allowedCidrs.flatMap((cidr, i) => cidrProblem(cidr, i, cs.allowPublicInternet) ?? []);
    const ports = cs.internalPort === cs.nginxPort
        ? [`${KEY}.nginxPort: ${cs.nginxPort} is also code-server's internalPort; give nginx and code-server different ports`]
        : [];
    return [...cidrs, ...ports];
}
