/**
 * A small HTTP client for the admin API, on fetch. The login (login.ts) is resolved at the first
 * request, so commands that send none (`version`, `-h`) never ask for a password; it goes in an
 * Authorization header (fetch refuses URLs that carry credentials).
 */
import type { ErrorBodyOut as ErrorBody } from '../schema/status.js';
import { CliError, CliExit, exitForStatus, usageError } from './exit-codes.js';
import type { Login } from './login.js';

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiClient {
  /** The server's base URL, without credentials (for messages). */
  readonly base: string;
  request<T = unknown>(
    method: string,
    path: string,
    options?: { query?: Query; body?: unknown },
  ): Promise<Reply<T>>;
}

export interface Address {
  /** The URL without credentials (for requests and messages). */
  base: string;
  /** Credentials written in the URL, decoded; undefined when absent. */
  user: string | undefined;
  password: string | undefined;
}

const encodingHint =
  'in an address, @ : / # ? % in a user or password must be percent-encoded (%40 %3A %2F %23 %3F %25); ' +
  'or leave them out of the address and use -u USER with WAARP_GATEWAY_PASSWORD or the prompt';

/** Parses `http[s]://[user[:password]@]host:port[/prefix]`. Never echoes the address (it may hold a password). */
export function parseAddress(address: string): Address {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw usageError(`the address is not a URL (expected http[s]://host:port); ${encodingHint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`the address must start with http:// or https://, got "${url.protocol}"`);
  }
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username === '' ? undefined : decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    throw usageError(`the address holds a malformed %-escape; ${encodingHint}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError(`the address has a "?" or "#" part, likely from a password; ${encodingHint}`);
  }
  url.username = '';
  url.password = '';
  return { base: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, user, password };
}

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as readonly string[]) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** Why a fetch failed, in words an operator can act on. */
function networkError(base: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused (is the gateway running, and is this its admin address?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'unknown host'
        : code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
          ? `TLS error (${code}); --insecure skips certificate verification`
          : (cause?.message ?? (err as Error).message);
  return new CliError(`cannot reach ${base}: ${reason}`, CliExit.unreachable);
}

/**
 * fetch has no per-request TLS option on Node 20: NODE_TLS_REJECT_UNAUTHORIZED is the documented
 * process-wide switch. Node's warning about it would only repeat what --insecure asked for.
 */
function skipTlsVerification(): void {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const emit = process.emitWarning.bind(process);
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('NODE_TLS_REJECT_UNAUTHORIZED')) return;
    Reflect.apply(emit, process, [warning, ...rest]);
  };
  process.emitWarning = filtered;
}

export function createClient(
  base: string,
  login: () => Promise<Login>,
  options: { insecure: boolean; timeoutMs?: number },
): ApiClient {
  let authorization: Promise<string> | undefined;
  if (options.insecure) skipTlsVerification();

  return {
    base,
    async request<T>(
      method: string,
      path: string,
      o: { query?: Query; body?: unknown } = {},
    ): Promise<Reply<T>> {
      authorization ??= login().then(
        ({ user, password }) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64'),
      );
      const headers: Record<string, string> = {
        Authorization: await authorization,
        Accept: 'application/json',
      };
      let body: string | undefined;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['Content-Type'] = 'application/json';
      }
      let res: Response;
      try {
        res = await fetch(base + path + queryString(o.query), {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') {
          throw new CliError(`cannot reach ${base}: no answer within the time limit`, CliExit.unreachable);
        }
        throw networkError(base, err);
      }
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      if (!res.ok) {
        const message =
          (parsed as ErrorBody | undefined)?.error?.message ?? (typeof parsed === 'string' ? parsed : '');
        throw new CliError(`${res.status} ${res.statusText}: ${message}`.trim(), exitForStatus(res.status));
      }
      return { status: res.status, headers: res.headers, body: parsed as T };
    },
  };
}
