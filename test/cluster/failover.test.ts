/**
 * Failover of the compose cluster (issue 7): three gateway nodes on one MariaDB and one
 * GatewayHome behind HAProxy, as compose.yaml ships them, with the test settings of
 * test/cluster/compose.test.yaml (shorter cluster timings, a partner SFTP server). One
 * environment is shared by every scenario; each starts from a healthy cluster (three nodes UP in
 * HAProxy and alive in the database) and leaves it so.
 *
 * Clients run on the host, through HAProxy's ports published on 127.0.0.1: OpenSSH's `sftp`,
 * ssh2's client and fetch. Every scenario asserts on checksums and on the database state seen
 * through the REST API, and records its key timings in the summary printed at the end.
 *
 * Needs Docker with compose v2 (deploy/offline/install-docker.sh); never skipped. Run with
 * `npm run test:cluster`. WAARP_BUNDLE_REUSE_IMAGES=1 skips the image build;
 * WAARP_CLUSTER_SUMMARY=FILE also writes the summary table there (Markdown);
 * WAARP_CLUSTER_ONLY=8,4 runs only the scenarios listed; WAARP_CLUSTER_LOGS=FILE saves every
 * container's log there at the end (the evidence when a scenario fails).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TransferOut } from '../../src/schema/transfers.js';
import { Client } from '../../src/sftp/ssh2.js';
import { asComment, docker, sleep } from '../support/compose.js';
import type { ResilientUpload, UploadOptions, UploadOutcome } from './clients.js';
import {
  MiB,
  describeAttempts,
  opensshUpload,
  sha256File,
  ssh2Upload,
  watchGrowth,
  writeRandomFile,
} from './clients.js';
import type { NodeName, ReadyzSample, Service } from './env.js';
import { ClusterEnv, nodeNames, pushOutDir, receiveRule, sftpUser } from './env.js';
import type { Notes } from './summary.js';
import { Summary } from './summary.js';

const run = promisify(execFile);
const log = (line: string): void => console.log(asComment(line));
/** WAARP_CLUSTER_ONLY=8,4 runs only those scenarios (while working on them; CI runs all). */
const only = process.env.WAARP_CLUSTER_ONLY?.split(',').map(Number);

/**
 * Polls `fn` every `everyMs` until it returns a value; throws with `what` after `ms`. A failed
 * assertion in `fn` ends the wait at once (a transfer in ERROR will not get better); other
 * errors (a request cut by the failover under test) are retried.
 */
