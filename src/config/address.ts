import { isIP } from 'node:net';

/** A `host[:port]` split into its parts; the host is unbracketed (`::1`, not `[::1]`). */
export interface HostPort {
  readonly host: string;
  readonly port: string | undefined;
}

/**
 * Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal (which cannot carry a
 * port, as in Go's net.SplitHostPort). Returns undefined for anything else, including a port that
 * is not a number in 0..65535.
 */
export function splitHostPort(address: string): HostPort | undefined {
  const text = address.trim();
  if (text.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
    if (!m || isIP(m[1] ?? '') !== 6 || /[;#\s]/.test(m[1] ?? '')) return undefined;
    return checkedPort(m[1] ?? '', m[2]);
  }
  if (isIP(text) === 6) return { host: text, port: undefined };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return validHost(text) ? { host: text, port: undefined } : undefined;
  const host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (!validHost(host) || !/^\d+$/.test(port)) return undefined;
  return checkedPort(host, port);
}

// Host names and IPv4 literals: anything else (spaces, `;`, `#`, `->`) would not survive a rewrite
// of the INI file, and is no host anyway.
function validHost(host: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(host);
}

function checkedPort(host: string, port: string | undefined): HostPort | undefined {
  if (port !== undefined && Number(port) > 65535) return undefined;
  return { host, port };
}

/** `host:port`, bracketing an IPv6 host as Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A comparable form: lower-cased host (DNS is case-insensitive), IPv6 bracketed when a port follows. */
export function addressKey(a: HostPort): string {
  const host = a.host.toLowerCase();
  return a.port === undefined ? host : joinHostPort(host, Number(a.port));
}
