/**
 * A dead node's client transfers are taken over: kill -9 the node running a push and a
 * survivor resumes it from the saved progress (the partner's file ends byte-identical);
 * SIGTERM a node and its transfers are handed over at once, nothing left RUNNING.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Stores } from '../../src/db/stores/index.js';
import type { StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import type { StartedSshd } from '../support/sshd.js';
import { startSshd } from '../support/sshd.js';
import { sha256File, waitFor, writeRandomFile } from '../integration/client/helpers.js';
import type { PartnerSetup } from './helpers.js';
import { clusterStores, plannedPush, setupPartner } from './helpers.js';

const MiB = 1 << 20;

describe('takeover of a stopped node’s client transfers', { timeout: 300_000 }, () => {
  let cluster: StartedCluster;
  let sshd: StartedSshd;
  let s: Stores;
  let p: PartnerSetup;

  before(async () => {
    sshd = await startSshd();
    // A short grace, so the SIGTERM case really interrupts a transfer in flight.
    cluster = await startCluster({ nodes: 3, ini: { cluster: { DrainGrace: '1s' } } });
    s = clusterStores(cluster);
    p = await setupPartner(cluster, s, sshd);
  });

  after(async () => {
    await s?.db.close();
    await cluster?.stop();
    await sshd?.stop();
  });

  async function startBigPush(name: string): Promise<{ id: number; node: string; progress: number }> {
    await writeRandomFile(join(cluster.home, 'out', name), 1024 * MiB);
    const t = await s.transfers.create(plannedPush(p, name));
    const r = await waitFor('running with progress', async () => {
      const x = await s.transfers.get(t.id);
      return x?.status === 'RUNNING' && x.progress > 0 && x.node !== null ? x : undefined;
    });
    return { id: t.id, node: r.node!, progress: r.progress };
  }

  it('kill -9: a survivor resumes the transfer from its progress, byte-identical', async (t) => {
    const { id, node } = await startBigPush('kill9.bin');
    const victim = cluster.nodes.find((n) => n.name === node)!;
    const killedAt = Date.now();
    assert.equal(await victim.kill('SIGKILL'), 'SIGKILL');
    const resumed = await waitFor(
      'taken over',
      async () => {
        const x = await s.transfers.getNormalized(id);
        return x !== undefined && x.node !== node && (x.status === 'RUNNING' || x.status === 'DONE')
          ? x
          : undefined;
      },
      20_000,
    );
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs < 10_000, `taken over after ${takeoverMs} ms`);
    // Diagnostic only: kill -> the survivor's progress moves beyond what it resumed from.
    const flowingMs = await waitFor(
      'resumed data flowing',
      async () => {
        const x = await s.transfers.getNormalized(id);
        return x !== undefined && (x.status === 'DONE' || x.progress > resumed.progress)
          ? Date.now() - killedAt
          : undefined;
      },
      30_000,
    ).catch(() => undefined);
    t.diagnostic(
      `takeover: kill -9 -> taken over by ${resumed.node} ${takeoverMs} ms, -> resumed data flowing ` +
        `${flowingMs === undefined ? '(not observed)' : `${flowingMs} ms`}`,
    );
    const done = await waitFor(
      'DONE',
      async () => {
        const h = await s.transfers.getHistory(id);
        return h?.status === 'DONE' ? h : undefined;
      },
      120_000,
    );
    // A survivor finished it. On a loaded machine the first survivor may itself miss its
    // heartbeats for NodeTimeout (2 s here) and hand it on: still a survivor, still once.
    assert.notEqual(done.node, node, 'finished by a survivor');
    if (done.node !== resumed.node) t.diagnostic(`handed on again: finished by ${done.node}`);
    assert.equal(
      await sha256File(join(p.inbox, 'kill9.bin')),
      await sha256File(join(cluster.home, 'out', 'kill9.bin')),
    );
    await victim.start();
  });

  it('SIGTERM: the node drains, interrupts what did not finish, and another node resumes it', async () => {
    const { id, node } = await startBigPush('sigterm.bin');
    const victim = cluster.nodes.find((n) => n.name === node)!;
    const readyBefore = await fetch(`${victim.adminUrl}/readyz`);
    assert.equal(readyBefore.status, 200);
    const exit = victim.kill('SIGTERM');
    // Not ready at once, while it drains.
    const drainingStatus = await waitFor(
      'readyz 503',
      async () => {
        const r = await fetch(`${victim.adminUrl}/readyz`).catch(() => undefined);
        return r?.status === 503 ? 503 : r === undefined ? -1 : undefined;
      },
      5_000,
    );
    assert.equal(drainingStatus, 503);
    assert.equal(await exit, 0, victim.output());
    const after = await s.transfers.getNormalized(id);
    assert.ok(after !== undefined);
    assert.notEqual(
      after.status === 'RUNNING' ? after.node : undefined,
      node,
      'nothing left RUNNING on the stopped node',
    );
    const done = await waitFor(
      'DONE elsewhere',
      async () => {
        const h = await s.transfers.getHistory(id);
        return h?.status === 'DONE' ? h : undefined;
      },
      120_000,
    );
    assert.notEqual(done.node, node);
    assert.equal(
      await sha256File(join(p.inbox, 'sigterm.bin')),
      await sha256File(join(cluster.home, 'out', 'sigterm.bin')),
    );
    const running = await s.transfers.listNormalized({ status: ['RUNNING'] });
    assert.deepEqual(running, []);
    await victim.start();
  });
});
