/**
 * kill -9 of the database server under load, restarted 3 s later on the same data: uploads
 * (OpenSSH clients that `reput` after a cut, as partners do) and pushes all complete, every file
 * byte-identical, each with exactly one DONE record, nothing left running.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Stores } from '../../src/db/stores/index.js';
import type { ClusterNode, StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import type { SshKey } from '../support/openssh.js';
import type { ResilientUpload } from '../support/resilient-sftp.js';
import { describeAttempts, opensshTransfer } from '../support/resilient-sftp.js';
import type { StartedSshd } from '../support/sshd.js';
import { startSshd } from '../support/sshd.js';
import type { ThrottledRelay } from '../support/throttle.js';
import { startThrottledRelay } from '../support/throttle.js';
import { sha256File, waitFor, writeRandomFile } from '../integration/client/helpers.js';
import type { PartnerSetup } from './helpers.js';
import {
  assertOneDoneRecordEach,
  clusterStores,
  plannedPush,
  setupPartner,
  setupUploads,
} from './helpers.js';

const MiB = 1 << 20;

describe('kill -9 of the database under load', { timeout: 240_000 }, () => {
  let cluster: StartedCluster;
  let s: Stores;
  let sshd: StartedSshd;
  let relay: ThrottledRelay;
  let p: PartnerSetup;
  let key: SshKey;
  let work: string;

  before(async () => {
    sshd = await startSshd();
    relay = await startThrottledRelay(sshd.address, MiB);
    cluster = await startCluster({ nodes: 3, privateDatabase: true });
    s = clusterStores(cluster);
    p = await setupPartner(cluster, s, sshd, relay.address);
    ({ work, key } = await setupUploads(cluster, s, 'db-crash'));
  });

  after(async () => {
    await s?.db.close();
    await cluster?.stop();
    await relay?.close();
    await sshd?.stop();
  });

  it('every transfer completes once, nothing lost or doubled', async (t) => {
    const pushes: number[] = [];
    for (let i = 0; i < 4; i++) {
      await writeRandomFile(join(cluster.home, 'out', `p${i}.bin`), 8 * MiB);
      pushes.push((await s.transfers.create(plannedPush(p, `p${i}.bin`))).id);
    }
    const uploads: { name: string; client: ResilientUpload }[] = [];
    for (let i = 0; i < 4; i++) {
      const name = `u${i}.bin`;
      const node: ClusterNode = cluster.nodes[i % cluster.nodes.length]!;
      await writeRandomFile(join(work, name), 8 * MiB);
      const client = opensshTransfer({
        port: node.sftpPort,
        user: 'alice',
        key: key.file,
        local: join(work, name),
        remote: `/in/${name}`,
        limitKbps: 8000,
        deadline: Date.now() + 150_000,
        retryDelayMs: 500,
      });
      uploads.push({ name, client });
    }
    await waitFor(
      'uploads and pushes running with progress',
      async () => {
        const running = await s.transfers.listNormalized({ status: ['RUNNING'] }, { limit: 50 });
        return running.filter((x) => x.progress > 0).length >= 6 ? true : undefined;
      },
      60_000,
    );

    await cluster.database.crash();
    await new Promise((r) => setTimeout(r, 3000));
    await cluster.database.restart();

    const outcomes = await Promise.all(uploads.map((u) => u.client.done));
    outcomes.forEach((o, i) => assert.ok(o.ok, `${uploads[i]!.name}: ${describeAttempts(o.attempts)}`));
    t.diagnostic(
      `client attempts: ${outcomes.map((o, i) => `${uploads[i]!.name} ${describeAttempts(o.attempts)}`).join('; ')}`,
    );
    await waitFor(
      'every push DONE',
      async () => {
        const h = await Promise.all(pushes.map((id) => s.transfers.getHistory(id)));
        return h.every((x) => x?.status === 'DONE') ? true : undefined;
      },
      120_000,
    );

    await assertOneDoneRecordEach(s, [
      ...uploads.map((u) => ({ rule: 'up', file: u.name })),
      ...pushes.map((_, i) => ({ rule: 'push', file: `p${i}.bin` })),
    ]);
    for (const u of uploads) {
      assert.equal(await sha256File(join(cluster.home, 'in', u.name)), await sha256File(join(work, u.name)));
    }
    for (let i = 0; i < pushes.length; i++) {
      assert.equal(
        await sha256File(join(p.inbox, `p${i}.bin`)),
        await sha256File(join(cluster.home, 'out', `p${i}.bin`)),
      );
    }
    // The nodes lived through it and are ready again.
    for (const n of cluster.nodes) {
      const ready = await waitFor(`${n.name} ready`, async () =>
        (await fetch(`${n.adminUrl}/readyz`)).status === 200 ? true : undefined,
      );
      assert.equal(ready, true);
    }
  });
});
