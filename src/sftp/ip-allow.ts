/**
 * Per-account IP allow-lists: exact addresses or CIDRs, IPv4 and IPv6. An IPv4 client seen on a
 * dual-stack socket (`::ffff:10.0.0.1`) is matched as the IPv4 address it is.
 */
import { ipInList } from '../util/ip.js';

/** Whether `ip` may log in under an allow-list (empty: everyone). */
export function ipAllowed(ip: string, allowList: readonly string[]): boolean {
  return allowList.length === 0 || ipInList(ip, allowList);
}
