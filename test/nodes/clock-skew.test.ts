/**
 * One clock for the cluster. Two nodes receive uploads and push files; then a node whose clock
 * is 8 s ahead and one 8 s behind (libfaketime) join and take work of their own. Leases and
 * liveness are decided on the database's clock, so no live transfer is reaped or cut and each
 * ends DONE once, with NodeTimeout 5 s (the default) and 2 s. The skew is seen (a warning,
 * /api/cluster/nodes, /metrics), and a node beyond `[cluster] MaxClockSkew` stays not ready.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NodeOut } from '../../src/schema/status.js';
import type { Stores } from '../../src/db/stores/index.js';
import type { ClusterNode, StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import { skewedClockEnv } from '../support/faketime.js';
import type { SftpResult, SshKey } from '../support/openssh.js';
import { startSftp } from '../support/openssh.js';
import type { StartedSshd } from '../support/sshd.js';
import { startSshd } from '../support/sshd.js';
import type { ThrottledRelay } from '../support/throttle.js';
import { startThrottledRelay } from '../support/throttle.js';
import { sha256File, waitFor, writeRandomFile } from '../integration/client/helpers.js';
import type { PartnerSetup } from './helpers.js';
import { clusterStores, plannedPush, setupPartner, setupUploads, waitSftpListeners } from './helpers.js';

const MiB = 1 << 20;
/** What a node logs when it reaps, or when its transfer was taken from it. */
const reapOrLoss = /took back transfers|lost the lease|lease lost|transfer lost|no longer owned/;

const timings = [
  { HeartbeatInterval: '1s', NodeTimeout: '5s' },
  { HeartbeatInterval: '300ms', NodeTimeout: '2s' },
];

