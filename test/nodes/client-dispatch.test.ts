/**
 * Client transfers spread over two real gateway processes sharing one MariaDB database and
 * one GatewayHome: each transfer runs exactly once, no node exceeds its cap, both nodes work,
 * and pause/cancel asked through the node that is NOT running a transfer take effect.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Stores } from '../../src/db/stores/index.js';
import type { StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import type { StartedSshd } from '../support/sshd.js';
import { startSshd } from '../support/sshd.js';
import { fileSize, sha256File, waitFor, writeRandomFile } from '../integration/client/helpers.js';
import type { PartnerSetup } from './helpers.js';
import { clusterStores, plannedPush, setupPartner } from './helpers.js';

const MiB = 1 << 20;
const cap = 3;

describe('client transfers across two gateway processes on MariaDB', { timeout: 240_000 }, () => {
  let cluster: StartedCluster;
  let sshd: StartedSshd;
  let s: Stores;
  let p: PartnerSetup;

  before(async () => {
    sshd = await startSshd();
    cluster = await startCluster({ nodes: 2, ini: { controller: { MaxTransferOut: String(cap) } } });
    s = clusterStores(cluster);
    p = await setupPartner(cluster, s, sshd);
  });

  after(async () => {
    await s?.db.close();
    await cluster?.stop();
    await sshd?.stop();
  });

  it('runs 30 planned transfers exactly once each, within each node cap, on both nodes', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      await writeRandomFile(join(cluster.home, 'out', `f${i}.bin`), 16 * MiB);
    }
    for (let i = 0; i < 30; i++) ids.push((await s.transfers.create(plannedPush(p, `f${i}.bin`))).id);
    let maxRunning: Record<string, number> = {};
    const done = await waitFor(
      'all 30 DONE',
      async () => {
        const running = await s.transfers.listNormalized(
          { status: ['RUNNING'], liveOnly: true },
          { limit: 100 },
        );
        const perNode: Record<string, number> = {};
        for (const t of running) perNode[t.node ?? '?'] = (perNode[t.node ?? '?'] ?? 0) + 1;
        for (const [node, n] of Object.entries(perNode))
          maxRunning[node] = Math.max(maxRunning[node] ?? 0, n);
        const finished = await s.transfers.listNormalized({ historyOnly: true }, { limit: 100 });
        const failed = await s.transfers.listNormalized({ status: ['ERROR'] }, { limit: 100 });
        assert.deepEqual(
          failed.map((t) => t.errorDetails),
          [],
        );
        return finished.length === 30 ? finished : undefined;
      },
      180_000,
    );
    assert.deepEqual(
      done.map((t) => t.id).sort((a, b) => a - b),
      ids,
    );
    assert.ok(done.every((t) => t.status === 'DONE'));
    const byNode: Record<string, number> = {};
    for (const t of done) byNode[t.node ?? '?'] = (byNode[t.node ?? '?'] ?? 0) + 1;
    assert.deepEqual(Object.keys(byNode).sort(), ['node1', 'node2'], `work split: ${JSON.stringify(byNode)}`);
    for (const [node, n] of Object.entries(maxRunning))
      assert.ok(n <= cap, `${node} ran ${n} at once (cap ${cap})`);
    for (let i = 0; i < 30; i += 7) {
      assert.equal(
        await sha256File(join(p.inbox, `f${i}.bin`)),
        await sha256File(join(cluster.home, 'out', `f${i}.bin`)),
      );
    }
    maxRunning = {};
  });

  it('pauses and cancels a transfer through the node that is not running it', async () => {
    await writeRandomFile(join(cluster.home, 'out', 'slow.bin'), 768 * MiB);
    const t = await s.transfers.create(plannedPush(p, 'slow.bin'));
    // Asked once bytes reach the partner, not after a first progress save (about a second in):
    // the file must not be through before the running node sees the request.
    const running = await waitFor('running with bytes at the partner', async () => {
      const r = await s.transfers.get(t.id);
      return r?.status === 'RUNNING' && r.node !== null && fileSize(join(p.inbox, 'slow.bin')) > 0
        ? r
        : undefined;
    });
    const other = cluster.nodes.find((n) => n.name !== running.node)!;
    const pause = await other.api(`/api/transfers/${t.id}/pause`, { method: 'PUT' });
    assert.equal(pause.status, 202, await pause.text());
    const paused = await waitFor(
      'PAUSED',
      async () => {
        const r = await s.transfers.get(t.id);
        return r?.status === 'PAUSED' || r?.status === 'ERROR' ? r : undefined;
      },
      10_000,
    );
    assert.equal(paused.status, 'PAUSED');
    assert.ok(paused.progress > 0);
    // Visible through both nodes at once.
    for (const n of cluster.nodes) {
      const body = (await (await n.api(`/api/transfers/${t.id}`)).json()) as { status: string };
      assert.equal(body.status, 'PAUSED');
    }
    const resume = await other.api(`/api/transfers/${t.id}/resume`, { method: 'PUT' });
    assert.equal(resume.status, 202, await resume.text());
    const again = await waitFor('running again', async () => {
      const r = await s.transfers.get(t.id);
      return r?.status === 'RUNNING' && r.progress > paused.progress ? r : undefined;
    });
    const notRunningIt = cluster.nodes.find((n) => n.name !== again.node)!;
    const cancel = await notRunningIt.api(`/api/transfers/${t.id}/cancel`, { method: 'PUT' });
    assert.equal(cancel.status, 202, await cancel.text());
    const cancelled = await waitFor(
      'CANCELLED',
      async () => {
        const h = await s.transfers.getHistory(t.id);
        return h?.status === 'CANCELLED' ? h : undefined;
      },
      10_000,
    );
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(await s.transfers.get(t.id), undefined);
  });
});
