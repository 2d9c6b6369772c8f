/**
 * The address of the client behind a request. `X-Forwarded-For` is believed only when the
 * connection comes from a trusted proxy (`[admin] TrustedProxies`), and then only up to the
 * first hop that is not itself trusted: a client cannot pick its own address by sending the
 * header.
 */
import { isTrustedProxy } from '../model/proxy-trust.js';
import { normalizeIp } from '../util/ip.js';

export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: readonly string[],
): string {
  const peer = normalizeIp(socketAddress ?? '');
  if (forwardedFor === undefined || !isTrustedProxy(peer, trustedProxies)) return peer;
  const hops = forwardedFor
    .split(',')
    .map((h) => normalizeIp(h.trim()))
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (!isTrustedProxy(hop, trustedProxies)) return hop;
  }
  return hops[0] ?? peer;
}
