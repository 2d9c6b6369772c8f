import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from './harness.js';
import { startHarness } from './harness.js';

type Err = { error: { code: string; message: string } };
type TransferOut = {
  id: number;
  remoteID: string;
  rule: string;
  isServer: boolean;
  isSend: boolean;
  client: string;
  requester: string;
  requested: string;
  protocol: string;
  srcFilename: string;
  destFilename: string;
  localFilepath: string;
  remoteFilepath: string;
  filesize: number;
  start: string;
  stop?: string;
  status: string;
  step: string;
  progress: number;
  taskNumber: number;
  errorCode: string;
  errorMsg: string;
  transferInfo: Record<string, unknown>;
  remainingAttempts: number;
  nextAttempt?: string;
  nextRetryDelay: number;
  retryIncrementFactor: number;
  node: string | null;
};

const push = { rule: 'push', isSend: true, partner: 'acme', account: 'gw' };

describe('transfers and history', () => {
  let h: AdminHarness;
  const create = async (body: Record<string, unknown>): Promise<TransferOut> => {
    const r = await h.call<TransferOut>('POST', '/api/transfers', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const live = async (id: number) => (await h.ctx.stores.transfers.get(id))!;

  before(async () => {
    h = await startHarness();
    await h.call('POST', '/api/rules', { name: 'push', isSend: true, path: 'push' });
    await h.call('POST', '/api/rules', { name: 'pull', isSend: false, path: 'pull' });
    await h.call('POST', '/api/rules', { name: 'private', isSend: true, path: 'private' });
    await h.call('POST', '/api/partners', { name: 'acme', protocol: 'sftp', address: '127.0.0.1:2022' });
    await h.call('POST', '/api/partners', { name: 'other', protocol: 'sftp', address: '127.0.0.1:2023' });
    await h.call('POST', '/api/partners/acme/accounts', { login: 'gw', password: 'pw' });
    await h.call('PUT', '/api/partners/other/authorize/private/send');
  });
  after(async () => {
    await h.close();
  });

  describe('creation', () => {
    it('plans a transfer, creating the default client when none exists', async () => {
      assert.equal((await h.ctx.stores.clients.list()).length, 0);
      const start = '2030-01-02T03:04:05Z';
      const t = await create({ ...push, file: 'dir/report.csv', start, transferInfo: { ref: 42 } });
      assert.equal(t.status, 'PLANNED');
      assert.equal(t.client, 'sftp');
      assert.equal(t.rule, 'push');
      assert.equal(t.isSend, true);
      assert.equal(t.isServer, false);
      assert.equal(t.requester, 'gw');
      assert.equal(t.requested, 'acme');
      assert.equal(t.protocol, 'sftp');
      assert.equal(t.srcFilename, 'dir/report.csv');
      assert.equal(t.destFilename, 'report.csv');
      assert.equal(t.start, '2030-01-02T03:04:05.000Z');
      assert.equal(t.nextAttempt, '2030-01-02T03:04:05.000Z');
      assert.equal(t.stop, undefined);
      assert.equal(t.step, 'StepNone');
      assert.equal(t.errorCode, 'TeOk');
      assert.equal(t.filesize, -1);
      assert.deepEqual(t.transferInfo, { ref: 42 });
      assert.match(t.remoteID, /\S+/);
      const client = await h.ctx.stores.clients.get('sftp');
      assert.equal(client?.protocol, 'sftp');
    });

    it('takes the only client of the protocol and its retry parameters, unless the request sets them', async () => {
      await h.call('PATCH', '/api/clients/sftp', {
        nbOfAttempts: 4,
        firstRetryDelay: 60,
        retryIncrementFactor: 2,
      });
      const t = await create({ ...push, file: 'a.txt', output: 'b.txt' });
      assert.equal(t.client, 'sftp');
      assert.equal(t.destFilename, 'b.txt');
      assert.deepEqual([t.remainingAttempts, t.nextRetryDelay, t.retryIncrementFactor], [4, 60, 2]);
      const o = await create({
        ...push,
        file: 'a.txt',
        nbOfAttempts: 1,
        firstRetryDelay: 5,
        retryIncrementFactor: 1.5,
      });
      assert.deepEqual([o.remainingAttempts, o.nextRetryDelay, o.retryIncrementFactor], [1, 5, 1.5]);
      const now = Date.now();
      assert.ok(Math.abs(Date.parse(o.start) - now) < 60_000, 'start defaults to now');
    });

    it('refuses to guess between several clients, and takes the one named', async () => {
      await h.call('POST', '/api/clients', { name: 'sftp-b', protocol: 'sftp', nbOfAttempts: 9 });
      const r = await h.call<Err>('POST', '/api/transfers', { ...push, file: 'x' });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /several sftp clients/);
      const t = await create({ ...push, file: 'x', client: 'sftp-b' });
      assert.equal(t.client, 'sftp-b');
      assert.equal(t.remainingAttempts, 9);
      const missing = await h.call<Err>('POST', '/api/transfers', { ...push, file: 'x', client: 'nope' });
      assert.equal(missing.status, 404);
      assert.match(missing.body.error.message, /client "nope"/);
    });

    it('answers 404 naming a missing rule, partner or account; 400 for bad fields', async () => {
      const rule = await h.call<Err>('POST', '/api/transfers', {
        ...push,
        rule: 'nope',
        file: 'x',
        client: 'sftp',
      });
      assert.equal(rule.status, 404);
      assert.match(rule.body.error.message, /send rule "nope"/);
      const dir = await h.call<Err>('POST', '/api/transfers', {
        ...push,
        isSend: false,
        file: 'x',
        client: 'sftp',
      });
      assert.equal(dir.status, 404);
      const partner = await h.call<Err>('POST', '/api/transfers', { ...push, partner: 'nope', file: 'x' });
      assert.equal(partner.status, 404);
      assert.match(partner.body.error.message, /partner "nope"/);
      const account = await h.call<Err>('POST', '/api/transfers', { ...push, account: 'nope', file: 'x' });
      assert.equal(account.status, 404);
      assert.match(account.body.error.message, /remote account "nope"/);
      const missing = await h.call<Err>('POST', '/api/transfers', { ...push });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /missing required field "file"/);
      const date = await h.call<Err>('POST', '/api/transfers', { ...push, file: 'x', start: 'tomorrow' });
      assert.equal(date.status, 400);
      assert.match(date.body.error.message, /field "start" must be an RFC 3339 date/);
      const unknown = await h.call<Err>('POST', '/api/transfers', { ...push, file: 'x', priority: 1 });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error.message, /unknown field "priority"/);
    });

    it('refuses a rule the account is not authorized for', async () => {
      const r = await h.call<Err>('POST', '/api/transfers', {
        ...push,
        rule: 'private',
        file: 'x',
        client: 'sftp',
      });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /not authorized/);
    });
  });

  describe('reading', () => {
    it('gets one transfer and 404s an unknown id; 400 on a non-numeric id', async () => {
      const t = await create({ ...push, file: 'get.txt', client: 'sftp' });
      const r = await h.call<TransferOut>('GET', `/api/transfers/${t.id}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, t);
      assert.equal((await h.call('GET', '/api/transfers/999999')).status, 404);
      assert.equal((await h.call('GET', '/api/transfers/abc')).status, 400);
    });

    it('lists with status, rule and start filters and sort keys', async () => {
      const pull = await create({
        rule: 'pull',
        isSend: false,
        partner: 'acme',
        account: 'gw',
        file: 'in.txt',
        client: 'sftp',
        start: '2031-01-01T00:00:00Z',
      });
      const byRule = await h.call<{ transfers: TransferOut[] }>('GET', '/api/transfers?rule=pull');
      assert.deepEqual(
        byRule.body.transfers.map((t) => t.id),
        [pull.id],
      );
      const byStart = await h.call<{ transfers: TransferOut[] }>(
        'GET',
        '/api/transfers?start=2030-06-01T00:00:00Z',
      );
      assert.deepEqual(
        byStart.body.transfers.map((t) => t.id),
        [pull.id],
      );
      const sorted = await h.call<{ transfers: TransferOut[] }>('GET', '/api/transfers?sort=start-&limit=2');
      assert.equal(sorted.body.transfers[0]?.id, pull.id);
      assert.equal(sorted.body.transfers.length, 2);
      const planned = await h.call<{ transfers: TransferOut[] }>(
        'GET',
        '/api/transfers?status=PLANNED&limit=1000',
      );
      assert.ok(planned.body.transfers.length >= 6);
      assert.ok(planned.body.transfers.every((t) => t.status === 'PLANNED'));
      const multi = await h.call<{ transfers: TransferOut[] }>(
        'GET',
        '/api/transfers?status=DONE&status=CANCELLED',
      );
      assert.deepEqual(multi.body.transfers, []);
      for (const q of ['status=LOST', 'sort=size+', 'start=yesterday', 'limit=1001', 'remote=x']) {
        assert.equal((await h.call('GET', `/api/transfers?${q}`)).status, 400, q);
      }
    });
  });

  describe('actions', () => {
    it('pauses a PLANNED transfer (202) and resumes it (202)', async () => {
      const t = await create({ ...push, file: 'p.txt', client: 'sftp' });
      const p = await h.call('PUT', `/api/transfers/${t.id}/pause`);
      assert.equal(p.status, 202);
      assert.equal(p.headers.get('location'), `/api/transfers/${t.id}`);
      assert.equal((await live(t.id)).status, 'PAUSED');
      assert.equal((await live(t.id)).nextRetry, null);
      const again = await h.call<Err>('PUT', `/api/transfers/${t.id}/pause`);
      assert.equal(again.status, 400);
      assert.match(again.body.error.message, /it is PAUSED/);
      const before = Date.now();
      const r = await h.call('PUT', `/api/transfers/${t.id}/resume`);
      assert.equal(r.status, 202);
      const row = await live(t.id);
      assert.equal(row.status, 'PLANNED');
      assert.ok(row.nextRetry !== null && row.nextRetry >= before - 1000);
      const twice = await h.call<Err>('PUT', `/api/transfers/${t.id}/resume`);
      assert.equal(twice.status, 400);
      assert.match(twice.body.error.message, /it is PLANNED/);
    });

    it('asks the node running a transfer to pause or cancel it (202)', async () => {
      const t = await create({ ...push, file: 'r.txt', client: 'sftp', start: '2000-01-01T00:00:00Z' });
      const claimed = await h.ctx.stores.transfers.claimDue('node-b', 100, 60_000);
      assert.ok(claimed.some((c) => c.id === t.id));
      const p = await h.call<{ message: string }>('PUT', `/api/transfers/${t.id}/pause`);
      assert.equal(p.status, 202);
      assert.match(p.body.message, /node-b/);
      assert.equal((await live(t.id)).requestedAction, 'pause');
      assert.equal((await live(t.id)).status, 'RUNNING');
      const c = await h.call('PUT', `/api/transfers/${t.id}/cancel`);
      assert.equal(c.status, 202);
      assert.equal(c.headers.get('location'), `/api/transfers/${t.id}`);
      assert.equal((await live(t.id)).requestedAction, 'cancel');
      const resume = await h.call<Err>('PUT', `/api/transfers/${t.id}/resume`);
      assert.equal(resume.status, 400);
      // Its node stops it as asked: it can then be resumed from any node.
      await h.ctx.stores.transfers.stopRunning(t.id, 'node-b', Date.now(), 'INTERRUPTED', {
        code: 'TeShuttingDown',
        details: 'x',
      });
      await h.ctx.stores.transfers.pauseWaiting(t.id);
      assert.equal((await h.call('PUT', `/api/transfers/${t.id}/resume`)).status, 202);
    });

    it('cancels a waiting transfer into history (202 + Location /api/history/id)', async () => {
      const t = await create({ ...push, file: 'c.txt', client: 'sftp' });
      const r = await h.call('PUT', `/api/transfers/${t.id}/cancel`);
      assert.equal(r.status, 202);
      assert.equal(r.headers.get('location'), `/api/history/${t.id}`);
      assert.equal(await h.ctx.stores.transfers.get(t.id), undefined);
      const hist = await h.call<TransferOut>('GET', `/api/history/${t.id}`);
      assert.equal(hist.status, 200);
      assert.equal(hist.body.status, 'CANCELLED');
      assert.ok(hist.body.stop !== undefined);
      const viaTransfers = await h.call<TransferOut>('GET', `/api/transfers/${t.id}`);
      assert.equal(viaTransfers.body.status, 'CANCELLED');
      const again = await h.call<Err>('PUT', `/api/transfers/${t.id}/cancel`);
      assert.equal(again.status, 400);
      assert.match(again.body.error.message, /finished \(CANCELLED\)/);
      assert.equal((await h.call('PUT', '/api/transfers/999999/cancel')).status, 404);
    });

    it('resumes ERROR and INTERRUPTED client transfers, never server ones', async () => {
      const t = await create({ ...push, file: 'e.txt', client: 'sftp', start: '2000-01-01T00:00:00Z' });
      await h.ctx.stores.transfers.claimDue('node-c', 100, 60_000);
      await h.ctx.stores.transfers.fail(
        t.id,
        'node-c',
        Date.now(),
        { code: 'TeConnection', details: 'refused' },
        null,
      );
      const shown = await h.call<TransferOut>('GET', `/api/transfers/${t.id}`);
      assert.deepEqual(
        [shown.body.status, shown.body.errorCode, shown.body.errorMsg],
        ['ERROR', 'TeConnection', 'refused'],
      );
      assert.equal((await h.call('PUT', `/api/transfers/${t.id}/resume`)).status, 202);
      assert.equal((await live(t.id)).status, 'PLANNED');

      await h.call('POST', '/api/servers', { name: 'srv', protocol: 'sftp', address: '127.0.0.1:2222' });
      await h.call('POST', '/api/servers/srv/accounts', { login: 'partner' });
      const srv = (await h.ctx.stores.servers.get('srv'))!;
      const acc = (await h.ctx.stores.localAccounts.get(srv.id, 'partner'))!;
      const rule = (await h.ctx.stores.rules.get('pull', false))!;
      const st = await h.ctx.stores.transfers.create({
        ruleId: rule.id,
        clientId: null,
        localAccountId: acc.id,
        remoteAccountId: null,
        srcFilename: 'up.bin',
        destFilename: 'up.bin',
        localPath: '/tmp/up.bin',
        remotePath: 'up.bin',
        filesize: -1,
        start: Date.now(),
        status: 'INTERRUPTED',
        step: 'StepData',
        remainingTries: 0,
        nextRetryDelay: 0,
        retryIncrementFactor: 1,
        nextRetry: null,
        node: 'node-c',
        info: {},
      });
      const r = await h.call<Err>('PUT', `/api/transfers/${st.id}/resume`);
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /server transfer/);
      const out = await h.call<TransferOut>('GET', `/api/transfers/${st.id}`);
      assert.deepEqual([out.body.isServer, out.body.requester, out.body.requested], [true, 'partner', 'srv']);
      const retry = await h.call<Err>('PUT', `/api/transfers/${st.id}/retry`);
      assert.equal(retry.status, 400);
    });

    it('retries a finished transfer as a NEW planned one (201 + Location), at ?date= if given', async () => {
      const t = await create({
        ...push,
        file: 'again.txt',
        output: 'out.txt',
        client: 'sftp-b',
        transferInfo: { k: 'v' },
      });
      await h.call('PUT', `/api/transfers/${t.id}/cancel`);
      const r = await h.call<TransferOut>(
        'PUT',
        `/api/transfers/${t.id}/retry?date=2032-05-06T07:08:09%2B02:00`,
      );
      assert.equal(r.status, 201);
      assert.notEqual(r.body.id, t.id);
      assert.equal(r.headers.get('location'), `/api/transfers/${r.body.id}`);
      assert.deepEqual(
        [
          r.body.status,
          r.body.rule,
          r.body.client,
          r.body.srcFilename,
          r.body.destFilename,
          r.body.requester,
        ],
        ['PLANNED', 'push', 'sftp-b', 'again.txt', 'out.txt', 'gw'],
      );
      assert.equal(r.body.start, '2032-05-06T05:08:09.000Z');
      assert.deepEqual(r.body.transferInfo, { k: 'v' });
      const viaHistory = await h.call<TransferOut>('PUT', `/api/history/${t.id}/retry`);
      assert.equal(viaHistory.status, 201);
      assert.equal((await h.call('PUT', `/api/transfers/${t.id}/retry?date=soon`)).status, 400);
      assert.equal((await h.call('PUT', '/api/transfers/999999/retry')).status, 404);
    });

    it('cancel-all by target: waiting ones to history, running ones asked of their node', async () => {
      const a = await create({ ...push, file: 'ca1', client: 'sftp', start: '2035-01-01T00:00:00Z' });
      const b = await create({ ...push, file: 'ca2', client: 'sftp', start: '2000-01-01T00:00:00Z' });
      await h.ctx.stores.transfers.claimDue('node-d', 100, 60_000);
      assert.equal((await live(b.id)).status, 'RUNNING');
      const missing = await h.call<Err>('DELETE', '/api/transfers');
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /"target" must be one of planned, running/);
      assert.equal((await h.call('DELETE', '/api/transfers?target=everything')).status, 400);
      const planned = await h.call<{ cancelled: number; requested: number }>(
        'DELETE',
        '/api/transfers?target=planned',
      );
      assert.equal(planned.status, 202);
      assert.ok(planned.body.cancelled >= 1);
      assert.equal(planned.body.requested, 0);
      assert.equal(await h.ctx.stores.transfers.get(a.id), undefined);
      assert.equal((await live(b.id)).status, 'RUNNING');
      const running = await h.call<{ cancelled: number; requested: number }>(
        'DELETE',
        '/api/transfers?target=running',
      );
      assert.equal(running.status, 202);
      assert.ok(running.body.requested >= 1);
      assert.equal((await live(b.id)).requestedAction, 'cancel');
      const all = await h.call<{ cancelled: number }>('DELETE', '/api/transfers?target=all');
      assert.equal(all.status, 202);
      assert.deepEqual(
        await h.ctx.stores.transfers.idsWithStatus(['PLANNED', 'PAUSED', 'ERROR', 'INTERRUPTED']),
        [],
      );
    });
  });

  describe('references', () => {
    it('refuses (409) to delete a rule, client or account that a live transfer uses', async () => {
      const t = await create({ ...push, file: 'ref.txt', client: 'sftp-b', start: '2035-01-01T00:00:00Z' });
      for (const path of [
        '/api/rules/push/send',
        '/api/clients/sftp-b',
        '/api/partners/acme/accounts/gw',
        '/api/partners/acme',
      ]) {
        const r = await h.call<Err>('DELETE', path);
        assert.equal(r.status, 409, path);
        assert.match(r.body.error.message, /still used by unfinished transfers/, path);
      }
      assert.equal((await h.call('GET', '/api/rules/push/send')).status, 200);
      await h.call('PUT', `/api/transfers/${t.id}/cancel`);
    });
  });

  describe('history', () => {
    it('lists finished transfers only, with the reference filters', async () => {
      const t = await create({
        rule: 'pull',
        isSend: false,
        partner: 'acme',
        account: 'gw',
        file: 'h.txt',
        client: 'sftp',
        start: '2000-01-01T00:00:00Z',
      });
      await h.ctx.stores.transfers.claimDue('node-e', 100, 60_000);
      await h.ctx.stores.transfers.complete(t.id, 'node-e', Date.now(), {
        progress: 10,
        step: 'StepFinalization',
        taskNumber: 0,
        filesize: 10,
      });
      const done = await h.call<{ history: TransferOut[] }>('GET', '/api/history?status=DONE');
      assert.equal(done.status, 200);
      assert.deepEqual(
        done.body.history.map((x) => [x.id, x.status, x.filesize, x.node]),
        [[t.id, 'DONE', 10, 'node-e']],
      );
      const all = await h.call<{ history: TransferOut[] }>('GET', '/api/history?limit=1000');
      assert.ok(all.body.history.length > 1);
      assert.ok(all.body.history.every((x) => x.status === 'DONE' || x.status === 'CANCELLED'));
      for (const [q, expected] of [
        ['requester=gw&rule=pull', 1],
        ['requested=acme&protocol=sftp&status=DONE', 1],
        ['requester=nobody', 0],
        ['stop=2000-01-01T00:00:00Z', 0],
        ['start=2099-01-01T00:00:00Z', 0],
      ] as const) {
        const r = await h.call<{ history: TransferOut[] }>('GET', `/api/history?limit=1000&${q}`);
        assert.equal(r.status, 200, q);
        if (expected === 0) assert.equal(r.body.history.length, 0, q);
        else
          assert.ok(
            r.body.history.some((x) => x.id === t.id),
            q,
          );
      }
      assert.equal((await h.call('GET', '/api/history?sort=stop-')).status, 200);
      assert.equal((await h.call('GET', '/api/history?colour=red')).status, 400);
      const pause = await h.call<Err>('PUT', `/api/transfers/${t.id}/pause`);
      assert.equal(pause.status, 400);
      assert.match(pause.body.error.message, /finished \(DONE\)/);
    });

    it('does not show a live transfer as history', async () => {
      const t = await create({ ...push, file: 'live.txt', client: 'sftp' });
      assert.equal((await h.call('GET', `/api/history/${t.id}`)).status, 404);
    });
  });

  describe('permissions', () => {
    it('needs transfers:r to read and transfers:w to act', async () => {
      const reader = await h.addUser('t-reader', { transfers: 'r--' });
      assert.equal((await h.call('GET', '/api/transfers', undefined, { auth: reader })).status, 200);
      assert.equal((await h.call('GET', '/api/history', undefined, { auth: reader })).status, 200);
      const t = await create({ ...push, file: 'perm.txt', client: 'sftp' });
      assert.equal(
        (await h.call('PUT', `/api/transfers/${t.id}/pause`, undefined, { auth: reader })).status,
        403,
      );
      assert.equal(
        (await h.call('POST', '/api/transfers', { ...push, file: 'x' }, { auth: reader })).status,
        403,
      );
      assert.equal(
        (await h.call('DELETE', '/api/transfers?target=all', undefined, { auth: reader })).status,
        403,
      );
      const none = await h.addUser('t-none', { rules: 'r--' });
      assert.equal((await h.call('GET', `/api/transfers/${t.id}`, undefined, { auth: none })).status, 403);
    });
  });
});
