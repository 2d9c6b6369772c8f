/**
 * The store behaviours the cluster depends on, run against SQLite and a real MariaDB:
 * atomic claims, lease fencing, lease expiry, retry scheduling, cross-node actions,
 * node registration and shared login bans.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Stores } from '../../../src/db/stores/index.js';
import { createStores } from '../../../src/db/stores/index.js';
import type { AuditFilter } from '../../../src/db/stores/audit.js';
import type { NewTransfer, TransferFilter } from '../../../src/db/stores/transfers.js';
import { transferSortKeys } from '../../../src/db/stores/transfers.js';
import type { SqlDatabase, SqlValue } from '../../../src/db/sql.js';
import type { TestDatabase } from '../../support/test-db.js';
import { dbKindsUnderTest, openTestDatabase } from '../../support/test-db.js';
import { plannedTransfer } from '../../support/transfers.js';

const owner = 'contract-gw';

interface Fixture {
  ruleId: number;
  remoteAccountId: number;
  clientId: number;
  localAccountId: number;
  receiveRuleId: number;
}

async function makeFixture(s: Stores): Promise<Fixture> {
  const rule = await s.rules.create({
    name: 'push',
    isSend: true,
    comment: '',
    path: 'push',
    localDir: '',
    remoteDir: '/in',
    tmpLocalRcvDir: '',
    preTasks: [],
    postTasks: [],
    errorTasks: [],
  });
  const receive = await s.rules.create({ ...rule, name: 'drop', isSend: false, path: 'drop' });
  const partner = await s.partners.create({
    name: 'p',
    protocol: 'sftp',
    address: '127.0.0.1:22',
    protoConfig: {},
  });
  const account = await s.remoteAccounts.create({ partnerId: partner.id, login: 'bob' });
  const client = await s.clients.create({
    name: 'sftp',
    protocol: 'sftp',
    localAddress: '',
    enabled: true,
    nbOfAttempts: 3,
    firstRetryDelay: 10,
    retryIncrementFactor: 2,
    protoConfig: {},
  });
  const server = await s.servers.create({
    name: 'srv',
    protocol: 'sftp',
    address: '127.0.0.1:2223',
    enabled: true,
    rootDir: '',
    receiveDir: '',
    sendDir: '',
    tmpReceiveDir: '',
    protoConfig: {},
  });
  const local = await s.localAccounts.create({
    serverId: server.id,
    login: 'alice',
    passwordHash: null,
    ipAddresses: [],
  });
  return {
    ruleId: rule.id,
    remoteAccountId: account.id,
    clientId: client.id,
    localAccountId: local.id,
    receiveRuleId: receive.id,
  };
}

function planned(f: Fixture, now: number, overrides: Partial<NewTransfer> = {}): NewTransfer {
  return plannedTransfer(
    { ruleId: f.ruleId, clientId: f.clientId, remoteAccountId: f.remoteAccountId },
    {
      srcFilename: 'a.txt',
      destFilename: 'a.txt',
      start: now,
      nextRetry: now,
      remainingTries: 2,
      nextRetryDelay: 10,
      ...overrides,
    },
  );
}

for (const kind of dbKindsUnderTest()) {
  describe(`stores contract on ${kind}`, { timeout: 120_000 }, () => {
    let db: TestDatabase;
    let s: Stores;
    let f: Fixture;
    const others: SqlDatabase[] = [];

    before(async () => {
      db = await openTestDatabase(kind);
      s = createStores(db, owner);
      f = await makeFixture(s);
    });
    after(async () => {
      for (const o of others) await o.close();
      await db.close();
    });

    it('claims each due transfer exactly once when two nodes race', async () => {
      const now = Date.now();
      const ids: number[] = [];
      for (let i = 0; i < 30; i++) ids.push((await s.transfers.create(planned(f, now))).id);
      const other = db.connect();
      others.push(other);
      const s2 = createStores(other, owner);
      const claimedBy = new Map<number, string>();
      const claimLoop = async (stores: Stores, node: string): Promise<void> => {
        for (;;) {
          const got = await stores.transfers.claimDue(node, 3, 60_000);
          if (got.length === 0) return;
          for (const t of got) {
            assert.equal(claimedBy.has(t.id), false, `transfer ${t.id} claimed twice`);
            claimedBy.set(t.id, node);
          }
        }
      };
      await Promise.all([claimLoop(s, 'n1'), claimLoop(s2, 'n2'), claimLoop(s, 'n1b'), claimLoop(s2, 'n2b')]);
      assert.deepEqual(
        [...claimedBy.keys()].sort((a, b) => a - b),
        ids,
      );
      for (const id of ids) {
        const t = await s.transfers.get(id);
        assert.equal(t?.status, 'RUNNING');
        assert.equal(t?.node, claimedBy.get(id));
        assert.equal(t?.nextRetry, null);
      }
      // Clean up for the next cases: cancel them all.
      for (const id of ids) await s.transfers.cancelRunning(id, claimedBy.get(id)!, now);
    });

    it('fences every write on the owning node and RUNNING status', async () => {
      const now = Date.now();
      const t = await s.transfers.create(
        planned(f, now, { status: 'RUNNING', node: 'n1', leaseMs: 5000, nextRetry: null }),
      );
      const c = { progress: 100, step: 'StepData' as const, taskNumber: 0 };
      assert.equal(await s.transfers.checkpoint(t.id, 'n2', c), false);
      assert.equal(await s.transfers.complete(t.id, 'n2', now, c), false);
      assert.equal(
        await s.transfers.fail(t.id, 'n2', now, { code: 'TeInternal', details: 'x' }, null),
        false,
      );
      assert.equal(await s.transfers.checkpoint(t.id, 'n1', c), true);
      assert.equal((await s.transfers.get(t.id))?.progress, 100);
      assert.equal(
        await s.transfers.complete(t.id, 'n1', now, { ...c, progress: 200, info: { sha256: 'ab' } }),
        true,
      );
      assert.equal(await s.transfers.get(t.id), undefined);
      const h = await s.transfers.getHistory(t.id);
      assert.equal(h?.status, 'DONE');
      assert.equal(h?.progress, 200);
      assert.deepEqual(h?.info, { sha256: 'ab' });
      // Done is final: a late write from the old owner changes nothing.
      assert.equal(await s.transfers.checkpoint(t.id, 'n1', c), false);
    });

    it('moves transfers with lapsed leases to INTERRUPTED and makes client ones due at once', async () => {
      const now = Date.now();
      const client = await s.transfers.create(
        planned(f, now, {
          status: 'RUNNING',
          node: 'dead',
          leaseMs: -1,
          nextRetry: null,
          progress: 5,
        }),
      );
      const server = await s.transfers.create(
        planned(f, now, {
          ruleId: f.receiveRuleId,
          clientId: null,
          remoteAccountId: null,
          localAccountId: f.localAccountId,
          status: 'RUNNING',
          node: 'dead',
          leaseMs: -1,
          nextRetry: null,
        }),
      );
      const alive = await s.transfers.create(
        planned(f, now, { status: 'RUNNING', node: 'alive', leaseMs: 60_000, nextRetry: null }),
      );
      const lapsed = await s.transfers.lapsedLeases();
      assert.deepEqual(
        lapsed.ids.sort((a, b) => a - b),
        [client.id, server.id].sort((a, b) => a - b),
      );
      assert.ok(Math.abs(lapsed.clusterNow - Date.now()) < 1000, `database clock ${lapsed.clusterNow}`);
      assert.equal(await s.transfers.expireLeases([...lapsed.ids, alive.id]), 2, 'only lapsed leases');
      assert.equal(await s.transfers.expireLeases(lapsed.ids), 0, 'idempotent');
      assert.equal((await s.transfers.get(client.id))?.status, 'INTERRUPTED');
      const due = (await s.transfers.get(client.id))?.nextRetry;
      assert.ok(due !== null && due !== undefined && Math.abs(due - Date.now()) < 1000, `due at ${due}`);
      assert.equal(
        (await s.transfers.get(server.id))?.nextRetry,
        null,
        'server transfers wait for the partner',
      );
      assert.equal((await s.transfers.get(alive.id))?.status, 'RUNNING');
      const claimed = await s.transfers.claimDue('survivor', 10, 5000);
      assert.deepEqual(
        claimed.map((t) => t.id),
        [client.id],
      );
      assert.equal(claimed[0]?.progress, 5, 'resumes from the saved progress');
      await s.transfers.cancelRunning(client.id, 'survivor', now);
      await s.transfers.cancelRunning(alive.id, 'alive', now);
      await s.transfers.cancelWaiting(server.id, now);
    });

    it('schedules retries with NULL meaning never, and renews leases in one statement', async () => {
      const now = Date.now();
      const a = await s.transfers.create(
        planned(f, now, { status: 'RUNNING', node: 'n1', leaseMs: 10, nextRetry: null }),
      );
      const b = await s.transfers.create(
        planned(f, now, { status: 'RUNNING', node: 'n1', leaseMs: 10, nextRetry: null }),
      );
      assert.equal(await s.transfers.renewLeases('n1', 99_000, [a.id, b.id]), 2);
      assert.equal(await s.transfers.renewLeases('n1', 99_000, [a.id]), 1, 'only the ids it runs');
      const lease = (await s.transfers.get(a.id))?.leaseExpiresAt ?? 0;
      assert.ok(Math.abs(lease - (Date.now() + 99_000)) < 1000, `lease until ${lease}`);
      await s.transfers.fail(
        a.id,
        'n1',
        now,
        { code: 'TeConnection', details: 'refused' },
        { nextRetry: now + 10_000, nextRetryDelay: 20, remainingTries: 1 },
      );
      await s.transfers.fail(b.id, 'n1', now, { code: 'TeBadAuthentication', details: 'no' }, null);
      const ra = await s.transfers.get(a.id);
      assert.equal(ra?.status, 'ERROR');
      assert.equal(ra?.nextRetry, now + 10_000);
      assert.equal(ra?.remainingTries, 1);
      assert.equal(ra?.nextRetryDelay, 20);
      assert.equal((await s.transfers.get(b.id))?.nextRetry, null);
      assert.deepEqual(
        (await s.transfers.claimDue('n2', 10, 9999)).map((t) => t.id),
        [],
        'not due yet',
      );
      // Ten seconds later, on the database's clock.
      await db.run('UPDATE transfers SET next_retry = next_retry - 10000 WHERE id = ?', [a.id]);
      assert.deepEqual(
        (await s.transfers.claimDue('n2', 10, 99_999)).map((t) => t.id),
        [a.id],
      );
      assert.deepEqual(
        (await s.transfers.claimDue('n2', 10, 99_999)).map((t) => t.id),
        [],
        'no retry left: never picked',
      );
      await s.transfers.cancelRunning(a.id, 'n2', now);
      await s.transfers.cancelWaiting(b.id, now);
    });

    it('carries pause/cancel requests to the running node, through any connection', async () => {
      const now = Date.now();
      const t = await s.transfers.create(
        planned(f, now, { status: 'RUNNING', node: 'n3', leaseMs: 5000, nextRetry: null }),
      );
      const other = createStores(db.connect(), owner);
      assert.equal(await other.transfers.requestAction(t.id, 'pause'), true);
      assert.deepEqual(await s.transfers.pendingActions('n3'), [{ id: t.id, action: 'pause' }]);
      assert.deepEqual(await s.transfers.pendingActions('n1'), []);
      assert.equal(
        await s.transfers.stopRunning(t.id, 'n3', now, 'PAUSED', { code: 'TeStopped', details: 'pause' }),
        true,
      );
      const paused = await other.transfers.get(t.id);
      assert.equal(paused?.status, 'PAUSED');
      assert.equal(paused?.requestedAction, null);
      assert.equal(await other.transfers.resume(t.id, now), true);
      assert.equal((await s.transfers.get(t.id))?.status, 'PLANNED');
      assert.equal(await other.transfers.cancelWaiting(t.id, now), true);
      assert.equal((await s.transfers.getNormalized(t.id))?.status, 'CANCELLED');
      await other.db.close();
    });

    it('pages live transfers and history together, in order, whatever the page', async () => {
      // A rule of its own, filtered on: the other tests' rows stay out.
      const rule = await s.rules.create({
        ...(await s.rules.get('push', true))!,
        name: 'paging',
        path: 'paging',
      });
      const g = { ...f, ruleId: rule.id };
      const own = s;
      const mine = { rule: ['paging'] };
      const base = 1_000_000;
      // Starts interleaved between the halves, with ties (the id breaks them).
      const ids: number[] = [];
      for (let i = 0; i < 14; i++) {
        const t = await own.transfers.create(
          planned(g, base + Math.floor(i / 2) * 10, { srcFilename: `p${i}`, nextRetry: null }),
        );
        ids.push(t.id);
        if (i % 3 !== 0) assert.ok(await own.transfers.cancelWaiting(t.id, base + 500));
      }
      const all = await own.transfers.listNormalized(mine, { limit: 1000 });
      assert.equal(all.length, 14);
      assert.ok(all.some((x) => x.isHistory) && all.some((x) => !x.isHistory), 'both halves present');
      for (const desc of [false, true]) {
        const expected = [...all].sort((a, b) => (a.start - b.start || a.id - b.id) * (desc ? -1 : 1));
        if (!desc)
          assert.deepEqual(
            all.map((x) => x.id),
            expected.map((x) => x.id),
            'default order',
          );
        for (const limit of [1, 3, 5]) {
          for (let offset = 0; offset < 16; offset += limit) {
            const page = await own.transfers.listNormalized(mine, {
              limit,
              offset,
              sort: { key: 'start', desc },
            });
            assert.deepEqual(
              page.map((x) => x.id),
              expected.slice(offset, offset + limit).map((x) => x.id),
              `limit ${limit} offset ${offset} desc ${desc}`,
            );
          }
        }
      }
      // Every sort key, both ways, every page: the same order as the database's own ORDER BY
      // over the normalized view (NULL stops, strings, ties broken by id).
      await own.transfers.pauseWaiting(ids[3]!);
      const other = await s.rules.create({ ...rule, name: 'paging-b', path: 'paging-b' });
      for (let i = 0; i < 4; i++) {
        const t = await own.transfers.create(
          planned({ ...g, ruleId: other.id }, base + i * 7, { nextRetry: null }),
        );
        if (i % 2 === 0) await own.transfers.cancelWaiting(t.id, base + 400 + i);
      }
      const both = { rule: ['paging', 'paging-b'] };
      for (const [key, column] of Object.entries(transferSortKeys)) {
        for (const desc of [false, true]) {
          const dir = desc ? 'DESC' : 'ASC';
          const oracle = await db.all<{ id: number }>(
            `SELECT id FROM normalized_transfers WHERE owner = ? AND rule IN (?, ?) ORDER BY ${column} ${dir}, id ${dir}`,
            [owner, 'paging', 'paging-b'],
          );
          assert.equal(oracle.length, 18);
          for (const [limit, offset] of [
            [18, 0],
            [4, 0],
            [4, 4],
            [5, 10],
            [7, 14],
          ] as const) {
            const page = await own.transfers.listNormalized(both, { limit, offset, sort: { key, desc } });
            assert.deepEqual(
              page.map((x) => x.id),
              oracle.slice(offset, offset + limit).map((x) => Number(x.id)),
              `sort ${key} ${dir} limit ${limit} offset ${offset}`,
            );
          }
        }
      }
      const history = await own.transfers.listNormalized(
        { ...mine, historyOnly: true },
        { limit: 4, offset: 2 },
      );
      const live = await own.transfers.listNormalized({ ...mine, liveOnly: true }, { limit: 100 });
      assert.ok(history.every((x) => x.isHistory) && history.length === 4);
      assert.deepEqual(
        live.map((x) => x.id),
        ids.filter((_, i) => i % 3 === 0),
      );
      const cancelled = await own.transfers.listNormalized(
        { ...mine, status: ['CANCELLED'] },
        { limit: 100 },
      );
      assert.equal(cancelled.length, 9);
    });

    it('filters transfers and audit entries on every field as a WHERE in SQL does', async () => {
      const rule = await s.rules.create({
        ...(await s.rules.get('push', true))!,
        name: 'filtering',
        path: 'filtering',
      });
      const g = { ...f, ruleId: rule.id };
      const base = 2_000_000;
      const names = ['plain.txt', '100%.txt', 'a_b.txt', 'x!y.txt', 'other.bin', 'p%_!.txt'];
      for (const [i, name] of names.entries()) {
        const t = await s.transfers.create(
          planned(g, base + i * 10, { srcFilename: name, destFilename: `d-${i}`, nextRetry: null }),
        );
        if (i % 2 === 1) assert.ok(await s.transfers.cancelWaiting(t.id, base + 100 + i));
        if (i === 4) assert.ok(await s.transfers.claimOne(t.id, 'filter-node', 60_000));
      }
      const sample = (await s.transfers.listNormalized({ rule: ['filtering'] }, { limit: 1 }))[0]!;
      const cases: [TransferFilter, string, SqlValue[]][] = [
        [{ status: ['CANCELLED', 'RUNNING'] }, "status IN ('CANCELLED', 'RUNNING')", []],
        [
          { account: [sample.account], agent: [sample.agent] },
          'account = ? AND agent = ?',
          [sample.account, sample.agent],
        ],
        [{ protocol: [sample.protocol, 'none'] }, 'protocol IN (?, ?)', [sample.protocol, 'none']],
        [{ node: ['filter-node'] }, "node = 'filter-node'", []],
        [{ startAfter: base + 20 }, 'start >= ?', [base + 20]],
        [{ startBefore: base + 20 }, 'start < ?', [base + 20]],
        [{ stopBefore: base + 103 }, 'stop <= ?', [base + 103]],
        [{ fileContains: '%' }, "src_filename IN ('100%.txt', 'p%_!.txt')", []],
        [{ fileContains: '_' }, "src_filename IN ('a_b.txt', 'p%_!.txt')", []],
        [{ fileContains: '!' }, "src_filename IN ('x!y.txt', 'p%_!.txt')", []],
        [{ fileContains: 'd-3' }, "dest_filename = 'd-3'", []],
        [{ after: { start: base + 30, id: 0 } }, 'start < ?', [base + 30]],
        [
          { status: ['CANCELLED'], startAfter: base + 10, startBefore: base + 50, fileContains: '.txt' },
          "status = 'CANCELLED' AND start >= ? AND start < ? AND src_filename LIKE '%.txt'",
          [base + 10, base + 50],
        ],
      ];
      for (const [filter, where, params] of cases) {
        const oracle = await db.all<{ id: number }>(
          `SELECT id FROM normalized_transfers WHERE owner = ? AND rule = 'filtering' AND ${where} ORDER BY start DESC, id DESC`,
          [owner, ...params],
        );
        assert.ok(oracle.length > 0, `${where}: keeps some`);
        const got = await s.transfers.listNormalized(
          { ...filter, rule: ['filtering'] },
          { limit: 100, sort: { key: 'start', desc: true } },
        );
        assert.deepEqual(
          got.map((x) => x.id),
          oracle.map((x) => Number(x.id)),
          JSON.stringify(filter),
        );
      }

      const entry = {
        at: base,
        node: 'n1',
        protocol: 'sftp',
        server: 'srv-a',
        account: 'acc-a',
        remoteAddress: '127.0.0.1',
        rule: 'rule-a',
        isSend: false,
        operation: 'remove',
        path: '/x',
        target: '',
        localPath: '/data/x',
        result: 'done' as const,
        reason: '',
        details: {},
      };
      await s.audit.record(entry);
      await s.audit.record({ ...entry, at: base + 1, node: 'n2', account: 'acc-b', operation: 'rename' });
      await s.audit.record({ ...entry, at: base + 2, server: 'srv-b', rule: 'rule-b', result: 'refused' });
      await s.audit.record({ ...entry, at: base + 3, node: 'n2', server: 'srv-b', operation: 'mkdir' });
      const auditCases: [AuditFilter, string, SqlValue[]][] = [
        [{ account: ['acc-b'] }, "account = 'acc-b'", []],
        [{ server: ['srv-b', 'srv-c'] }, "server = 'srv-b'", []],
        [{ rule: ['rule-b'] }, "rule = 'rule-b'", []],
        [{ operation: ['rename', 'mkdir'] }, "operation IN ('rename', 'mkdir')", []],
        [{ result: ['refused'] }, "result = 'refused'", []],
        [{ node: ['n2'], server: ['srv-b'] }, "node = 'n2' AND server = 'srv-b'", []],
        [{ from: base + 1, to: base + 2 }, 'at >= ? AND at <= ?', [base + 1, base + 2]],
        [{ to: base + 1, account: [] }, 'at <= ?', [base + 1]],
      ];
      for (const [filter, where, params] of auditCases) {
        const oracle = await db.all<{ id: number }>(
          `SELECT id FROM audit_log WHERE owner = ? AND at BETWEEN ? AND ? AND ${where} ORDER BY id`,
          [owner, base, base + 3, ...params],
        );
        assert.ok(oracle.length > 0 && oracle.length < 4, `${where}: keeps some, not all`);
        const got = await s.audit.list(
          { from: base, to: base + 3, ...filter },
          { limit: 100, sort: { key: 'id', desc: false } },
        );
        assert.deepEqual(
          got.map((x) => x.id),
          oracle.map((x) => Number(x.id)),
          JSON.stringify(filter),
        );
      }
    });

    it('refuses a second live process under one node name, silence judged on the database clock', async () => {
      const node = {
        name: 'node1',
        state: 'running' as const,
        version: '1',
        schemaVersion: 2,
        host: 'h',
        pid: 1,
        incarnation: 'a',
        adminAddress: '',
        clockOffsetMs: 3,
      };
      assert.equal(await s.nodes.register(node, 5000), undefined);
      const holder = await s.nodes.register({ ...node, incarnation: 'b', pid: 2 }, 5000);
      assert.equal(holder?.pid, 1);
      assert.ok(holder.silentMs >= 0 && holder.silentMs < 5000, `silent ${holder.silentMs} ms`);
      assert.equal(await s.nodes.heartbeat('node1', 'b', 'running'), false);
      // Once the first one is silent for longer than the timeout, the name can be taken over.
      await db.run(`UPDATE nodes SET heartbeat_at = heartbeat_at - 6000 WHERE owner = ? AND name = 'node1'`, [
        owner,
      ]);
      assert.equal(await s.nodes.register({ ...node, incarnation: 'b', pid: 2 }, 5000), undefined);
      assert.equal(await s.nodes.heartbeat('node1', 'a', 'running'), false, 'the old process lost its name');
      assert.equal(await s.nodes.heartbeat('node1', 'b', 'running', { clockOffsetMs: -40 }), true);
      assert.equal((await s.nodes.get('node1'))?.clockOffsetMs, -40);
      assert.equal(await s.nodes.heartbeat('node1', 'b', 'draining'), true);
      assert.equal((await s.nodes.get('node1'))?.clockOffsetMs, -40, 'kept when not measured');
    });

    it('stamps heartbeats and leases with the database clock, never the caller’s', async () => {
      const clusterNow = await s.nodes.clusterNow();
      // The test and the database run on one machine: one clock, read twice.
      assert.ok(Math.abs(clusterNow - Date.now()) < 1000, `database clock ${clusterNow}, ours ${Date.now()}`);
      const n = await s.nodes.get('node1');
      assert.ok(
        n !== undefined && Math.abs(n.heartbeatAt - clusterNow) < 1000,
        `heartbeat ${n?.heartbeatAt}`,
      );
      assert.ok(n.silentMs >= 0 && n.silentMs < 1000, `silent ${n.silentMs}`);
      // A lease written "in the past" by a caller whose clock is behind does not exist any more:
      // the caller gives a length, the database places it on its own clock.
      const t = await s.transfers.create(
        planned(f, Date.now() - 3_600_000, { status: 'RUNNING', node: 'n4', leaseMs: 5000, nextRetry: null }),
      );
      const lease = (await s.transfers.get(t.id))?.leaseExpiresAt ?? 0;
      assert.ok(Math.abs(lease - (clusterNow + 5000)) < 1000, `lease until ${lease}`);
      assert.equal(
        (await s.transfers.lapsedLeases()).ids.includes(t.id),
        false,
        'a live lease has not lapsed',
      );
      assert.equal(await s.transfers.expireLeases([t.id]), 0, 'and is not reaped');
      assert.equal(await s.transfers.claimOne(t.id, 'n5', 5000), undefined, 'nor taken');
      await s.transfers.cancelRunning(t.id, 'n4', Date.now());
    });

    it('bans a source address from one protocol after failures counted across nodes', async () => {
      const now = Date.now();
      const policy = { maxFailures: 4, windowMs: 60_000, banMs: 30_000 };
      const other = createStores(db.connect(), owner);
      const ip = '203.0.113.9';
      assert.equal(await s.bans.recordFailure(ip, 'sftp', now, policy), undefined);
      assert.equal(await other.bans.recordFailure(ip, 'sftp', now, policy), undefined);
      assert.equal(await other.bans.recordFailure(ip, 'rest', now, policy), undefined);
      await Promise.all([
        s.bans.recordFailure(ip, 'sftp', now, policy),
        other.bans.recordFailure(ip, 'sftp', now, policy),
      ]);
      assert.deepEqual(await other.bans.standing(ip, 'sftp', now + 1), {
        failures: 4,
        bannedUntil: now + 30_000,
      });
      assert.deepEqual(await other.bans.standing(ip, 'rest', now + 1), {
        failures: 1,
        bannedUntil: undefined,
      });
      assert.deepEqual(await s.bans.standing('198.51.100.1', 'sftp', now), {
        failures: 0,
        bannedUntil: undefined,
      });
      assert.equal((await s.bans.standing(ip, 'sftp', now + 30_001)).bannedUntil, undefined, 'bans end');
      assert.deepEqual(
        (await s.bans.listBans(now)).map((b) => [b.source, b.protocol]),
        [[ip, 'sftp']],
      );
      // A success forgets failures, not a ban in force.
      await s.bans.recordSuccess(ip, 'sftp', now);
      await s.bans.recordSuccess(ip, 'rest', now);
      assert.equal((await s.bans.standing(ip, 'sftp', now)).bannedUntil, now + 30_000);
      assert.equal((await s.bans.standing(ip, 'rest', now)).failures, 0);
      assert.equal(await other.bans.removeBan(ip, 'rest'), 0);
      assert.equal(await other.bans.removeBan(ip), 1);
      assert.deepEqual(await s.bans.standing(ip, 'sftp', now), { failures: 0, bannedUntil: undefined });
      await other.db.close();
    });

    it('never deletes the last user able to manage users', async () => {
      const admin = await s.users.create({ username: 'admin', passwordHash: 'x', permissions: 0o777777 });
      const reader = await s.users.create({ username: 'reader', passwordHash: 'x', permissions: 4 });
      assert.equal(await s.users.delete(admin.id), 'last-manager');
      assert.equal(await s.users.delete(reader.id), 'deleted');
      assert.equal((await s.users.get('admin'))?.id, admin.id);
    });
  });
}
