/**
 * The audit trail of partners' tree changes (issue #13, point 5): every remove, rename, mkdir,
 * rmdir and setstat inside a rule, done or refused, with account, source address, node, rule,
 * paths and time; listed through `GET /api/audit` (filters, paging) and `waarp-gateway audit
 * list`; kept for `[audit] Retention`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEntryOut } from '../../../src/schema/status.js';
import { buildAdminApp } from '../../../src/admin/app.js';
import { hashPassword } from '../../../src/crypto/passwords.js';
import { allPermissions } from '../../../src/model/permissions.js';
import { STATUS_CODE } from '../../../src/sftp/ssh2.js';
import { Housekeeping } from '../../../src/transfer/housekeeping.js';
import { runCli } from '../cli/helpers.js';
import type { SftpClient } from './client.js';
import { connect, p, q, refusal } from './client.js';
import type { SftpHarness } from './harness.js';
import { startHarness } from './harness.js';

describe('audit trail of tree changes', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let c: SftpClient;
  let http: Server;
  let url: string;
  const auth = 'Basic ' + Buffer.from('auditor:auditor-secret').toString('base64');

  const api = async (query: string): Promise<AuditEntryOut[]> => {
    const res = await fetch(`${url}/api/audit${query}`, { headers: { authorization: auth } });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { audit: AuditEntryOut[] }).audit;
  };

  before(async () => {
    h = await startHarness();
    await h.addAccount('erin', { password: 'erin-secret' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    const pickup = join(h.home, 'pickup');
    mkdirSync(pickup, { recursive: true });
    writeFileSync(join(pickup, 'offered.txt'), 'offered');
    await h.addRule({ name: 'pickup', isSend: true, path: 'pickup', localDir: pickup });
    await h.stores.users.create({
      username: 'auditor',
      passwordHash: await hashPassword('auditor-secret'),
      permissions: allPermissions,
    });
    const handler = buildAdminApp(h.ctx).callback();
    http = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    c = await connect(h.port, { username: 'erin', password: 'erin-secret' });

    await p.mkdir(c.sftp, '/in/sub');
    await p.writeFile(c.sftp, '/in/sub/a.txt', Buffer.from('a'));
    await q.setstat(c.sftp, '/in/sub/a.txt', { atime: 1_600_000_000, mtime: 1_600_000_000 });
    await p.rename(c.sftp, '/in/sub/a.txt', '/in/sub/b.txt');
    await p.unlink(c.sftp, '/in/sub/b.txt');
    await q.rmdir(c.sftp, '/in/sub');
    await refusal(p.unlink(c.sftp, '/pickup/offered.txt'), STATUS_CODE.PERMISSION_DENIED);
  });
  after(async () => {
    await c.end();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await h.stop();
  });

  it('records every change with who, where from, which node and rule, the paths and the result', async () => {
    const all = await api('?account=erin&sort=time%2B');
    assert.deepEqual(
      all.map((e) => `${e.operation} ${e.path}${e.target === '' ? '' : ` ${e.target}`} ${e.result}`),
      [
        'mkdir /in/sub done',
        'setstat /in/sub/a.txt done',
        'rename /in/sub/a.txt /in/sub/b.txt done',
        'remove /in/sub/b.txt done',
        'rmdir /in/sub done',
        'remove /pickup/offered.txt refused',
      ],
    );
    for (const e of all) {
      assert.equal(e.account, 'erin');
      assert.equal(e.remoteAddress, '127.0.0.1');
      assert.equal(e.node, 'node-a');
      assert.equal(e.server, 'sftp-test');
      assert.equal(e.protocol, 'sftp');
      assert.ok(Date.parse(e.time) > Date.now() - 60_000);
    }
    const refused = all.at(-1);
    assert.equal(refused?.rule, 'pickup');
    assert.equal(refused?.isSend, true);
    assert.match(refused?.reason ?? '', /delete files/);
    assert.equal(all[1]?.details.mtime, 1_600_000_000);
    assert.equal(all[0]?.localPath, join(h.dirs.in, 'sub'));
  });

  it('filters and pages, newest first by default', async () => {
    assert.deepEqual(
      (await api('?operation=remove')).map((e) => e.result),
      ['refused', 'done'],
    );
    assert.equal((await api('?result=refused')).length, 1);
    assert.equal((await api('?rule=inbox&limit=2')).length, 2);
    assert.equal((await api('?account=nobody')).length, 0);
    const bad = await fetch(`${url}/api/audit?operation=chmod`, { headers: { authorization: auth } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /operation/);
  });

  it('is listed by the CLI', async () => {
    const address = url.replace('http://', 'http://auditor:auditor-secret@');
    const r = await runCli(['audit', 'list', '-a', 'erin', '-p', 'remove'], {
      WAARP_GATEWAY_ADDRESS: address,
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(
      lines[0] ?? '',
      /erin@127\.0\.0\.1 \(sftp-test, rule pickup\) remove \/pickup\/offered\.txt refused: /,
    );
  });

  it('is kept for the retention, then purged', async () => {
    const later = { ...h.ctx, now: () => Date.now() + h.ctx.config.audit.retentionMs + 60_000 };
    await new Housekeeping(later).run();
    assert.deepEqual(await api(''), []);
  });
});
