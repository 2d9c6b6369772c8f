/**
 * The shared volume disappears under one node: GatewayHome is a tmpfs (the "shared volume")
 * that every node sees at the same path, each in a mount namespace of its own (as containers
 * are), and one node's mount is unmounted (then, in a second case, made read-only) while it
 * receives an upload and pushes a file. That node
 * stops being ready and gives its transfers back; the other resumes the push, and the partner's
 * `reput` through the other completes the upload; a new upload to the first is refused; nothing
 * is reported DONE that is not on the shared volume; and the node is ready again once its mount
 * is back. Needs root.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Stores } from '../../src/db/stores/index.js';
import type { ClusterNode, StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import {
  bindMount,
  mountTmpfs,
  privateMountsLauncher,
  remountBind,
  requireRoot,
  unmount,
} from '../support/mounts.js';
import type { SftpResult, SshKey } from '../support/openssh.js';
import { sftpBatch, startSftp } from '../support/openssh.js';
import type { StartedSshd } from '../support/sshd.js';
import { startSshd } from '../support/sshd.js';
import type { ThrottledRelay } from '../support/throttle.js';
import { startThrottledRelay } from '../support/throttle.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
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

/** The files under `dir` as process `pid` sees them (in its mount namespace). */
async function filesIn(pid: number, dir: string): Promise<string> {
  const { stdout } = await promisify(execFile)('nsenter', [
    '-t',
    String(pid),
    '-m',
    'find',
    dir,
    '-type',
    'f',
  ]);
  return stdout.trim();
}

