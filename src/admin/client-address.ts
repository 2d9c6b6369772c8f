/**
 * The address of the client behind a request. `X-Forwarded-For` is believed only when the
 * connection comes from a trusted proxy (`[admin] TrustedProxies`), and then only up to the
 * first hop that is not itself trusted: a client cannot pick its own address by sending the
 * header.
 */
import { ipAllowed } from '../sftp/ip-allow.js';
import { normalizeIp } from '../util/ip.js';

export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: readonly string[],
): string {
  const peer = normalizeIp(socketAddress ?? '');
  if (trustedProxies.length === 0 || forwardedFor === undefined || !ipAllowed(peer, trustedProxies))
    return peer;
  const hops = forwardedFor
    .split(',')
    .map((h) => normalizeIp(h.trim()))
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (!ipAllowed(hop, trustedProxies)) return hop;
  }
  return hops[0] ?? peer;
}