async function until<T>(
  what: string,
  ms: number,
  fn: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}` + (last ? `: ${(last as Error).message}` : ''),
      );
    }
    await sleep(everyMs);
  }
}

/** `SHA256:…` of an SSH public key blob, as OpenSSH prints it. */
function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Fingerprints of `ssh-keyscan` output lines (`host type base64`), by key type. */
function keyscanFingerprints(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [, type, b64] = l.trim().split(/\s+/);
      return `${type} ${fingerprint(Buffer.from(b64!, 'base64'))}`;
    })
    .sort();
}

describe('failover of the compose cluster (Docker)', { timeout: 60 * 60_000 }, () => {
  let c: ClusterEnv;
  const summary = new Summary();
  let failed = false;

  before(async () => {
    c = await ClusterEnv.start(log);
  });

  after(async () => {
    log(`summary\n${summary.text()}`);
    summary.write();
    if (c !== undefined && process.env.WAARP_CLUSTER_LOGS) {
      writeFileSync(process.env.WAARP_CLUSTER_LOGS, await c.logs(100_000));
    }
    if (c !== undefined && failed) log(await c.logs(80));
    await c?.down();
  });

  /**
   * A scenario: starts from a healthy cluster, records its row, prints logs when it fails. `mark`
   * is the last transfer id before it: its own transfers are those after (a scenario that failed
   * earlier may have left records behind; they are not this one's business).
   */
  const scenario = (id: number, title: string, fn: (n: Notes, mark: number) => Promise<void>): void => {
    const skip = only !== undefined && !only.includes(id) ? 'not in WAARP_CLUSTER_ONLY' : false;
    it(`${id}. ${title}`, { skip }, async () => {
      try {
        const restored = await c.waitHealthy();
        if (restored.length > 0) log(`scenario ${id}: restored ${restored.join(', ')} first`);
        const mark = Math.max(0, ...(await c.transfers()).map((t) => t.id));
        await summary.run(id, title, (n) => fn(n, mark));
        await c.waitHealthy();
      } catch (err) {
        failed = true;
        log(`scenario ${id} failed; last logs:\n${await c.logs(40)}`);
        throw err;
      }
    });
  };

  /** The transfer of a server upload (account tester) of `name`, once it shows. */
  const uploadRow = async (name: string): Promise<TransferOut | undefined> =>
    (await c.transfers(`status=RUNNING`)).find((t) => t.requester === sftpUser && t.destFilename === name);

  /** The finished records of `name` uploaded by tester. */
  const uploadHistory = async (name: string): Promise<TransferOut[]> =>
    (await c.history(`requester=${sftpUser}&rule=${receiveRule}`)).filter((t) => t.destFilename === name);

  /** Live (not finished) records of `name`, any status. */
  const liveRecords = async (name: string): Promise<TransferOut[]> =>
    (await c.transfers()).filter((t) => t.destFilename === name && !['DONE', 'CANCELLED'].includes(t.status));

  /**
   * When another node than `not` first logged about transfer `id` after `since` (server transfers
   * log `transferId`, client transfers `transfer`): the precise moment it took the transfer on.
   */
  const takenOnAt = async (id: number, not: NodeName, since: number): Promise<number> => {
    const others = nodeNames.filter((x) => x !== not);
    const line = (await c.nodeLogs(others, since)).find((l) => l.transfer === id || l.transferId === id);
    assert.ok(line !== undefined, `no node but ${not} logged about transfer ${id}`);
    return line.at;
  };

  /** Waits for transfer `id` to be DONE; ERROR ends the wait at once; the last state is reported. */
  const waitDone = async (id: number, label: string, ms: number): Promise<TransferOut> => {
    let last: TransferOut | undefined;
    try {
      return await until(
        `${label} (transfer ${id}) DONE`,
        ms,
        async () => {
          last = await c.transfer(id);
          assert.notEqual(last.status, 'ERROR', `${label} failed: ${last.errorCode} ${last.errorMsg}`);
          return last.status === 'DONE' ? last : undefined;
        },
        250,
      );
    } catch (err) {
      if (err instanceof assert.AssertionError || last === undefined) throw err;
      throw new Error(
        `${(err as Error).message}; last seen ${last.status} on ${last.node} at ${last.progress} bytes, ` +
          `step ${last.step}, ${last.errorCode} ${last.errorMsg}`,
        { cause: err },
      );
    }
  };

  /**
   * Every transfer created since `mark` is finished as expected (DONE unless listed in
   * `cancelled`): none left RUNNING, INTERRUPTED or in ERROR.
   */
  const assertFinished = async (mark: number, cancelled: number[] = []): Promise<void> => {
    const mine = (await c.transfers()).filter((t) => t.id > mark);
    const wrong = mine.filter((t) => t.status !== (cancelled.includes(t.id) ? 'CANCELLED' : 'DONE'));
    assert.deepEqual(
      wrong.map((t) => `${t.id} ${t.destFilename} ${t.status} on ${t.node}: ${t.errorCode} ${t.errorMsg}`),
      [],
      'transfers of this scenario not finished',
    );
  };

  const restart = async (node: NodeName, n: Notes): Promise<void> => {
    const start = Date.now();
    await c.startContainer(node);
    await c.waitNodeHealthy(node);
    n.time(`${node} back UP in`, Date.now() - start);
  };

  /**
   * A file of `mib` random MiB in the work folder, uploaded to /demo/NAME through HAProxy by a
   * client that resumes after every cut; its SHA-256 for the final check.
   */
  async function startUpload(
    name: string,
    mib: number,
    o: { firstKbps: number; resumeKbps?: number; withinMs: number; client?: 'openssh' | 'ssh2' },
  ): Promise<{ name: string; sum: string; up: ResilientUpload }> {
    const local = join(c.work, name);
    await writeRandomFile(local, mib * MiB);
    const sum = await sha256File(local);
    const options: UploadOptions = {
      port: c.sftpPort,
      key: c.clientKey.file,
      local,
      remote: `/demo/${name}`,
      limitKbps: o.firstKbps,
      ...(o.resumeKbps === undefined ? {} : { resumeLimitKbps: o.resumeKbps }),
      deadline: Date.now() + o.withinMs,
    };
    return { name, sum, up: o.client === 'ssh2' ? ssh2Upload(options) : opensshUpload(options) };
  }

  // ---- 8 -----------------------------------------------------------------------------------
  scenario(8, 'One face: one host key and the same API answers from every node', async (n) => {
    // ssh2's client through HAProxy: a full login per session, the host key of each.
    const before = await c.haproxyTotals('sftp');
    const viaLb = new Set<string>();
    for (let i = 0; i < 9; i++) viaLb.add(await ssh2HostKey(c.sftpPort, c.clientKey.file));
    const afterTotals = await c.haproxyTotals('sftp');
    for (const node of nodeNames) {
      assert.ok(
        (afterTotals[node] ?? 0) > (before[node] ?? 0),
        `HAProxy sent none of 9 SSH sessions to ${node}: ${JSON.stringify({ before, afterTotals })}`,
      );
    }
    assert.equal(viaLb.size, 1, `several host keys through HAProxy: ${[...viaLb].join(', ')}`);
    const [key] = [...viaLb];
    // OpenSSH's ssh-keyscan through HAProxy, and straight to each node from the partner's
    // container on the compose network: every key type the nodes offer is the same.
    const { stdout } = await run('ssh-keyscan', ['-T', '10', '-p', String(c.sftpPort), '127.0.0.1']);
    const scanned = keyscanFingerprints(stdout);
    assert.ok(
      scanned.some((s) => s.endsWith(key!)),
      `ssh-keyscan ${scanned.join(', ')} vs ssh2 ${key}`,
    );
    for (const node of nodeNames) {
      const direct = await docker([
        'exec',
        c.container('partner'),
        'ssh-keyscan',
        '-T',
        '10',
        '-p',
        '2223',
        node,
      ]);
      assert.deepEqual(keyscanFingerprints(direct.stdout), scanned, `${node}'s own host keys`);
    }
    n.note(`host key ${key!.slice(0, 19)}… on all 3 nodes`);

    // The admin API: the same answer through HAProxy (round robin: each node in turn) as from
    // each node itself.
    const paths = [
      '/api/servers',
      '/api/servers/sftp/accounts',
      '/api/partners',
      '/api/partners/partner/accounts',
      '/api/rules',
      '/api/clients',
      '/api/users',
    ];
    const adminBefore = await c.haproxyTotals('admin');
    for (const path of paths) {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await c.get<unknown>(path));
      for (const a of answers) assert.deepEqual(a, answers[0], `${path} through HAProxy`);
      for (const node of nodeNames) {
        const own = await c.nodeApi(node, path);
        assert.equal(own.status, 200, `${path} on ${node}`);
        assert.deepEqual(own.body, answers[0], `${path} on ${node} vs through HAProxy`);
      }
    }
    const adminAfter = await c.haproxyTotals('admin');
    for (const node of nodeNames) {
      assert.ok(
        (adminAfter[node] ?? 0) - (adminBefore[node] ?? 0) >= paths.length,
        `HAProxy sent too few REST requests to ${node}: ${JSON.stringify({ adminBefore, adminAfter })}`,
      );
    }
    // /api/about names the node that answered: through HAProxy all three answer in turn.
    const answered = new Set<string>();
    for (let i = 0; i < 6; i++) answered.add((await c.get<{ nodeName: string }>('/api/about')).nodeName);
    assert.deepEqual([...answered].sort(), [...nodeNames]);
    // The cluster view is the same from every node (heartbeat times aside).
    const view = (nodes: { name: string; alive: boolean; state: string; version: string }[]): string[] =>
      nodes.map((x) => `${x.name} ${x.state} ${x.alive} ${x.version}`).sort();
    const lbView = view(await c.clusterNodes());
    for (const node of nodeNames) {
      const own = await c.nodeApi<{
        nodes: { name: string; alive: boolean; state: string; version: string }[];
      }>(node, '/api/cluster/nodes');
      assert.deepEqual(view(own.body.nodes), lbView, `cluster view of ${node}`);
    }
    n.note(`${paths.length} API lists identical through HAProxy and on each node`);
  });

  // ---- 4 -----------------------------------------------------------------------------------
  scenario(4, 'REST through HAProxy stays up while a node is killed', async (n, mark) => {
    const victim: NodeName = 'node2';
    const reads = { count: 0, retried: 0, failed: 0, maxMs: 0, failures: [] as string[] };
    const writes = { count: 0, retried: 0, failed: 0, failures: [] as string[] };
    const rules: string[] = [];
    let stop = false;
    const readLoop = (async () => {
      while (!stop) {
        const start = Date.now();
        try {
          const r = await c.api('/api/transfers?limit=5', {}, { retries: 1, timeoutMs: 20_000 });
          reads.count++;
          if (r.attempts > 1) {
            reads.retried++;
            reads.failures.push(...r.failures);
          }
          if (r.status !== 200) {
            reads.failed++;
            reads.failures.push(`final ${r.status}`);
          }
        } catch (err) {
          reads.count++;
          reads.failed++;
          reads.failures.push((err as Error).message);
        }
        reads.maxMs = Math.max(reads.maxMs, Date.now() - start);
      }
    })();
    // Writes: a new rule every 300 ms. A retried POST that answers 409 went through the first time.
    const writeLoop = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `s4-rule-${i}`;
        const body = { name, isSend: false, path: name, localDir: 's4' };
        writes.count++;
        try {
          const r = await c.api('/api/rules', { method: 'POST', body }, { retries: 1, timeoutMs: 20_000 });
          if (r.attempts > 1) {
            writes.retried++;
            writes.failures.push(...r.failures);
          }
          if (r.status === 201 || (r.status === 409 && r.attempts > 1)) rules.push(name);
          else {
            writes.failed++;
            writes.failures.push(`${name}: ${r.status} ${JSON.stringify(r.body)}`);
          }
        } catch (err) {
          writes.failed++;
          writes.failures.push(`${name}: ${(err as Error).message}`);
        }
        await sleep(300);
      }
    })();
    await sleep(3000);
    const killedAt = Date.now();
    await c.kill(victim);
    // HAProxy's view: when the REST server of the victim goes DOWN.
    const down = await until('HAProxy marks the victim DOWN', 30_000, async () => {
      const s = (await c.haproxyServers()).find(
        (x) => x.backend.startsWith('be_admin') && x.server === victim,
      );
      return s?.status.startsWith('DOWN') ? Date.now() : undefined;
    });
    await sleep(5000);
    stop = true;
    await Promise.all([readLoop, writeLoop]);
    n.time('HAProxy REST DOWN after kill', down - killedAt);
    n.note(
      `reads ${reads.count} (${reads.retried} retried, ${reads.failed} failed, max ${(reads.maxMs / 1000).toFixed(1)} s)`,
    );
    n.note(`writes ${writes.count} (${writes.retried} retried, ${writes.failed} failed)`);
    if (reads.failures.length + writes.failures.length > 0)
      log(`scenario 4 retried/failed requests:\n${[...reads.failures, ...writes.failures].join('\n')}`);
    assert.equal(reads.failed, 0, `reads failed even after a retry: ${reads.failures.join('; ')}`);
    assert.equal(writes.failed, 0, `writes failed even after a retry: ${writes.failures.join('; ')}`);
    assert.ok(rules.length >= 10, `only ${rules.length} writes`);

    // Every change made through HAProxy is seen by every node, the restarted one included.
    await restart(victim, n);
    const expected = [...rules].sort();
    for (const node of nodeNames) {
      const own = await c.nodeApi<{ rules: { name: string }[] }>(node, '/api/rules?limit=1000');
      assert.equal(own.status, 200);
      const names = own.body.rules
        .map((r) => r.name)
        .filter((x) => x.startsWith('s4-rule-'))
        .sort();
      assert.deepEqual(names, expected, `rules seen by ${node}`);
    }
    // A transfer action through HAProxy, seen through every node at once.
    const planned = await c.planPush('s4-never.bin', new Date(Date.now() + 3_600_000));
    await c.send('PUT', `/api/transfers/${planned.id}/pause`, undefined, 202);
    for (const node of nodeNames) {
      const own = await c.nodeApi<TransferOut>(node, `/api/transfers/${planned.id}`);
      assert.equal(own.body.status, 'PAUSED', `transfer status seen by ${node}`);
    }
    await c.send('PUT', `/api/transfers/${planned.id}/cancel`, undefined, 202);
    for (const node of nodeNames) {
      const own = await c.nodeApi<TransferOut>(node, `/api/history/${planned.id}`);
      assert.equal(own.body.status, 'CANCELLED', `history seen by ${node}`);
    }
    n.note(`${rules.length} rules + pause/cancel visible on all 3 nodes`);
    await assertFinished(mark, [planned.id]);
  });

  // ---- 7 -----------------------------------------------------------------------------------
  scenario(
    7,
    'Load spread: 30 planned client transfers, each run once, no node above half',
    async (n, mark) => {
      const count = 30;
      const names = Array.from({ length: count }, (_, i) => `s7-${String(i).padStart(2, '0')}.bin`);
      const sums = new Map<string, string>();
      for (const name of names) {
        const file = join(c.home, pushOutDir, name);
        await writeRandomFile(file, 8 * MiB);
        sums.set(name, await sha256File(file));
      }
      // All due at the same instant, so the nodes compete for them.
      const due = new Date(Date.now() + 4000);
      const ids: number[] = [];
      for (const name of names) ids.push((await c.planPush(name, due)).id);
      const done = await until(
        'the 30 transfers in history',
        180_000,
        async () => {
          const all = (await c.transfers()).filter((t) => ids.includes(t.id));
          const bad = all.filter((t) => t.status === 'ERROR' || t.status === 'CANCELLED');
          assert.deepEqual(
            bad.map((t) => `${t.id} ${t.status} ${t.errorMsg}`),
            [],
            'transfers failed',
          );
          return all.length === count && all.every((t) => t.status === 'DONE') ? all : undefined;
        },
        250,
      );
      n.time('all done after due time', Date.now() - due.getTime());
      const history = (await c.history(`rule=push`)).filter((t) => ids.includes(t.id));
      assert.deepEqual(
        history.map((t) => t.id).sort((a, b) => a - b),
        [...ids].sort((a, b) => a - b),
        'one history record per transfer',
      );
      const perNode: Record<string, number> = {};
      for (const t of done) perNode[t.node ?? '?'] = (perNode[t.node ?? '?'] ?? 0) + 1;
      n.note(`per node ${JSON.stringify(perNode)}`);
      assert.deepEqual(Object.keys(perNode).sort(), [...nodeNames], `work split: ${JSON.stringify(perNode)}`);
      for (const [node, k] of Object.entries(perNode))
        assert.ok(k <= count / 2, `${node} ran ${k} of ${count}`);
      // Exactly once at the partner too: one open for writing per file, and the same bytes.
      const opens = (await c.partnerLog()).filter((l) => /open "\/data\/in\/s7-/.test(l));
      for (const name of names) {
        const mine = opens.filter((l) => l.includes(`/data/in/${name}"`));
        assert.equal(
          mine.length,
          1,
          `${name} opened ${mine.length} times at the partner:\n${mine.join('\n')}`,
        );
        assert.equal(await sha256File(c.partnerPath(`/data/in/${name}`)), sums.get(name), name);
      }
      await assertFinished(mark);
    },
  );

  // ---- 2 -----------------------------------------------------------------------------------
  scenario(2, 'Client-transfer takeover: kill -9 the node pushing 256 MiB', async (n, mark) => {
    const name = 's2-push.bin';
    const source = join(c.home, pushOutDir, name);
    await writeRandomFile(source, 256 * MiB);
    const sum = await sha256File(source);
    const planned = await c.planPush(name);
    const running = await until('the push running with 48 MiB sent', 60_000, async () => {
      const t = await c.transfer(planned.id);
      assert.notEqual(t.status, 'DONE', 'the push ended before it could be interrupted');
      return t.status === 'RUNNING' && t.node !== null && t.progress >= 48 * MiB ? t : undefined;
    });
    const victim = running.node as NodeName;
    const killedAt = Date.now();
    await c.kill(victim);
    const taken = await until('a survivor takes the push over', 60_000, async () => {
      const t = await c.transfer(planned.id);
      return t.node !== victim && (t.status === 'RUNNING' || t.status === 'DONE') ? t : undefined;
    });
    const seenAt = Date.now();
    const done = await waitDone(planned.id, 'the push', 90_000);
    const doneAt = Date.now();
    // The survivor's own log says when it started the transfer again (the API, polled through
    // HAProxy, only shows it once HAProxy stops sending requests to the dead node).
    const restartedAt = await takenOnAt(planned.id, victim, killedAt);
    n.time('takeover (survivor restarts it)', restartedAt - killedAt);
    n.time('takeover seen through the API', seenAt - killedAt);
    n.time('kill to DONE', doneAt - killedAt);
    n.note(`${victim} killed at ${Math.round(running.progress / MiB)} MiB, ${taken.node} took over`);
    assert.equal(done.node, taken.node);
    assert.equal(await sha256File(c.partnerPath(`/data/in/${name}`)), sum, "the partner's file");
    const history = (await c.history('rule=push')).filter((t) => t.id === planned.id);
    assert.equal(history.length, 1);
    assert.equal(history[0]!.status, 'DONE');
    await assertFinished(mark);
    await restart(victim, n);
  });

  // ---- 1 -----------------------------------------------------------------------------------
  scenario(1, 'Upload failover: kill -9 the node receiving 256 MiB, the client resumes', async (n, mark) => {
    // 32 MB/s on the first attempt: the kill lands mid-file. The resume runs at full speed.
    const {
      name,
      sum,
      up: upload,
    } = await startUpload('s1-upload.bin', 256, {
      firstKbps: 256_000,
      withinMs: 120_000,
    });
    const running = await until('the upload running with 64 MiB received', 60_000, async () => {
      assert.equal(upload.attempts.length, 0, `the upload ended: ${describeAttempts(upload.attempts)}`);
      const t = await uploadRow(name);
      return t !== undefined && t.node !== null && t.progress >= 64 * MiB ? t : undefined;
    });
    const victim = running.node as NodeName;
    const part = c.hostPath(running.localFilepath);
    const killedAt = Date.now();
    await c.kill(victim);
    const growth = watchGrowth(() => part, killedAt);
    let outcome: UploadOutcome;
    try {
      outcome = await upload.done;
    } finally {
      growth.stop();
    }
    const [first] = outcome.attempts;
    log(`scenario 1 client: ${describeAttempts(outcome.attempts)}`);
    assert.ok(outcome.ok, `the client gave up: ${describeAttempts(outcome.attempts)}`);
    assert.ok(outcome.attempts.length >= 2, 'the kill did not cut the upload');
    n.time('client cut after kill', first!.end - killedAt);
    const flowing = growth.flowingAt();
    assert.ok(flowing !== undefined, 'no byte reached the file after the kill');
    n.time('kill to bytes flowing', flowing - killedAt);
    n.time('kill to complete', outcome.attempts.at(-1)!.end - killedAt);
    n.note(`${outcome.attempts.length} client attempts, killed at ${Math.round(running.progress / MiB)} MiB`);
    log(
      `scenario 1: kill to bytes flowing again ${((flowing - killedAt) / 1000).toFixed(1)} s ` +
        `(${victim} killed at ${Math.round(running.progress / MiB)} MiB)`,
    );
    assert.equal(await sha256File(join(c.home, 'demo', name)), sum, 'the delivered file');
    const history = await uploadHistory(name);
    assert.equal(history.length, 1, `history of ${name}: ${JSON.stringify(history)}`);
    assert.equal(history[0]!.status, 'DONE');
    assert.equal(history[0]!.id, running.id, 'the same record was continued');
    assert.notEqual(history[0]!.node, victim);
    assert.deepEqual(await liveRecords(name), [], 'records left unfinished');
    await assertFinished(mark);
    await restart(victim, n);
  });

  // ---- 5 -----------------------------------------------------------------------------------
  scenario(5, 'Database outage: MariaDB paused 20 s during transfers', async (n, mark) => {
    // Two uploads at 8 MB/s (OpenSSH and ssh2's client) and three pushes (192 MiB at the
    // partner's 32 MB/s: 6 s each, so that client transfers end their data phase while the
    // database is away).
    const uploads: { name: string; sum: string; up: ResilientUpload }[] = [];
    const pushes: { name: string; sum: string; id: number }[] = [];
    try {
      // The pushes' files first: writing and hashing 576 MiB took 8 s on a loaded machine, and
      // the uploads (12 s) were nearly over before the pushes ran, so the five never ran at once.
      for (const x of ['a', 'b', 'c']) {
        const name = `s5-push-${x}.bin`;
        await writeRandomFile(join(c.home, pushOutDir, name), 192 * MiB);
        pushes.push({ name, sum: await sha256File(join(c.home, pushOutDir, name)), id: 0 });
      }
      for (const [name, client] of [
        ['s5-openssh.bin', 'openssh'],
        ['s5-ssh2.bin', 'ssh2'],
      ] as const) {
        uploads.push(
          await startUpload(name, 96, { firstKbps: 64_000, resumeKbps: 64_000, withinMs: 100_000, client }),
        );
      }
      for (const p of pushes) p.id = (await c.planPush(p.name)).id;
      await until('the transfers running', 60_000, async () => {
        const rows = await c.transfers('status=RUNNING');
        const ok =
          uploads.every((u) => rows.some((t) => t.destFilename === u.name && t.progress > 0)) &&
          pushes.every((p) => rows.some((t) => t.id === p.id && t.progress > 0));
        return ok ? true : undefined;
      });
      const before = new Map<Service, string>();
      for (const node of nodeNames) {
        const st = await c.inspect(node);
        before.set(node, `${st.restartCount} ${st.startedAt}`);
      }
      const pausedAt = Date.now();
      await c.pause('mysql');
      try {
        // Every node reports not ready (its own /readyz), none crashes.
        const notReady = await Promise.all(
          nodeNames.map((node) =>
            until(`${node} not ready`, 15_000, async () => {
              const r = await c.nodeApi(node, '/readyz', { auth: false });
              return r.status === 503 ? Date.now() : undefined;
            }),
          ),
        );
        n.time('all nodes not ready after', Math.max(...notReady) - pausedAt);
        await sleep(Math.max(0, pausedAt + 20_000 - Date.now()));
        for (const node of nodeNames) {
          const st = await c.inspect(node);
          assert.ok(st.running, `${node} is ${st.status} during the outage`);
          assert.equal(`${st.restartCount} ${st.startedAt}`, before.get(node), `${node} restarted`);
          const r = await c.nodeApi(node, '/readyz', { auth: false });
          assert.equal(r.status, 503, `${node} ready while the database is paused`);
        }
      } finally {
        await c.unpause('mysql');
      }
      const unpausedAt = Date.now();
      await c.waitHealthy(60_000);
      n.time('cluster healthy after unpause', Date.now() - unpausedAt);

      // Everything must complete: every finding is collected, then reported at once.
      const problems: string[] = [];
      const [outcomes, pushed] = await Promise.all([
        Promise.all(uploads.map((u) => u.up.done)),
        Promise.allSettled(pushes.map((p) => waitDone(p.id, p.name, 60_000))),
      ]);
      for (const [i, u] of uploads.entries()) {
        const o = outcomes[i]!;
        log(`scenario 5 ${u.name}: ${describeAttempts(o.attempts)}`);
        n.note(`${u.name} ${o.attempts.length} attempts`);
        if (!o.ok) {
          const rows = await liveRecords(u.name);
          problems.push(
            `${u.name}: the client gave up (${describeAttempts(o.attempts.slice(-2))}); its record: ` +
              rows.map((t) => `${t.id} ${t.status} on ${t.node} at ${t.progress}`).join(', '),
          );
          continue;
        }
        if ((await sha256File(join(c.home, 'demo', u.name))) !== u.sum) problems.push(`${u.name}: corrupt`);
        const h = await uploadHistory(u.name);
        if (h.length !== 1 || h[0]!.status !== 'DONE')
          problems.push(`${u.name}: history ${JSON.stringify(h)}`);
      }
      for (const [i, p] of pushes.entries()) {
        const r = pushed[i]!;
        if (r.status === 'rejected') {
          problems.push((r.reason as Error).message);
          continue;
        }
        if ((await sha256File(c.partnerPath(`/data/in/${p.name}`))) !== p.sum)
          problems.push(`${p.name}: corrupt`);
        const h = (await c.history('rule=push')).filter((t) => t.id === p.id);
        if (h.length !== 1) problems.push(`${p.name}: ${h.length} history records`);
      }
      n.time('all complete after unpause', Date.now() - unpausedAt);
      assert.deepEqual(problems, [], 'after the database came back');
      await assertFinished(mark);
    } finally {
      await Promise.all(uploads.map((u) => u.up.abort()));
    }
  });

  // ---- 6 -----------------------------------------------------------------------------------
  scenario(6, 'Isolated node: cut off the network, its transfers move, no stale writes', async (n, mark) => {
    // Three uploads (HAProxy's leastconn puts one on each node) and one push; the node running
    // the push is cut off, so it loses a client transfer and an upload at once.
    const uploads: { name: string; sum: string; up: ResilientUpload }[] = [];
    try {
      for (const x of ['a', 'b', 'c']) {
        uploads.push(
          await startUpload(`s6-upload-${x}.bin`, 128, {
            firstKbps: 64_000,
            resumeKbps: 64_000,
            withinMs: 150_000,
          }),
        );
        await sleep(300);
      }
      const pushName = 's6-push.bin';
      await writeRandomFile(join(c.home, pushOutDir, pushName), 256 * MiB);
      const pushSum = await sha256File(join(c.home, pushOutDir, pushName));
      const push = await c.planPush(pushName);
      const rows = await until('the transfers running', 60_000, async () => {
        const r = await c.transfers('status=RUNNING');
        const p = r.find((t) => t.id === push.id && t.progress >= 32 * MiB);
        return p !== undefined && uploads.every((u) => r.some((t) => t.destFilename === u.name))
          ? r
          : undefined;
      });
      const isolated = rows.find((t) => t.id === push.id)!.node as NodeName;
      const onIsolated = uploads.filter((u) =>
        rows.some((t) => t.destFilename === u.name && t.node === isolated),
      );
      const ids = [push.id, ...onIsolated.map((u) => rows.find((t) => t.destFilename === u.name)!.id)];
      n.note(
        `uploads on ${rows
          .filter((t) => t.requester === sftpUser)
          .map((t) => t.node)
          .join(',')}; push on ${isolated}`,
      );
      assert.ok(onIsolated.length > 0, `no upload landed on ${isolated}: ${JSON.stringify(rows)}`);
      const isolatedAt = Date.now();
      await c.disconnect(isolated);
      let reconnectedAt: number;
      try {
        await until('the push taken over', 60_000, async () => {
          const t = await c.transfer(push.id);
          return t.node !== isolated && (t.status === 'RUNNING' || t.status === 'DONE') ? t : undefined;
        });
        // The clients notice the cut (about 6 s), then wait for the isolated node's leases; after
        // scenario 5's database pause the nodes can be slow for a while: 60 s was once too short.
        await until('the uploads continued elsewhere', 120_000, async () => {
          const all = await c.transfers();
          const mine = all.filter((t) => onIsolated.some((u) => u.name === t.destFilename));
          return mine.every((t) => t.node !== isolated && ['RUNNING', 'DONE'].includes(t.status))
            ? mine
            : undefined;
        });
        // Keep it cut off a little longer, then bring it back while the others still work.
        await sleep(3000);
      } finally {
        await c.connect(isolated);
        reconnectedAt = Date.now();
      }
      n.time('push taken over after', (await takenOnAt(push.id, isolated, isolatedAt)) - isolatedAt);
      for (const u of onIsolated) {
        const cut = u.up.attempts.find((a) => !a.ok);
        if (cut !== undefined) n.time('upload cut after', cut.end - isolatedAt);
        const id = rows.find((t) => t.destFilename === u.name)!.id;
        n.time('upload continued after', (await takenOnAt(id, isolated, isolatedAt)) - isolatedAt);
      }
      await c.waitNodeHealthy(isolated, 90_000);
      n.time(`${isolated} back UP after reconnect`, Date.now() - reconnectedAt);
      const [outcomes] = await Promise.all([
        Promise.all(uploads.map((u) => u.up.done)),
        waitDone(push.id, 'the push', 90_000),
      ]);
      // Give the node that came back time to write anything stale it still held, then check.
      await sleep(5000);
      for (const [i, u] of uploads.entries()) {
        log(`scenario 6 ${u.name}: ${describeAttempts(outcomes[i]!.attempts)}`);
        assert.ok(outcomes[i]!.ok, `${u.name}: the client gave up`);
        assert.equal(await sha256File(join(c.home, 'demo', u.name)), u.sum, u.name);
        const h = await uploadHistory(u.name);
        assert.equal(h.length, 1, `${u.name} history: ${JSON.stringify(h)}`);
        assert.equal(h[0]!.status, 'DONE');
        assert.deepEqual(await liveRecords(u.name), []);
      }
      assert.equal(await sha256File(c.partnerPath(`/data/in/${pushName}`)), pushSum, 'the pushed file');
      const pushHistory = (await c.history('rule=push')).filter((t) => t.id === push.id);
      assert.equal(pushHistory.length, 1);
      assert.equal(pushHistory[0]!.status, 'DONE');
      assert.notEqual(pushHistory[0]!.node, isolated);
      // The node that was cut off finished none of the transfers it lost.
      const stale = (await c.nodeLogs([isolated], isolatedAt)).filter(
        (l) => ids.includes(Number(l.transfer ?? l.transferId)) && /done/i.test(l.msg),
      );
      assert.deepEqual(stale, [], `${isolated} completed transfers it had lost`);
      // No tmp file of these uploads is left behind (they live in DefaultTmpDir, never in the
      // listed folder).
      const parts = ['demo', 'tmp']
        .flatMap((dir) => (existsSync(join(c.home, dir)) ? readdirSync(join(c.home, dir)) : []))
        .filter((f) => f.startsWith('s6-') && f.endsWith('.part'));
      assert.deepEqual(parts, [], 'tmp files left');
      await assertFinished(mark);
    } finally {
      await Promise.all(uploads.map((u) => u.up.abort()));
    }
  });

  // ---- 3 -----------------------------------------------------------------------------------
  scenario(3, 'Graceful rolling restart while clients keep uploading', async (n, mark) => {
    // Three client loops (leastconn gives each node one), each uploading 48 MiB files at 8 MB/s
    // (6 s each) one after the other, resuming after every cut as a real client does.
    let stop = false;
    const files: { name: string; sum: string; outcome: UploadOutcome }[] = [];
    const current = new Set<ResilientUpload>();
    const loop = async (prefix: string): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const { name, sum, up } = await startUpload(`s3-${prefix}-${i}.bin`, 48, {
          firstKbps: 64_000,
          resumeKbps: 64_000,
          withinMs: 90_000,
        });
        current.add(up);
        files.push({ name, sum, outcome: await up.done });
        current.delete(up);
      }
    };
    const loops = ['a', 'b', 'c'].map((x) => loop(x));
    // Checked after the restarts, so that one finding does not hide the others.
    const readyzProblems: string[] = [];
    try {
      for (const node of nodeNames) {
        // SIGTERM lands while the node receives an upload (when one comes within 20 s).
        const serving = await until(`${node} receiving an upload`, 20_000, async () => {
          const r = (await c.transfers('status=RUNNING')).filter(
            (t) => t.node === node && t.requester === sftpUser && t.progress > 0,
          );
          return r.length > 0 ? r : undefined;
        }).catch(() => []);
        const watch = c.watchReadyz(node);
        await until(`${node} readyz watcher`, 10_000, () =>
          Promise.resolve(watch.samples.some((x) => x.status === '200') ? true : undefined),
        );
        const termAt = Date.now();
        await c.stop(node);
        const stoppedAt = Date.now();
        const samples: ReadyzSample[] = await watch.stop();
        const after = samples.filter((x) => x.at >= termAt);
        const first503 = after.find((x) => x.status === '503');
        if (first503 === undefined) {
          readyzProblems.push(
            `${node} (${serving.length} uploads running) stopped ${stoppedAt - termAt} ms after SIGTERM ` +
              `and its /readyz never answered 503 (sampled every 100 ms): ${JSON.stringify(after.slice(0, 5))}`,
          );
        } else if (after.some((x) => x.status === '200' && x.at > first503.at)) {
          readyzProblems.push(`${node} answered ready again while stopping`);
        }
        const startAt = Date.now();
        await c.startContainer(node);
        await c.waitNodeHealthy(node);
        n.note(
          `${node} (${serving.length} running): ` +
            (first503 === undefined ? 'no 503 seen' : `503 after ${first503.at - termAt} ms`) +
            `, stopped after ${((stoppedAt - termAt) / 1000).toFixed(1)} s, UP again after ` +
            `${((Date.now() - startAt) / 1000).toFixed(1)} s`,
        );
      }
    } catch (err) {
      // Do not wait for the clients to give up on their own.
      for (const up of current) void up.abort();
      throw err;
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    const cuts = files.flatMap((f) =>
      f.outcome.attempts.filter((a) => !a.ok).map((a) => `${f.name}: ${a.error.split('\n')[0]}`),
    );
    n.note(`${files.length} files, ${cuts.length} client cuts (all resumed)`);
    if (cuts.length > 0) log(`scenario 3 client cuts:\n${cuts.join('\n')}`);
    assert.ok(files.length >= 9, `only ${files.length} files uploaded`);
    for (const f of files) {
      assert.ok(f.outcome.ok, `${f.name}: the client gave up: ${describeAttempts(f.outcome.attempts)}`);
      assert.equal(await sha256File(join(c.home, 'demo', f.name)), f.sum, f.name);
      const h = await uploadHistory(f.name);
      assert.equal(h.length, 1, `${f.name} history: ${JSON.stringify(h)}`);
      assert.equal(h[0]!.status, 'DONE');
    }
    // Nothing in ERROR, nothing left RUNNING or INTERRUPTED.
    await assertFinished(mark);
    assert.deepEqual(readyzProblems, [], 'readyz must answer 503 before a node stops');
  });
});

/** Logs in through HAProxy with ssh2's client and returns the host key's fingerprint. */
async function ssh2HostKey(port: number, keyFile: string): Promise<string> {
  const privateKey = await readFile(keyFile);
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let key: string | undefined;
    conn.on('error', reject);
    conn.on('ready', () => {
      conn.end();
      if (key === undefined) reject(new Error('no host key seen'));
      else resolve(key);
    });
    conn.connect({
      host: '127.0.0.1',
      port,
      username: sftpUser,
      privateKey,
      readyTimeout: 15_000,
      hostVerifier: (blob: Buffer) => {
        key = fingerprint(blob);
        return true;
      },
    });
  });
}
