/**
 * The one rule for addresses relayed by a load balancer, SFTP (PROXY protocol v2) and REST
 * (X-Forwarded-For) alike: only a peer listed in `[admin] TrustedProxies` may say who the client
 * is. An empty list trusts nobody, so a server that expects PROXY headers cannot run with it.
 */
import { ipInList } from '../util/ip.js';

/** Whether `peer` (the TCP peer's address) may relay a client's address. */
export function isTrustedProxy(peer: string, trustedProxies: readonly string[]): boolean {
  return ipInList(peer, trustedProxies);
}

/** Whether a server's connections from trusted proxies start with a PROXY v2 header. */
export function proxyProtocolEnabled(protoConfig: Record<string, unknown>): boolean {
  return protoConfig.proxyProtocol === true;
}

/** Why a server's `protoConfig.proxyProtocol` cannot be used with these trusted proxies, if it cannot. */
export function proxyProtocolProblem(
  protoConfig: Record<string, unknown>,
  trustedProxies: readonly string[],
): string | undefined {
  const value = protoConfig.proxyProtocol;
  if (value === undefined || value === false) return undefined;
  if (value !== true) return `protoConfig.proxyProtocol must be true or false, not ${JSON.stringify(value)}`;
  if (trustedProxies.length > 0) return undefined;
  return (
    'protoConfig.proxyProtocol is true but [admin] TrustedProxies is empty, so no load balancer may ' +
    "send the header: list the load balancer's own address in TrustedProxies, or set proxyProtocol to false"
  );
}
