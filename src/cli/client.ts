/**
 * A small HTTP client for the admin API, on fetch. Credentials come from the address
 * (`http://user:pass@host:port`) and go in an Authorization header: fetch refuses URLs that
 * carry credentials.
 */
import type { ErrorBody } from '../admin/api-types.js';
import { CliError, CliExit, exitForStatus, usageError } from './exit-codes.js';

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

/** Parses `http[s]://user:password@host:port[/prefix]`. */
export function parseAddress(address: string): { base: string; user: string; password: string } {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw usageError(`the address "${address}" is not a URL (expected http[s]://user:password@host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`the address must start with http:// or https://, got "${url.protocol}"`);
  }
  if (url.username === '') {
    throw usageError('the address has no credentials (expected http[s]://user:password@host:port)');
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
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

export function createClient(address: string, options: { insecure: boolean; timeoutMs?: number }): ApiClient {
  const { base, user, password } = parseAddress(address);
  const authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  if (options.insecure) skipTlsVerification();

  return {
    base,
    async request<T>(
      method: string,
      path: string,
      o: { query?: Query; body?: unknown } = {},
    ): Promise<Reply<T>> {
      const headers: Record<string, string> = { Authorization: authorization, Accept: 'application/json' };
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
