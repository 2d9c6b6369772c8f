/**
 * Single-node SFTP throughput, in this process, for profiling the hot path:
 *
 *   npm run bench:single -- [options]   (or, to profile the whole process:)
 *   node [--cpu-prof --cpu-prof-dir=prof] dist/bench/single-node.js [--size-mib 1024] [--runs 3]
 *        [--cipher NAME] [--only gateway|openssh] [--db sqlite|mysql] [--profile-dir DIR]
 *
 * A whole gateway node (test/support/gateway.ts: the daemon's startNode, SQLite by default) with
 * one SFTP server, one receive and one send rule, against a private OpenSSH sshd; the OpenSSH
 * `sftp` client uploads then downloads one file of random bytes. MB/s is 10^6 bytes per second
 * over the whole `sftp` command (connection and authentication included), median of the runs.
 * `--profile-dir DIR` writes a CPU profile of this process (the gateway) during each gateway
 * upload and download only (`DIR/upload-N.cpuprofile`, `DIR/download-N.cpuprofile`); summarise
 * one with `node dist/bench/profile-top.js FILE`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cryptoBindingAvailable } from '../src/sftp/ssh2.js';
import { sha256File, writeRandomFile } from '../test/support/files.js';
import { startGateway } from '../test/support/gateway.js';
import { freePort } from '../test/support/sshd.js';
import { declareSftpServer } from '../test/support/declare.js';
import { sshBanner } from './lib/cluster-env.js';
import { childrenCpuOf, load, MB, median, MiB, sleep } from './lib/measure.js';
import { startOpenSsh } from './lib/openssh-server.js';
import type { SftpTarget } from './lib/sftp-cli.js';
import { sftpTimed } from './lib/sftp-cli.js';

const { values: opts } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    cipher: { type: 'string', default: '' },
    only: { type: 'string', default: '' },
    db: { type: 'string', default: 'sqlite' },
    'profile-dir': { type: 'string', default: '' },
  },
});
const sizeMiB = Number(opts['size-mib']);
const runs = Number(opts.runs);

interface Case extends SftpTarget {
  name: string;
  /** CPU seconds of the server so far (the gateway: this process; OpenSSH: its sessions). */
  serverCpu(): number;
  upload: string;
  download: string;
  received: string;
}

const profileDir = opts['profile-dir'] ?? '';
const inspector = new Session();
if (profileDir !== '') {
  mkdirSync(profileDir, { recursive: true });
  inspector.connect();
}

function post(method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) =>
    inspector.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

/** Runs `fn`, profiled into `dir/name.cpuprofile` when `dir` is set. */
async function profile<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
  if (dir === '') return fn();
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile: p } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(p));
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'waarp-bench1-'));
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const local = join(work, 'client');
    mkdirSync(local, { recursive: true });
    const key = join(local, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
    const source = join(local, 'source.bin');
    await writeRandomFile(source, sizeMiB * MiB);
    const hash = await sha256File(source);
    const bytes = statSync(source).size;
    console.log(
      `file ${sizeMiB} MiB, ${runs} runs, cipher ${opts.cipher || '(client default)'}, node ${process.version}, ` +
        `ssh2 binding ${cryptoBindingAvailable() ? 'loaded' : 'MISSING'}, database ${opts.db}`,
    );
    const cases: Case[] = [];
    if (opts.only !== 'openssh') {
      const gw = await startGateway({
        db: opts.db === 'mysql' ? 'mysql' : 'sqlite',
        ini: { log: { Level: 'WARNING' } },
      });
      cleanups.push(() => gw.stop());
      const stores = gw.node.ctx.stores;
      const port = await freePort();
      await declareSftpServer(stores, {
        name: 'bench',
        address: `127.0.0.1:${port}`,
        login: 'bench',
        publicKey,
      });
      mkdirSync(join(gw.home, 'out'), { recursive: true });
      copyFileSync(source, join(gw.home, 'out', 'down.bin'));
      for (let i = 0; i < 100 && !(await sshBanner(port)); i++) await sleep(100);
      cases.push({
        name: 'gateway',
        serverCpu: () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1e6;
        },
        port,
        user: 'bench',
        upload: '/in/up.bin',
        download: '/out/down.bin',
        received: join(gw.home, 'in', 'up.bin'),
      });
    }
    if (opts.only !== 'gateway') {
      const sshd = await startOpenSsh(join(work, 'sshd'), publicKey);
      cleanups.push(() => sshd.stop());
      copyFileSync(source, join(sshd.files, 'down.bin'));
      cases.push({
        name: 'openssh',
        serverCpu: () => childrenCpuOf(sshd.pid),
        port: sshd.port,
        user: sshd.user,
        upload: join(sshd.files, 'up.bin'),
        download: join(sshd.files, 'down.bin'),
        received: join(sshd.files, 'up.bin'),
      });
    }
    const cli = { key, cwd: local, cipher: opts.cipher ?? '' };
    const up = new Map<string, number[]>();
    const down = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        rmSync(c.received, { force: true });
        const profiled = c.name === 'gateway' ? profileDir : '';
        const gib = bytes / 2 ** 30;
        let s0 = c.serverCpu();
        let c0 = childrenCpuOf('self');
        const u =
          bytes /
          (await profile(profiled, `upload-${i + 1}`, () =>
            sftpTimed(c, cli, [`put ${source} ${c.upload}`]),
          )) /
          MB;
        const cpuUp = `server ${((c.serverCpu() - s0) / gib).toFixed(2)} s/GiB, client ${((childrenCpuOf('self') - c0) / gib).toFixed(2)} s/GiB`;
        rmSync(join(local, 'got.bin'), { force: true });
        s0 = c.serverCpu();
        c0 = childrenCpuOf('self');
        const d =
          bytes /
          (await profile(profiled, `download-${i + 1}`, () =>
            sftpTimed(c, cli, [`get ${c.download} got.bin`]),
          )) /
          MB;
        const cpuDown = `server ${((c.serverCpu() - s0) / gib).toFixed(2)} s/GiB, client ${((childrenCpuOf('self') - c0) / gib).toFixed(2)} s/GiB`;
        (up.get(c.name) ?? up.set(c.name, []).get(c.name))?.push(u);
        (down.get(c.name) ?? down.set(c.name, []).get(c.name))?.push(d);
        console.log(
          `${c.name} run ${i + 1}: upload ${u.toFixed(0)} MB/s (${cpuUp}), download ${d.toFixed(0)} MB/s (${cpuDown}) (load ${load()})`,
        );
        if (i === runs - 1) {
          if ((await sha256File(c.received)) !== hash)
            throw new Error(`${c.name}: the uploaded file differs`);
          if ((await sha256File(join(local, 'got.bin'))) !== hash)
            throw new Error(`${c.name}: the downloaded file differs`);
        }
      }
    }
    for (const c of cases) {
      console.log(
        `median ${c.name}: upload ${median(up.get(c.name) ?? []).toFixed(0)} MB/s, ` +
          `download ${median(down.get(c.name) ?? []).toFixed(0)} MB/s`,
      );
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error(err));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
