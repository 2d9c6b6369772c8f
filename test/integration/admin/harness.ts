/**
 * The admin API served for real (startAdminServer on 127.0.0.1:0) over a real migrated
 * database: SQLite in a temp dir, or MariaDB when WAARP_TEST_DB=mysql. Tests drive it with fetch.
 */
import { fileURLToPath } from 'node:url';
import { replyProblem } from './contract.js';
import type { AdminServer } from '../../../src/admin/server.js';
import { startAdminServer } from '../../../src/admin/server.js';
import { ensureAdminUser } from '../../../src/admin/bootstrap.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import { testConfig as sharedTestConfig, testContext } from '../../support/context.js';
import { hashPassword } from '../../../src/crypto/passwords.js';
import type { SqlDatabase } from '../../../src/db/sql.js';
import type { GatewayContext } from '../../../src/gateway/context.js';
import { applyPermissions } from '../../../src/model/permissions.js';
import type { TestDatabase } from '../../support/test-db.js';
import { openTestDatabase, testDbKind } from '../../support/test-db.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';

export const adminPassword = 'admin-test-password';

export function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

export interface CallOptions {
  /** `Authorization` header; default: the admin's. `null`: none. */
  auth?: string | null;
  headers?: Record<string, string>;
  /** A raw body, sent as is (malformed JSON, oversized bodies). */
  raw?: string | Buffer;
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface AdminHarness {
  readonly ctx: GatewayContext;
  readonly db: TestDatabase;
  readonly home: string;
  readonly configDir: string;
  readonly url: string;
  readonly adminAuth: string;
  /** One request; the JSON body is parsed (undefined when empty). */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options?: CallOptions,
  ): Promise<Reply<T>>;
  /** Adds a user with `perms` edits (e.g. `{transfers: 'r--'}`); returns its Authorization header. */
  addUser(username: string, perms: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The node's instance name (-i); undefined: a lone node (override routes answer 501). */
  instance?: string;
  nodeName?: string;
  /** Serve HTTPS with the self-signed fixture certificate (CN localhost, IP 127.0.0.1). */
  tls?: boolean;
}

/** The fixture certificate and key (the certificate is its own CA). */
export const tlsFixture = {
  cert: fileURLToPath(new URL('../../../../test/integration/admin/fixtures/admin-tls.crt', import.meta.url)),
  key: fileURLToPath(new URL('../../../../test/integration/admin/fixtures/admin-tls.key', import.meta.url)),
};

export function testConfig(
  home: string,
  configDir: string,
  instance: string | undefined,
  db: TestDatabase,
): GatewayConfig {
  return sharedTestConfig({ home, configDir, instance, db: db.config });
}

export function makeContext(config: GatewayConfig, db: SqlDatabase, nodeName: string): GatewayContext {
  const ctx = testContext(config, db, nodeName, '9.9.9-test');
  ctx.health.started = true;
  return ctx;
}

export async function startHarness(options: HarnessOptions = {}): Promise<AdminHarness> {
  const home = await makeTempDir('admin-home');
  const configDir = await makeTempDir('admin-etc');
  const db = await openTestDatabase(testDbKind());
  const base = testConfig(home, configDir, options.instance, db);
  const config: GatewayConfig =
    options.tls === true
      ? { ...base, admin: { ...base.admin, tlsCert: tlsFixture.cert, tlsKey: tlsFixture.key } }
      : base;
  const ctx = makeContext(config, db, options.nodeName ?? options.instance ?? 'test-gw');
  await ensureAdminUser(ctx, { WAARP_GATEWAY_ADMIN_PASSWORD: adminPassword });
  let server: AdminServer;
  try {
    server = await startAdminServer(ctx);
  } catch (err) {
    await db.close();
    throw err;
  }
  const url = `${options.tls === true ? 'https' : 'http'}://127.0.0.1:${server.port}`;
  const adminAuth = basic('admin', adminPassword);

  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    o: CallOptions = {},
  ): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...o.headers };
    const auth = o.auth === undefined ? adminAuth : o.auth;
    if (auth !== null) headers.Authorization = auth;
    let payload: string | Buffer | undefined = o.raw;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const problem = replyProblem(method, path, res.status, parsed);
    if (problem !== undefined) throw new Error(problem);
    return { status: res.status, headers: res.headers, body: parsed as T };
  };

  return {
    ctx,
    db,
    home,
    configDir,
    url,
    adminAuth,
    call,
    addUser: async (username, perms) => {
      const res = applyPermissions(0, perms);
      if (!('mask' in res)) throw new Error(`bad permission ${res.badTarget}`);
      const password = `${username}-password`;
      await ctx.stores.users.create({
        username,
        passwordHash: await hashPassword(password),
        permissions: res.mask,
      });
      return basic(username, password);
    },
    close: async () => {
      await server.close();
      await db.close();
      await removeTempDir(home);
      await removeTempDir(configDir);
    },
  };
}
