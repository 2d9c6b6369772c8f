/**
 * The gateway's REST API through a load balancer's published port on 127.0.0.1, with the admin
 * credentials, as the cluster tests (compose failover suite, swarm tier) use it: retries that a
 * client would make during a failover, JSON bodies, the lists they poll.
 */
import assert from 'node:assert/strict';
import type { NodeOut } from '../../src/schema/status.js';
import type { TransferOut } from '../../src/schema/transfers.js';

export interface ApiResult<T> {
  status: number;
  body: T;
  /** Duration of the last attempt. */
  ms: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** Why earlier attempts failed. */
  failures: string[];
}

export class GatewayApi {
  constructor(
    /** The published REST port (known once the cluster is up). */
    private readonly port: () => number,
    private readonly adminPassword: string,
  ) {}

  /**
   * A request through HAProxy. `retries` more attempts are made after a network error, a
   * timeout or a 502/503/504 (what a client retry covers); other statuses are returned.
   */
  async api<T = unknown>(
    path: string,
    init: { method?: string; body?: unknown } = {},
    opts: { retries?: number; timeoutMs?: number } = {},
  ): Promise<ApiResult<T>> {
    const failures: string[] = [];
    const retries = opts.retries ?? 1;
    for (let attempt = 1; ; attempt++) {
      const start = Date.now();
      try {
        const res = await fetch(`http://127.0.0.1:${this.port()}${path}`, {
          method: init.method ?? 'GET',
          headers: {
            authorization: 'Basic ' + Buffer.from(`admin:${this.adminPassword}`).toString('base64'),
            'content-type': 'application/json',
          },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
        const text = await res.text();
        const ms = Date.now() - start;
        if ([502, 503, 504].includes(res.status) && attempt <= retries) {
          failures.push(`${res.status} after ${ms} ms`);
          continue;
        }
        const body = (text === '' ? undefined : safeJson(text)) as T;
        return { status: res.status, body, ms, attempts: attempt, failures };
      } catch (err) {
        const ms = Date.now() - start;
        const reason = `${(err as Error).name}: ${(err as Error).message} after ${ms} ms`;
        if (attempt > retries) throw new Error(`${init.method ?? 'GET'} ${path}: ${reason}`, { cause: err });
        failures.push(reason);
      }
    }
  }

  /**
   * GET through HAProxy (one retry); anything but 200 throws a plain Error, which polling loops
   * retry (a 503 while a node fails over is not a verdict).
   */
  async get<T>(path: string): Promise<T> {
    const res = await this.api<T>(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A write through HAProxy (no retry: it may not be idempotent), asserting `expect`. */
  async send<T>(method: string, path: string, body: unknown, expect: number): Promise<T> {
    const res = await this.api<T>(path, { method, body }, { retries: 0 });
    assert.equal(res.status, expect, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async transfer(id: number): Promise<TransferOut> {
    return this.get<TransferOut>(`/api/transfers/${id}`);
  }

  /** Live and finished transfers (the API lists both), oldest first. */
  async transfers(query = ''): Promise<TransferOut[]> {
    const body = await this.get<{ transfers: TransferOut[] }>(
      `/api/transfers?limit=1000&sort=id%2B${query === '' ? '' : '&' + query}`,
    );
    return body.transfers;
  }

  async history(query = ''): Promise<TransferOut[]> {
    const body = await this.get<{ history: TransferOut[] }>(
      `/api/history?limit=1000&sort=id%2B${query === '' ? '' : '&' + query}`,
    );
    return body.history;
  }

  async clusterNodes(): Promise<NodeOut[]> {
    return (await this.get<{ nodes: NodeOut[] }>('/api/cluster/nodes')).nodes;
  }
}

/** JSON when it parses (HAProxy's own error pages are HTML). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
