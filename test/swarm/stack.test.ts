/**
 * The Docker Swarm stack (deploy/swarm/stack.yml), deployed on a single-node swarm of this
 * machine from the offline images: SFTP and REST through HAProxy's host-mode ports, each
 * client's own address at the nodes (PROXY v2 from HAProxy, trusted by the subnet of the
 * stack's network "lb"), a ban that hits one address only, a task killed under an upload (the
 * client resumes on another task, swarm replaces the task), a scale from 3 to 4 nodes, and a
 * rolling image update under load with no failed transfer.
 *
 * Needs Docker (deploy/offline/install-docker.sh); never skipped. Run with `npm run test:swarm`
 * under `flock /tmp/docker.lock` when the machine is shared. WAARP_BUNDLE_REUSE_IMAGES=1 or
 * WAARP_IMAGES_ENV=FILE skip the image build (test/support/compose.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TransferOut } from '../../src/schema/transfers.js';
import { asComment, docker, eventually, sleep } from '../support/compose.js';
import { sftpBatch } from '../support/openssh.js';
import type { ResilientUpload, UploadOutcome } from '../cluster/clients.js';
import { MiB, describeAttempts, opensshUpload, sha256File, writeRandomFile } from '../cluster/clients.js';
import { ipInList } from '../../src/util/ip.js';
import { SwarmStack, hostAddress, sftpUser, uploadRule } from './stack.js';

const log = (line: string): void => console.log(asComment(line));

describe('Docker Swarm stack (deploy/swarm)', { timeout: 30 * 60_000 }, () => {
  let s: SwarmStack;
  let home: string;
  let failed = false;
  const started = Date.now();

  before(async () => {
    s = await SwarmStack.start(log);
    home = await s.homeOnHost();
  });

  after(async () => {
    if (s === undefined) return;
    if (failed) log(await s.logs(80));
    await s.remove(log);
    log(`swarm tier: ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  const step = (title: string, fn: () => Promise<void>): void => {
    it(title, async () => {
      const t0 = Date.now();
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        log(`${title}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    });
  };

  /** A random file of `mib` MiB in the work folder, and its SHA-256. */
  async function randomFile(
    name: string,
    mib: number,
  ): Promise<{ name: string; local: string; sum: string }> {
    const local = join(s.work, name);
    await writeRandomFile(local, mib * MiB);
    return { name, local, sum: await sha256File(local) };
  }

  /** Uploads a file to /upload/NAME with OpenSSH's sftp, resuming after every cut. */
  function upload(file: { name: string; local: string }, kbps: number, withinMs: number): ResilientUpload {
    return opensshUpload({
      port: s.sftpPort,
      key: s.clientKey.file,
      local: file.local,
      remote: `/${uploadRule}/${file.name}`,
      limitKbps: kbps,
      resumeLimitKbps: kbps,
      deadline: Date.now() + withinMs,
    });
  }

  async function startUpload(name: string, mib: number, kbps: number, withinMs: number) {
    const file = await randomFile(name, mib);
    return { ...file, up: upload(file, kbps, withinMs) };
  }

  /** The upload's single history record is DONE and the delivered file is the one sent. */
  async function assertDelivered(name: string, sum: string): Promise<TransferOut> {
    assert.equal(await sha256File(join(home, uploadRule, name)), sum, `${name}: the delivered file`);
    const h = (await s.rest.history(`requester=${sftpUser}&rule=${uploadRule}`)).filter(
      (t) => t.destFilename === name,
    );
    assert.equal(h.length, 1, `${name}: ${h.length} history records`);
    assert.equal(h[0]!.status, 'DONE', `${name}: ${JSON.stringify(h[0])}`);
    return h[0]!;
  }

  /** Every transfer of the stack finished DONE: none RUNNING, INTERRUPTED or in ERROR. */
  async function assertAllDone(): Promise<void> {
    const wrong = (await s.rest.transfers())
      .filter((t) => t.status !== 'DONE')
      .map((t) => `${t.id} ${t.destFilename} ${t.status} on ${t.node}: ${t.errorCode} ${t.errorMsg}`);
    assert.deepEqual(wrong, [], 'unfinished transfers');
  }

  step('SFTP through HAProxy (put and get) and the API list three nodes named by slot', async () => {
    const nodes = await s.rest.clusterNodes();
    assert.deepEqual(nodes.map((n) => n.name).sort(), ['node1', 'node2', 'node3']);
    const local = join(s.work, 'hello.bin');
    await writeRandomFile(local, 3 * MiB + 17);
    const res = await sftpBatch({ port: s.sftpPort, user: sftpUser, key: s.clientKey.file, cwd: s.work }, [
      `put ${local} /${uploadRule}/hello.bin`,
      `get /${uploadRule}/hello.bin ${local}.back`,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(await sha256File(`${local}.back`), await sha256File(local));
    await assertDelivered('hello.bin', await sha256File(local));
  });

  step("the nodes see each client's own address, not HAProxy's (PROXY v2, trusted by subnet)", async () => {
    // A client that connects to this machine's own address keeps it through Docker's NAT, as a
    // partner of another machine would; through 127.0.0.1 Docker's proxy relays it.
    const host = hostAddress();
    const local = join(s.work, 'from-host.bin');
    await writeRandomFile(local, 64 * 1024);
    const res = await sftpBatch(
      { host, port: s.sftpPort, user: sftpUser, key: s.clientKey.file, cwd: s.work },
      [`put ${local} /${uploadRule}/from-host.bin`],
    );
    assert.equal(res.code, 0, res.stderr);
    const fromHost = await assertDelivered('from-host.bin', await sha256File(local));
    assert.equal(fromHost.transferInfo.clientAddress, host, JSON.stringify(fromHost));
    const hello = (await s.rest.history(`requester=${sftpUser}&rule=${uploadRule}`)).find(
      (t) => t.destFilename === 'hello.bin',
    );
    const relayed = String(hello?.transferInfo.clientAddress);
    const seen = await s.haproxySftpClients();
    const lb = await s.haproxyLbAddress();
    log(
      `HAProxy ${lb} on ${s.lbSubnet}; clients it logged: ${[...seen].join(', ')}; hello.bin from ${relayed}`,
    );
    assert.ok(seen.has(relayed) && seen.has(host), `HAProxy logged ${[...seen].join(', ')}`);
    assert.notEqual(relayed, lb, "hello.bin's client is HAProxy");
    assert.ok(!ipInList(relayed, [s.lbSubnet]), `hello.bin's client is ${relayed}, on the stack's network`);
  });

  step(
    'a wrong-password burst from one address bans that address only; the others keep working',
    async () => {
      const host = hostAddress();
      // [security] MaxLoginFailures: 10 (the default). The account has a key only: every password
      // fails. Five at a time (under PerSourceMaxStartups, 10 per node) until one is told it is banned.
      let banned: string | undefined;
      let attempts = 0;
      while (banned === undefined) {
        assert.ok(attempts < 25, `not banned after ${attempts} wrong passwords`);
        const round = await Promise.all(
          [1, 2, 3, 4, 5].map(() => s.passwordSftp(host, sftpUser, 'not-the-password', ['ls /'])),
        );
        attempts += round.length;
        for (const r of round) assert.notEqual(r.code, 0, 'a wrong password logged in');
        banned = round
          .map((r) => r.stderr)
          .find((e) => /Received disconnect from .*banned for \d+ s/.test(e));
      }
      log(`banned after ${attempts} attempts: ${banned.trim().split('\n')[0]}`);
      const bans = await s.rest.get<{ bans: { address: string; protocol: string }[] }>('/api/bans');
      assert.deepEqual(
        bans.bans.map((b) => `${b.address} ${b.protocol}`),
        [`${host} sftp`],
        'that address is banned, not HAProxy',
      );
      // Another client (through the loopback: another address at the nodes) is not affected.
      const other = await sftpBatch({ port: s.sftpPort, user: sftpUser, key: s.clientKey.file }, ['ls /']);
      assert.equal(other.code, 0, other.stderr);
      await s.rest.send('DELETE', `/api/bans/${host}`, undefined, 204);
      const lifted = await sftpBatch({ host, port: s.sftpPort, user: sftpUser, key: s.clientKey.file }, [
        `ls /${uploadRule}`,
      ]);
      assert.equal(lifted.code, 0, lifted.stderr);
    },
  );

  step('a task killed under an upload: the client resumes on another task, swarm replaces it', async () => {
    const { name, sum, up } = await startUpload('killed.bin', 96, 64_000, 180_000);
    const row = await eventually(
      60_000,
      async () => {
        assert.equal(up.attempts.length, 0, `the upload ended: ${describeAttempts(up.attempts)}`);
        const t = (await s.rest.transfers('status=RUNNING')).find((x) => x.destFilename === name);
        assert.ok(t !== undefined && t.node !== null && t.progress >= 16 * MiB, 'not running yet');
        return t;
      },
      200,
    );
    const victim = row.node!;
    const killed = await s.kill(victim);
    const killedAt = Date.now();
    const outcome: UploadOutcome = await up.done;
    log(
      `killed ${victim} at ${Math.round(row.progress / MiB)} MiB; client: ${describeAttempts(outcome.attempts)}`,
    );
    assert.ok(outcome.ok, `the client gave up: ${describeAttempts(outcome.attempts)}`);
    assert.ok(outcome.attempts.length >= 2, 'the kill did not cut the upload');
    log(`kill to complete: ${((outcome.attempts.at(-1)!.end - killedAt) / 1000).toFixed(1)} s`);
    const record = await assertDelivered(name, sum);
    assert.equal(record.id, row.id, 'the same record was continued');
    assert.notEqual(record.node, victim, 'another task finished it');
    // Swarm starts a new task in the dead one's slot: the same node name comes back.
    await s.waitHealthy(3, 120_000);
    const replaced = (await s.tasks()).find((t) => t.slot === killed.slot);
    assert.ok(replaced && replaced.id !== killed.id, `slot ${killed.slot} was not rescheduled`);
    log(`${victim} back as a new task ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    await assertAllDone();
  });

  step('docker service scale 3 -> 4: node4 joins and takes SFTP sessions and REST requests', async () => {
    await docker(['service', 'scale', '--detach', `${s.gatewayService}=4`]);
    await s.waitHealthy(4, 120_000);
    const answered = new Set<string>();
    for (let i = 0; i < 8; i++) answered.add((await s.rest.get<{ nodeName: string }>('/api/about')).nodeName);
    assert.ok(answered.has('node4'), `REST answered only by ${[...answered].join(', ')}`);
    // Four sessions at once (8 s each): leastconn sends each to the node with the fewest. On a
    // busy host they may not all overlap, so up to three rounds until one lands on node4.
    const rounds: string[][] = [];
    for (let round = 1; round <= 3 && !rounds.flat().includes('node4'); round++) {
      const files = await Promise.all(
        ['a', 'b', 'c', 'd'].map((x) => randomFile(`scaled-${round}${x}.bin`, 8)),
      );
      const uploads = files.map((f) => ({ ...f, up: upload(f, 8_000, 90_000) }));
      const outcomes = await Promise.all(uploads.map((u) => u.up.done));
      const nodes: string[] = [];
      for (const [i, u] of uploads.entries()) {
        assert.ok(outcomes[i]!.ok, `${u.name}: ${describeAttempts(outcomes[i]!.attempts)}`);
        nodes.push((await assertDelivered(u.name, u.sum)).node ?? '?');
      }
      rounds.push(nodes);
    }
    log(`four concurrent uploads per round ran on: ${rounds.map((r) => r.join(', ')).join(' | ')}`);
    assert.ok(rounds.flat().includes('node4'), `no upload on node4 in ${rounds.length} rounds`);
  });

  step('docker service update --image rolls the nodes one at a time, no transfer fails', async () => {
    await docker(['tag', s.images.vars.WAARP_GATEWAY_IMAGE!, s.rollTag]);
    let stop = false;
    const files: { name: string; sum: string; outcome: UploadOutcome }[] = [];
    // Three clients uploading 24 MiB files at 8 MB/s (3 s each), one after the other.
    const loop = async (prefix: string): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const { name, sum, up } = await startUpload(`roll-${prefix}-${i}.bin`, 24, 64_000, 120_000);
        files.push({ name, sum, outcome: await up.done });
      }
    };
    const loops = ['a', 'b', 'c'].map((x) => loop(x));
    const fewest: number[] = [];
    try {
      await sleep(2000);
      const t0 = Date.now();
      await docker(['service', 'update', '--detach', '--image', s.rollTag, s.gatewayService]);
      await eventually(
        300_000,
        async () => {
          const tasks = await s.tasks();
          fewest.push(tasks.length);
          const state = (
            await docker(['service', 'inspect', '--format', '{{.UpdateStatus.State}}', s.gatewayService])
          ).stdout.trim();
          assert.equal(state, 'completed', `update ${state}`);
          assert.ok(tasks.length === 4 && tasks.every((t) => t.image === s.rollTag), 'tasks not all updated');
        },
        1000,
      );
      log(`rolling update of 4 nodes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    // One at a time: never fewer than 3 of the 4 tasks running.
    assert.ok(Math.min(...fewest) >= 3, `at one point only ${Math.min(...fewest)} tasks ran`);
    const cuts = files.flatMap((f) => f.outcome.attempts.filter((a) => !a.ok));
    log(`${files.length} uploads during the update, ${cuts.length} client cuts (resumed)`);
    for (const c of cuts) log(`  cut: ${c.command}: ${c.error.replace(/\s+/g, ' ')}`);
    assert.ok(files.length >= 6, `only ${files.length} uploads`);
    for (const f of files) {
      assert.ok(f.outcome.ok, `${f.name}: ${describeAttempts(f.outcome.attempts)}`);
      await assertDelivered(f.name, f.sum);
    }
    // The draining node keeps accepting for DrainNotice (no handshake reset by a closing
    // listener) and lets its sessions start files (no open refused). Other cuts are logged: on a
    // loaded machine a slow database can cost a node its lease, which the client resumes.
    assert.deepEqual(
      cuts.map((c) => `${c.command}: ${c.error}`).filter((e) => /kex_exchange|open .*Failure/i.test(e)),
      [],
      'cuts by the drain',
    );
    await s.waitHealthy(4, 120_000);
    await assertAllDone();
  });
});
