/**
 * A full GatewayHome (a 48 MiB tmpfs receiving a 64 MiB upload): the partner gets a clean error,
 * the record keeps the bytes received (ERROR, resumable), and once there is room again `reput`
 * completes the same record, byte-identical. Mounting needs root (CI runs as root).
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Stores } from '../../src/db/stores/index.js';
import type { ClusterNode, StartedCluster } from '../support/cluster.js';
import { startCluster } from '../support/cluster.js';
import type { SshKey } from '../support/openssh.js';
import { sftpBatch } from '../support/openssh.js';
import { mountTmpfs, requireRoot, resizeTmpfs, unmount } from '../support/mounts.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { sha256File, writeRandomFile } from '../integration/client/helpers.js';
import { assertOneDoneRecordEach, clusterStores, setupUploads } from './helpers.js';

const MiB = 1 << 20;
describe('a full GatewayHome', { timeout: 180_000 }, () => {
  let home: string;
  let mounted = false;
  let cluster: StartedCluster;
  let node: ClusterNode;
  let s: Stores;
  let key: SshKey;
  let work: string;

  before(async () => {
    requireRoot('the full-volume test');
    home = await makeTempDir('full-home');
    await mountTmpfs(home, 48);
    mounted = true;
    cluster = await startCluster({ nodes: 1, home });
    node = cluster.nodes[0]!;
    s = clusterStores(cluster);
    ({ work, key } = await setupUploads(cluster, s, 'full-home-client'));
  });

  after(async () => {
    await s?.db.close();
    await cluster?.stop();
    if (mounted) await unmount(home);
    if (home !== undefined) await removeTempDir(home);
  });

  it('fails cleanly, keeps the progress, and resumes the same record when space is back', async () => {
    await writeRandomFile(join(work, 'big.bin'), 64 * MiB);
    const login = { port: node.sftpPort, user: 'alice', key: key.file, cwd: work };
    const full = await sftpBatch(login, ['put big.bin /in/big.bin']);
    assert.notEqual(full.code, 0, 'the upload cannot fit');
    assert.match(full.stderr, /Failure|No space/i, full.stderr);
    const [failed] = await s.transfers.listNormalized({ rule: ['up'] });
    assert.ok(failed !== undefined);
    assert.equal(failed.status, 'ERROR');
    // The disk gave less than asked (a short write): a data error, not a crash.
    assert.equal(failed.errorCode, 'TeDataTransfer');
    assert.match(failed.errorDetails, /cannot write the file/, failed.errorDetails);
    assert.ok(failed.progress > 16 * MiB && failed.progress < 48 * MiB, `progress ${failed.progress}`);
    assert.equal(node.process()?.exitCode, null, 'the node lives on');

    await resizeTmpfs(home, 160);
    const resumed = await sftpBatch(login, ['reput big.bin /in/big.bin']);
    assert.equal(resumed.code, 0, resumed.stderr);
    await assertOneDoneRecordEach(s, [{ rule: 'up', file: 'big.bin' }]);
    const [done] = await s.transfers.listNormalized({ rule: ['up'] });
    assert.equal(done?.id, failed.id, 'the same record, continued');
    const delivered = join(home, 'in', 'big.bin');
    assert.equal(statSync(delivered).size, 64 * MiB);
    assert.equal(await sha256File(delivered), await sha256File(join(work, 'big.bin')));
  });
});
