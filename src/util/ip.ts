/**
 * IP addresses as the gateway compares them: one text form per address, and membership of a
 * list of addresses and CIDRs (IPv4 and IPv6). Used by the account allow-lists, the proxy trust
 * rule and the ban exemptions.
 */
import { BlockList, SocketAddress, isIP } from 'node:net';

/** `::ffff:a.b.c.d` → `a.b.c.d`; other addresses unchanged. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/**
 * An address written as Node writes a socket's remoteAddress (libuv's inet_ntop: RFC 5952, the
 * longest run of zeros compressed, lower case), IPv4-mapped ones as IPv4: the one key of a
 * client, however it was written. Text that is not an IP address is returned as it is.
 */
export function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return normalizeIp(new SocketAddress({ address: ip, family: 'ipv6' }).address);
}

/**
 * Whether `ip` is one of `list`'s addresses or inside one of its CIDRs. An empty list holds
 * nobody; malformed entries match nothing (they never widen the list).
 */
export function ipInList(ip: string, list: readonly string[]): boolean {
  const addr = normalizeIp(ip);
  const family = isIP(addr);
  if (family === 0 || list.length === 0) return false;
  const blocks = new BlockList();
  for (const raw of list) {
    const entry = raw.trim();
    const slash = entry.indexOf('/');
    const base = normalizeIp(slash < 0 ? entry : entry.slice(0, slash));
    const f = isIP(base);
    if (f === 0) continue;
    const type = f === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) {
      blocks.addAddress(base, type);
      continue;
    }
    const bits = Number(entry.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > (f === 4 ? 32 : 128)) continue;
    blocks.addSubnet(base, bits, type);
  }
  return blocks.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}
