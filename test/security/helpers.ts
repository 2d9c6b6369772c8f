/** Shared by the security tier: REST calls against a whole node (test/support/gateway.ts). */
import { allPermissions, maskToPermissions } from '../../src/model/permissions.js';
import type { StartedGateway } from '../support/gateway.js';
import { freePort } from '../support/sshd.js';
import { eventually } from '../integration/sftp/harness.js';

export type Err = { error: { code: string; message: string; requestId: string } };

/** `{transfers: 'rwd', …}`: every right, as the API writes them. */
export const allRights: Record<string, string> = maskToPermissions(allPermissions);

export const basic = (user: string, password: string): string =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** One JSON request to `g`'s admin API (as the admin unless `auth` says otherwise). */
export async function call<T = Err>(
  g: StartedGateway,
  method: string,
  path: string,
  body?: unknown,
  auth = g.authHeader,
): Promise<{ status: number; body: T }> {
  const res = await fetch(g.adminUrl + path, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** Declares the SFTP server `sftp` on a free port through the API, and waits for its listener. */
export async function addSftpServer(g: StartedGateway): Promise<number> {
  const port = await freePort();
  const r = await call(g, 'POST', '/api/servers', {
    name: 'sftp',
    protocol: 'sftp',
    address: `127.0.0.1:${port}`,
  });
  if (r.status !== 201) throw new Error(`cannot declare the SFTP server: ${JSON.stringify(r.body)}`);
  // The node's SFTP service picks new servers up from the database on its next poll.
  await eventually(() => g.node.sftpListeners().some((l) => l.port === port), 30_000);
  return port;
}
