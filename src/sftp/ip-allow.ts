/**
 * Per-account IP allow-lists: exact addresses or CIDRs, IPv4 and IPv6. An IPv4 client seen on a
 * dual-stack socket (`::ffff:10.0.0.1`) is matched as the IPv4 address it is.
 */
import { BlockList, isIP } from 'node:net';

/** `::ffff:a.b.c.d` → `a.b.c.d`; other addresses unchanged. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/**
 * Whether `ip` may log in under an allow-list (empty: everyone). Malformed entries match
 * nothing (they never widen the list).
 */
export function ipAllowed(ip: string, allowList: readonly string[]): boolean {
  if (allowList.length === 0) return true;
  const addr = normalizeIp(ip);
  const family = isIP(addr);
  if (family === 0) return false;
  const list = new BlockList();
  for (const raw of allowList) {
    const entry = raw.trim();
    const slash = entry.indexOf('/');
    const base = normalizeIp(slash < 0 ? entry : entry.slice(0, slash));
    const f = isIP(base);
    if (f === 0) continue;
    const type = f === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) {
      list.addAddress(base, type);
      continue;
    }
    const bits = Number(entry.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > (f === 4 ? 32 : 128)) continue;
    list.addSubnet(base, bits, type);
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}