for (const timing of timings) {
  describe(`clock skew of ±8 s, NodeTimeout ${timing.NodeTimeout}`, { timeout: 240_000 }, () => {
    let cluster: StartedCluster;
    let s: Stores;
    let sshd: StartedSshd;
    let relay: ThrottledRelay;
    let p: PartnerSetup;
    let key: SshKey;
    let work: string;
    let ahead: ClusterNode;
    let behind: ClusterNode;

    before(async () => {
      sshd = await startSshd();
      // 1 MiB/s per connection: pushes to the local sshd last long enough to overlap.
      relay = await startThrottledRelay(sshd.address, MiB);
      // Two push slots per node: the first nodes are full when the skewed ones arrive.
      cluster = await startCluster({
        nodes: 2,
        ini: { cluster: timing, controller: { MaxTransferOut: '2' } },
      });
      s = clusterStores(cluster);
      p = await setupPartner(cluster, s, sshd, relay.address);
      ({ work, key } = await setupUploads(cluster, s, 'clock-skew'));
    });

    after(async () => {
      await s?.db.close();
      await cluster?.stop();
      await relay?.close();
      await sshd?.stop();
    });

    async function push(name: string, size: number): Promise<number> {
      await writeRandomFile(join(cluster.home, 'out', name), size);
      return (await s.transfers.create(plannedPush(p, name))).id;
    }

    async function upload(node: ClusterNode, name: string, size: number) {
      await writeRandomFile(join(work, name), size);
      // 8 Mbit/s: about a second per MiB.
      const sftp = startSftp(
        { port: node.sftpPort, user: 'alice', key: key.file, limitKbps: 8000, cwd: work },
        [`put ${name} /in/${name}`],
      );
      return { name, node: node.name, done: sftp.done };
    }

    it('no live transfer is reaped or cut, and each ends DONE once', async () => {
      const [node1, node2] = cluster.nodes as [ClusterNode, ClusterNode];
      // 20 s each: the first two nodes are still full when the skewed ones are up.
      const firstPushes = await Promise.all([0, 1, 2, 3].map((i) => push(`a${i}.bin`, 20 * MiB)));
      const uploads = await Promise.all([
        upload(node1, 'u1.bin', 12 * MiB),
        upload(node2, 'u2.bin', 12 * MiB),
      ]);
      await waitFor(
        'the first wave running with progress',
        async () => {
          const running = await s.transfers.listNormalized({ status: ['RUNNING'] }, { limit: 50 });
          return running.filter((t) => t.progress > 0).length === 6 ? true : undefined;
        },
        30_000,
      );

      // The pushes crawl while the skewed nodes start (slowly on a loaded machine): they must
      // still be running, their nodes full, when the skewed nodes arrive.
      relay.setRate(MiB / 16);
      ahead = await cluster.addNode();
      behind = await cluster.addNode();
      await Promise.all([ahead.start({ env: skewedClockEnv(8) }), behind.start({ env: skewedClockEnv(-8) })]);
      await waitSftpListeners([ahead, behind], key);
      // The second wave can only go to the skewed nodes: the first two are full.
      const full = await s.transfers.listNormalized({ status: ['RUNNING'], rule: ['push'] });
      assert.equal(full.length, 4, 'the first wave still runs');
      relay.setRate(MiB);
      const secondPushes = await Promise.all([0, 1, 2, 3].map((i) => push(`b${i}.bin`, 8 * MiB)));
      uploads.push(await upload(ahead, 'u3.bin', 8 * MiB), await upload(behind, 'u4.bin', 8 * MiB));

      const results: SftpResult[] = await Promise.all(uploads.map((u) => u.done));
      results.forEach((r, i) => {
        assert.equal(r.code, 0, `upload ${uploads[i]!.name} to ${uploads[i]!.node} was cut: ${r.stderr}`);
      });
      const pushes = [...firstPushes, ...secondPushes];
      const history = await waitFor(
        'every push DONE',
        async () => {
          const h = await Promise.all(pushes.map((id) => s.transfers.getHistory(id)));
          return h.every((x) => x?.status === 'DONE') ? h.map((x) => x!) : undefined;
        },
        60_000,
      );

      for (const node of cluster.nodes) {
        assert.doesNotMatch(node.output(), reapOrLoss, `${node.name} reaped or lost a live transfer`);
      }
      // Every file is complete, byte for byte, and has exactly one record, DONE.
      const all = await s.transfers.listNormalized({}, { limit: 100 });
      assert.deepEqual(
        all.filter((t) => !t.isHistory),
        [],
        'nothing left in the live table',
      );
      for (const u of uploads) {
        const records = all.filter((t) => t.rule === 'up' && t.destFilename === u.name);
        assert.deepEqual(
          records.map((r) => [r.status, r.node]),
          [['DONE', u.node]],
          u.name,
        );
        assert.equal(
          await sha256File(join(cluster.home, 'in', u.name)),
          await sha256File(join(work, u.name)),
        );
      }
      for (const h of history) {
        assert.equal(h.errorCode, 'TeOk', `${h.srcFilename}: ${h.errorDetails}`);
        assert.equal(
          await sha256File(join(p.inbox, h.destFilename)),
          await sha256File(join(cluster.home, 'out', h.srcFilename)),
        );
      }
      // The skewed nodes did their share: the second wave of pushes ran there.
      assert.deepEqual(
        history.slice(4).filter((h) => h.node !== ahead.name && h.node !== behind.name),
        [],
        'the second wave ran on the skewed nodes',
      );
    });

    it('shows each node’s clock offset (API, metrics) and warns on the skewed ones', async () => {
      const r = await cluster.nodes[0]!.api('/api/cluster/nodes');
      assert.equal(r.status, 200);
      const nodes = ((await r.json()) as { nodes: NodeOut[] }).nodes;
      const offset = (name: string): number | null | undefined =>
        nodes.find((n) => n.name === name)?.clockOffsetMs;
      assert.ok(Math.abs(offset('node1')! - 0) < 1500, `node1: ${offset('node1')}`);
      assert.ok(Math.abs(offset(ahead.name)! - 8000) < 1500, `${ahead.name}: ${offset(ahead.name)}`);
      assert.ok(Math.abs(offset(behind.name)! + 8000) < 1500, `${behind.name}: ${offset(behind.name)}`);
      assert.deepEqual(
        nodes.map((n) => [n.name, n.alive]),
        cluster.nodes.map((n) => [n.name, true]),
      );
      const metrics = await (await ahead.api('/metrics')).text();
      const gauge = new RegExp(`waarp_clock_offset_seconds\\{node="${ahead.name}"\\} (\\S+)`).exec(metrics);
      assert.ok(gauge !== null, metrics);
      assert.ok(Math.abs(Number(gauge[1]) - 8) < 1.5, gauge[0]);
      assert.match(ahead.output(), /"level":40[^\n]*clock[^\n]*ahead of the database/);
      assert.match(behind.output(), /"level":40[^\n]*clock[^\n]*behind the database/);
    });

    it('a node beyond MaxClockSkew stays not ready and says why', async () => {
      const far = await cluster.addNode();
      await far.start({
        env: { ...skewedClockEnv(8), WAARP_GATEWAY_MAX_CLOCK_SKEW: '5s' },
        waitReady: false,
      });
      try {
        // Several heartbeats: it keeps measuring, and keeps refusing.
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          const ready = await fetch(`${far.adminUrl}/readyz`);
          assert.equal(ready.status, 503);
          const body = (await ready.json()) as { reasons: string[] };
          assert.match(body.reasons.join('; '), /clock is 8\.\d s ahead of the database.*limit 5 s/);
        }
        assert.match(far.output(), /"level":50[^\n]*clock[^\n]*not ready/);
      } finally {
        await far.kill('SIGTERM');
      }
    });
  });
}