describe('a shared volume that disappears under a node', { timeout: 300_000 }, () => {
  let root: string;
  let volume: string;
  let shared: string;
  const mounts: string[] = [];
  let cluster: StartedCluster;
  let nodes: [ClusterNode, ClusterNode];
  let s: Stores;
  let sshd: StartedSshd;
  let relay: ThrottledRelay;
  let p: PartnerSetup;
  let key: SshKey;
  let work: string;

  before(async () => {
    requireRoot('the shared-volume test');
    root = await makeTempDir('shared-volume');
    // The volume itself, and where every node mounts it: a node that lost its mount gets it back
    // from the first, which it keeps (not used as GatewayHome).
    volume = join(root, 'volume');
    shared = join(root, 'home');
    mkdirSync(volume);
    mkdirSync(shared);
    await mountTmpfs(volume, 256);
    mounts.push(volume);
    await bindMount(volume, shared);
    mounts.push(shared);
    sshd = await startSshd();
    // 2 MiB/s: the pushes below last 12 s, still reading their file when the volume goes (a
    // push keeps 8 MiB in flight, which goes on after a stop).
    relay = await startThrottledRelay(sshd.address, 2 * MiB);
    cluster = await startCluster({ nodes: 2, home: shared, launcher: privateMountsLauncher });
    nodes = cluster.nodes as [ClusterNode, ClusterNode];
    s = clusterStores(cluster);
    p = await setupPartner(cluster, s, sshd, relay.address);
    ({ work, key } = await setupUploads(cluster, s, 'shared-volume-client'));
  });

  after(async () => {
    await s?.db.close();
    await cluster?.stop();
    await relay?.close();
    await sshd?.stop();
    for (const m of mounts.reverse()) await unmount(m).catch(() => undefined);
    if (root !== undefined) await removeTempDir(root);
  });

  async function ready(n: ClusterNode): Promise<{ status: number; reasons: string[] }> {
    const r = await fetch(`${n.adminUrl}/readyz`);
    return { status: r.status, reasons: ((await r.json()) as { reasons?: string[] }).reasons ?? [] };
  }

  for (const loss of ['unmounted', 'read-only'] as const) {
    it(`${loss}: the node stops being ready, its transfers move, nothing DONE off the volume`, async () => {
      const push = `push-${loss}.bin`;
      const upload = `up-${loss}.bin`;
      await writeRandomFile(join(shared, 'out', push), 24 * MiB);
      await writeRandomFile(join(work, upload), 12 * MiB);
      // Whichever node claims the push receives the upload too: it is the one that loses its mount.
      const pushId = (await s.transfers.create(plannedPush(p, push))).id;
      const first = await waitFor('the push running', async () => {
        const t = await s.transfers.get(pushId);
        return t?.status === 'RUNNING' && t.progress > 0 ? t : undefined;
      });
      const owner = cluster.nodes.find((n) => n.name === first.node)!;
      const cut = startSftp(
        { port: owner.sftpPort, user: 'alice', key: key.file, limitKbps: 8000, cwd: work },
        [`put ${upload} /in/${upload}`],
      );
      let cutEarly: SftpResult | undefined;
      void cut.done.then((r) => (cutEarly = r));
      await waitFor(
        'the upload running',
        async () => {
          if (cutEarly !== undefined) throw new Error(`the upload ended early: ${cutEarly.stderr}`);
          const [t] = await s.transfers.listNormalized({ rule: ['up'], status: ['RUNNING'] });
          return t !== undefined && t.progress > 0 ? t : undefined;
        },
        30_000,
      );
      const survivor = owner === nodes[0] ? nodes[1] : nodes[0];
      const pid = owner.process()!.pid!;

      await unmount(shared, pid);
      const atLoss = await s.transfers.get(pushId);
      assert.equal(atLoss?.status, 'RUNNING', 'the push still runs when the volume goes');
      if (loss === 'read-only') {
        // Linux refuses to turn a mount with files open for writing read-only: the node gets a
        // fresh read-only mount instead (new files refused, as on a volume gone read-only).
        await bindMount(volume, shared, pid);
        await remountBind(shared, 'ro', pid);
      }
      const reason =
        loss === 'unmounted' ? /shared volume is not there/ : /shared volume .* refuses writes \(EROFS/;
      await waitFor(
        `${owner.name} not ready: ${String(reason)}`,
        async () => {
          const r = await ready(owner);
          return r.status === 503 && reason.test(r.reasons.join('; ')) ? r : undefined;
        },
        15_000,
      );
      const cutResult = await cut.done;
      assert.notEqual(cutResult.code, 0, 'the upload on the node that lost the volume was cut');
      // A new upload to that node is refused, not written where no other node sees it.
      const refused = await sftpBatch({ port: owner.sftpPort, user: 'alice', key: key.file, cwd: work }, [
        `put ${upload} /in/late-${upload}`,
      ]);
      assert.notEqual(refused.code, 0, 'no new upload on a node without the volume');

      // The partner comes back through another node and finishes; the push moves there too.
      const resumed = await sftpBatch({ port: survivor.sftpPort, user: 'alice', key: key.file, cwd: work }, [
        `reput ${upload} /in/${upload}`,
      ]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const pushed = await waitFor(
        'the push DONE',
        async () => {
          const h = await s.transfers.getHistory(pushId);
          return h?.status === 'DONE' ? h : undefined;
        },
        60_000,
      );
      assert.equal(pushed.node, survivor.name);
      await assertOneDoneRecordEach(s, [
        { rule: 'up', file: upload },
        { rule: 'push', file: push },
      ]);
      assert.equal(
        (await s.transfers.listNormalized({ rule: ['up'] })).filter(
          (t) => t.destFilename === `late-${upload}`,
        ).length,
        0,
        'no record of the refused upload',
      );
      assert.equal(await sha256File(join(shared, 'in', upload)), await sha256File(join(work, upload)));
      assert.equal(await sha256File(join(p.inbox, push)), await sha256File(join(shared, 'out', push)));
      // No file was written where the node's mount used to be (what it sees now: the mount
      // point, on its local disk), nor on the volume by the refused upload.
      if (loss === 'unmounted') assert.equal(await filesIn(pid, shared), '');
      assert.equal(existsSync(join(shared, 'in', `late-${upload}`)), false);

      // The mount comes back: so does the node.
      if (loss === 'unmounted') await bindMount(volume, shared, pid);
      else await remountBind(shared, 'rw', pid);
      await waitFor(`${owner.name} ready again`, async () =>
        (await ready(owner)).status === 200 ? true : undefined,
      );
    });
  }
});
