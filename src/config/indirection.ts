import type { AddressIndirection } from './types.js';
import { addressKey, joinHostPort, splitHostPort } from './address.js';
import type { HostPort } from './address.js';

/** The node's indirection table with no entry: every address resolves to itself. */
export function emptyIndirection(): AddressIndirection {
  return createIndirection(new Map(), undefined);
}

/** `target -> replacement` as written on an `IndirectAddress` line, or a message saying why not. */
export function parseIndirectionValue(
  value: string,
): { readonly target: string; readonly replacement: string } | { readonly error: string } {
  const parts = value.split('->');
  if (parts.length < 2)
    return { error: `missing "->" in ${JSON.stringify(value)} (expected "target -> real")` };
  if (parts.length > 2) return { error: `more than one "->" in ${JSON.stringify(value)}` };
  return { target: (parts[0] ?? '').trim(), replacement: (parts[1] ?? '').trim() };
}

/**
 * Why `target -> replacement` is not a valid indirection, or undefined when it is. As the
 * reference's checkIndirectionConsistency: both sides have a port, or neither does.
 */
export function checkIndirection(target: string, replacement: string): string | undefined {
  const t = splitHostPort(target);
  if (t === undefined) return `target ${describe(target)} is not an address (host, host:port, [IPv6]:port)`;
  const r = splitHostPort(replacement);
  if (r === undefined)
    return `real address ${describe(replacement)} is not an address (host, host:port, [IPv6]:port)`;
  if (t.port !== undefined && r.port === undefined) {
    return `target "${target}" has a port but "${replacement}" has none: give both a port, or neither`;
  }
  if (t.port === undefined && r.port !== undefined) {
    return `target "${target}" has no port but "${replacement}" has one: give both a port, or neither`;
  }
  return undefined;
}

const describe = (s: string): string => (s === '' ? '(empty)' : JSON.stringify(s));

/** The comparable key of a target, so `Host:22`, `host:22` and `host:022` are one target. */
export function targetKey(target: string): string {
  const t = splitHostPort(target);
  return t === undefined ? target.trim() : addressKey(t);
}

/** Builds the lookup table of already-checked entries (target -> replacement, as written). */
export function createIndirection(
  entries: ReadonlyMap<string, string>,
  file: string | undefined,
): AddressIndirection {
  const table = new Map<string, { readonly text: string; readonly to: HostPort }>();
  for (const [target, replacement] of entries) {
    const to = splitHostPort(replacement);
    if (to !== undefined) table.set(targetKey(target), { text: replacement, to });
  }
  const copy: ReadonlyMap<string, string> = new Map(entries);

  return Object.freeze({
    file,
    entries: () => new Map(copy),
    resolve(address: string): string {
      const a = splitHostPort(address);
      if (a === undefined) return address;
      if (a.port !== undefined) {
        const exact = table.get(addressKey(a));
        if (exact !== undefined) return exact.text;
      }
      const hostOnly = table.get(addressKey({ host: a.host, port: undefined }));
      if (hostOnly === undefined) return address;
      // Host-only indirection: the real host, keeping the original port.
      return a.port === undefined ? hostOnly.to.host : joinHostPort(hostOnly.to.host, a.port);
    },
  });
}
