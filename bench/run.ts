/**
 * `npm run bench`: the cluster benchmark, in one go, with native processes on this machine.
 *
 *   - a private OpenSSH sshd (reference), three `waarp-gatewayd` nodes on MariaDB, HAProxy in
 *     front of them with the generated configuration; "node" is node1 reached on its own port,
 *     "haproxy" the cluster through HAProxy's public SFTP address;
 *   - single stream 1 GiB upload and download (OpenSSH `sftp` client), 16 parallel uploads of
 *     64 MiB, session rate (ssh2 client, password auth, 1 KiB put), RSS with 100 idle sessions,
 *     during the 16 streams and under a write flood, REST at a fixed rate through HAProxy, and the
 *     gateway's partner copy loop (src/client/sftp-copy.ts) against a node.
 *
 * Targets are interleaved run by run, so that a burst of load from elsewhere hits all of them;
 * every figure is printed with the load average at the time. Options: see `--help`.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { pullFile, pushFile } from '../src/client/sftp-copy.js';
import { cryptoBindingAvailable } from '../src/sftp/ssh2.js';
import { sha256File, writeRandomFile } from '../test/support/files.js';
import type { GatewayEnv } from './lib/cluster-env.js';
import { startGatewayEnv } from './lib/cluster-env.js';
import { cpuOf, load, MB, mb, median, MiB, rssOf, RssSampler, sleep } from './lib/measure.js';
import type { OpenSshServer } from './lib/openssh-server.js';
import { startOpenSsh } from './lib/openssh-server.js';
import type { SftpCliOptions, SftpTarget } from './lib/sftp-cli.js';
import { sftpTimed } from './lib/sftp-cli.js';
import { countSyncs, statementsOf, writeSmallFiles } from './lib/small-files.js';
import type { SqliteNode } from './lib/sqlite-node.js';
import { startSqliteNode } from './lib/sqlite-node.js';
import type { Credentials } from './lib/ssh-client.js';
import {
  connect,
  end,
  floodUpload,
  idleSessions,
  openSftp,
  requestSizes,
  sessionRate,
} from './lib/ssh-client.js';

const sections = ['single', 'parallel', 'sessions', 'idle', 'flood', 'rest', 'partner', 'small'] as const;
type Section = (typeof sections)[number];

const { values: opts } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '16' },
    'parallel-mib': { type: 'string', default: '64' },
    'session-clients': { type: 'string', default: '8' },
    'session-seconds': { type: 'string', default: '20' },
    idle: { type: 'string', default: '100' },
    'idle-auth': { type: 'string', default: 'password' },
    'rest-rate': { type: 'string', default: '200' },
    'rest-seconds': { type: 'string', default: '20' },
    'flood-connections': { type: 'string', default: '8' },
    'flood-mib': { type: 'string', default: '512' },
    'partner-mib': { type: 'string', default: '256' },
    'small-files': { type: 'string', default: '400' },
    'small-kib': { type: 'string', default: '4' },
    'small-list': { type: 'string', default: '10000' },
    'small-sessions': { type: 'string', default: '16' },
    'small-session-files': { type: 'string', default: '200' },
    'small-fsyncs': { type: 'string', default: 'yes' },
    cipher: { type: 'string', default: '' },
    'node-flags': { type: 'string', default: '' },
    only: { type: 'string', default: sections.join(',') },
    'keep-work': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`Usage: npm run bench -- [--runs 3] [--size-mib 1024] [--parallel 16] [--parallel-mib 64]
  [--session-clients 8] [--session-seconds 20] [--idle 100] [--rest-rate 200] [--rest-seconds 20]
  [--flood-connections 8] [--flood-mib 512] [--partner-mib 256] [--cipher NAME]
  [--small-files 400] [--small-kib 4] [--small-list 10000] [--small-sessions 16 (0: skip)]
  [--small-session-files 200] [--small-fsyncs yes|no (the strace counts)]
  [--node-flags "--initial-old-space-size=128"]
  [--only ${sections.join(',')}]`);
  process.exit(0);
}
const num = (k: keyof typeof opts): number => Number(opts[k]);
const only = new Set(String(opts.only).split(',') as Section[]);
const runs = num('runs');

interface Target extends SftpTarget {
  readonly name: 'openssh' | 'node' | 'haproxy';
  readonly upload: string;
  readonly download: string;
  readonly received: string;
  /** Remote folder for parallel uploads, and where they land. */
  readonly parallelDir: string;
  readonly parallelLocal: string;
  /** Processes whose RSS is watched. */
  readonly pids: number[];
}

interface Row {
  section: string;
  figure: string;
  openssh?: number;
  node?: number;
  haproxy?: number;
  unit: string;
  load: string;
  note?: string;
}
const rows: Row[] = [];
const checks: { what: string; target: string; value: string; met: boolean }[] = [];

function check(what: string, target: string, value: number, wanted: number, higherIsBetter = true): void {
  const met = higherIsBetter ? value >= wanted : value <= wanted;
  checks.push({ what, target, value: value.toFixed(2), met });
}

const log = (s: string): void =>
  console.log(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${s}`);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'waarp-bench-'));
  const local = join(work, 'client');
  mkdirSync(local, { recursive: true });
  const key = join(local, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
  const privateKey = readFileSync(key);
  let sshd: OpenSshServer | undefined;
  let gw: GatewayEnv | undefined;
  try {
    log(
      `node ${process.version}, ssh2 native binding ${cryptoBindingAvailable() ? 'loaded' : 'MISSING'}, ` +
        `cipher ${opts.cipher || '(client default)'}, ${runs} runs, gateway node flags: ${opts['node-flags'] || '(none)'}`,
    );
    sshd = await startOpenSsh(join(work, 'sshd'), publicKey);
    const nodeFlags = String(opts['node-flags'])
      .split(/\s+/)
      .filter((f) => f !== '');
    gw = await startGatewayEnv(work, publicKey, nodeFlags);
    const node1 = gw.nodes[0];
    const pidsOf = (): number[] => gw?.nodes.map((n) => n.process()?.pid ?? 0) ?? [];
    const node1Pid = (): number => node1?.process()?.pid ?? 0;
    if (node1 === undefined) throw new Error('no node');
    log(
      `cluster up: nodes ${gw.nodes.map((n) => `${n.name}:${n.sftpPort}`).join(' ')}, HAProxy :${gw.haproxySftpPort}`,
    );
    mkdirSync(join(sshd.files, 'par'), { recursive: true });
    const targets: Target[] = [
      {
        name: 'openssh',
        port: sshd.port,
        user: sshd.user,
        upload: join(sshd.files, 'up.bin'),
        download: join(sshd.files, 'down.bin'),
        received: join(sshd.files, 'up.bin'),
        parallelDir: join(sshd.files, 'par'),
        parallelLocal: join(sshd.files, 'par'),
        pids: [],
      },
      {
        name: 'node',
        port: node1.sftpPort,
        user: gw.user,
        upload: '/in/up.bin',
        download: '/out/down.bin',
        received: join(gw.inDir, 'up.bin'),
        parallelDir: '/in',
        parallelLocal: gw.inDir,
        pids: [node1Pid()],
      },
      {
        name: 'haproxy',
        port: gw.haproxySftpPort,
        user: gw.user,
        upload: '/in/up.bin',
        download: '/out/down.bin',
        received: join(gw.inDir, 'up.bin'),
        parallelDir: '/in',
        parallelLocal: gw.inDir,
        pids: pidsOf(),
      },
    ];
    const cli: SftpCliOptions = { key, cwd: local, cipher: opts.cipher ?? '' };

    // Idle sessions first, on a node that has not moved data yet (RSS does not shrink back).
    const gwCreds: Credentials = { username: gw.user, password: gw.password };
    if (only.has('idle'))
      await idle(
        node1.sftpPort,
        opts['idle-auth'] === 'key' ? { username: gw.user, privateKey } : gwCreds,
        node1Pid(),
      );
    if (only.has('single')) await single(targets, cli, local, sshd, gw);
    if (only.has('parallel')) await parallel(targets, cli, local, node1Pid());
    if (only.has('sessions')) await sessions(targets, sshd, gwCreds);
    if (only.has('flood')) await flood(node1.sftpPort, { username: gw.user, privateKey }, node1Pid(), gw);
    if (only.has('rest')) await rest(gw);
    if (only.has('partner')) await partner(node1.sftpPort, { username: gw.user, privateKey }, local, gw);
    if (only.has('small')) await small({ work, cli, local, sshd, gw, publicKey, nodeFlags });
    report();
  } finally {
    await gw?.stop().catch((err: unknown) => console.error('cluster stop:', err));
    await sshd?.stop().catch((err: unknown) => console.error('sshd stop:', err));
    if (opts['keep-work'] === true) console.log(`work directory kept: ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

// ---- single stream ------------------------------------------------------------------------

async function single(
  targets: Target[],
  cli: SftpCliOptions,
  local: string,
  sshd: OpenSshServer,
  gw: GatewayEnv,
): Promise<void> {
  const sizeMiB = num('size-mib');
  const source = join(local, 'source.bin');
  await writeRandomFile(source, sizeMiB * MiB);
  const bytes = statSync(source).size;
  const hash = await sha256File(source);
  copyFileSync(source, join(sshd.files, 'down.bin'));
  copyFileSync(source, join(gw.outDir, 'down.bin'));
  const up = new Map<string, number[]>();
  const down = new Map<string, number[]>();
  const loads: string[] = [];
  for (let i = 0; i < runs; i++) {
    for (const t of targets) {
      rmSync(t.received, { force: true });
      const tUp = await sftpTimed(t, cli, [`put ${source} ${t.upload}`]);
      rmSync(join(local, 'got.bin'), { force: true });
      const tDown = await sftpTimed(t, cli, [`get ${t.download} got.bin`]);
      const u = bytes / tUp / MB;
      const d = bytes / tDown / MB;
      (up.get(t.name) ?? up.set(t.name, []).get(t.name))?.push(u);
      (down.get(t.name) ?? down.set(t.name, []).get(t.name))?.push(d);
      loads.push(load());
      log(`single run ${i + 1} ${t.name}: upload ${u.toFixed(0)} MB/s, download ${d.toFixed(0)} MB/s`);
      if (i === runs - 1) {
        if ((await sha256File(t.received)) !== hash) throw new Error(`${t.name}: the uploaded file differs`);
        if ((await sha256File(join(local, 'got.bin'))) !== hash)
          throw new Error(`${t.name}: the downloaded file differs`);
      }
    }
  }
  rmSync(join(local, 'got.bin'), { force: true });
  const m = (map: Map<string, number[]>, n: string): number => median(map.get(n) ?? []);
  const l = loads.at(-1) ?? load();
  rows.push({
    section: 'single',
    figure: `upload ${sizeMiB} MiB, 1 stream`,
    openssh: m(up, 'openssh'),
    node: m(up, 'node'),
    haproxy: m(up, 'haproxy'),
    unit: 'MB/s',
    load: l,
  });
  rows.push({
    section: 'single',
    figure: `download ${sizeMiB} MiB, 1 stream`,
    openssh: m(down, 'openssh'),
    node: m(down, 'node'),
    haproxy: m(down, 'haproxy'),
    unit: 'MB/s',
    load: l,
  });
  check('single upload: node / OpenSSH', '>= 1.5', m(up, 'node') / m(up, 'openssh'), 1.5);
  check('single download: node / OpenSSH', '>= 0.95', m(down, 'node') / m(down, 'openssh'), 0.95);
  check('single upload: HAProxy / node', '>= 0.9', m(up, 'haproxy') / m(up, 'node'), 0.9);
  check('single download: HAProxy / node', '>= 0.9', m(down, 'haproxy') / m(down, 'node'), 0.9);
  rmSync(source, { force: true });
}

// ---- parallel uploads ---------------------------------------------------------------------

async function parallel(
  targets: Target[],
  cli: SftpCliOptions,
  local: string,
  node1Pid: number,
): Promise<void> {
  const n = num('parallel');
  const mib = num('parallel-mib');
  const source = join(local, 'par.bin');
  await writeRandomFile(source, mib * MiB);
  const bytes = statSync(source).size * n;
  const rates = new Map<string, number[]>();
  const peaks = new Map<string, number>();
  const cpu = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    for (const t of targets) {
      for (let k = 0; k < n; k++) rmSync(join(t.parallelLocal, `p${k}.bin`), { force: true });
      const sampler = new RssSampler(t.pids);
      const cpu0 = t.pids.map(cpuOf);
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: n }, (_, k) => sftpTimed(t, cli, [`put ${source} ${t.parallelDir}/p${k}.bin`])),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const p = sampler.stop();
      const rate = bytes / seconds / MB;
      (rates.get(t.name) ?? rates.set(t.name, []).get(t.name))?.push(rate);
      const cpuUsed = t.pids.map((pid, j) => cpuOf(pid) - (cpu0[j] ?? 0)).reduce((a, b) => a + b, 0);
      if (t.pids.length > 0)
        (cpu.get(t.name) ?? cpu.set(t.name, []).get(t.name))?.push(cpuUsed / (bytes / 2 ** 30));
      const peak = p.get(node1Pid);
      if (peak !== undefined && t.name === 'node') peaks.set('node', Math.max(peaks.get('node') ?? 0, peak));
      log(
        `parallel run ${i + 1} ${t.name}: ${n} x ${mib} MiB in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} MB/s` +
          (t.pids.length > 0 ? `, gateway CPU ${(cpuUsed / (bytes / 2 ** 30)).toFixed(2)} s/GiB` : '') +
          (peak !== undefined ? `, node1 peak RSS ${mb(peak)}` : ''),
      );
    }
  }
  for (const t of targets)
    for (let k = 0; k < n; k++) rmSync(join(t.parallelLocal, `p${k}.bin`), { force: true });
  const m = (name: string): number => median(rates.get(name) ?? []);
  rows.push({
    section: 'parallel',
    figure: `${n} parallel uploads of ${mib} MiB, aggregate`,
    openssh: m('openssh'),
    node: m('node'),
    haproxy: m('haproxy'),
    unit: 'MB/s',
    load: load(),
    note: `gateway CPU per GiB: node ${median(cpu.get('node') ?? []).toFixed(2)} s, cluster ${median(cpu.get('haproxy') ?? []).toFixed(2)} s`,
  });
  rows.push({
    section: 'memory',
    figure: `node1 peak RSS during the ${n}-stream runs`,
    node: (peaks.get('node') ?? NaN) / MB,
    unit: 'MB',
    load: load(),
  });
  check(`${n} parallel: node / OpenSSH`, '>= 1.3', m('node') / m('openssh'), 1.3);
  check(`${n} parallel: HAProxy / node`, '>= 0.9', m('haproxy') / m('node'), 0.9);
  rmSync(source, { force: true });
}

// ---- sessions -----------------------------------------------------------------------------

async function sessions(targets: Target[], sshd: OpenSshServer, gwCreds: Credentials): Promise<void> {
  const clients = num('session-clients');
  const seconds = num('session-seconds');
  const result = new Map<string, number>();
  for (const t of targets) {
    let creds: Credentials;
    let dir: string;
    if (t.name === 'openssh') {
      const pw = sshd.passwordUser;
      if (pw === undefined) {
        log('sessions openssh: skipped (no password account: run as root)');
        continue;
      }
      creds = { username: pw.name, password: pw.password };
      dir = pw.dir;
    } else {
      creds = gwCreds;
      dir = '/in';
    }
    const r = await sessionRate(t.port, creds, dir, clients, seconds);
    result.set(t.name, r.perSecond);
    log(
      `sessions ${t.name}: ${r.sessions} in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(1)}/s` +
        (r.failures > 0 ? `, ${r.failures} failed (first: ${r.firstError})` : ''),
    );
  }
  rows.push({
    section: 'sessions',
    figure: `sessions/s (${clients} clients, password, 1 KiB put)`,
    openssh: result.get('openssh') ?? NaN,
    node: result.get('node') ?? NaN,
    haproxy: result.get('haproxy') ?? NaN,
    unit: '1/s',
    load: load(),
  });
  check(
    'session rate: node / OpenSSH',
    '>= 3',
    (result.get('node') ?? NaN) / (result.get('openssh') ?? NaN),
    3,
  );
}

// ---- memory -------------------------------------------------------------------------------

async function idle(port: number, creds: Credentials, pid: number): Promise<void> {
  const n = num('idle');
  await sleep(1000);
  const before = rssOf(pid);
  const held = await idleSessions(port, creds, n);
  await sleep(2000);
  const after = rssOf(pid);
  log(`idle: node1 RSS ${mb(before)} before, ${mb(after)} with ${held.open} idle SFTP sessions`);
  await held.close();
  rows.push({
    section: 'memory',
    figure: `node1 RSS with ${n} idle SFTP sessions`,
    node: after / MB,
    unit: 'MB',
    load: load(),
    note: `${mb(before)} before, ${((after - before) / n / 1024).toFixed(0)} KiB per session`,
  });
  check(`RSS with ${n} idle sessions (MB)`, '<= 150', after / MB, 150, false);
}

async function flood(port: number, creds: Credentials, pid: number, gw: GatewayEnv): Promise<void> {
  const conns = num('flood-connections');
  const mib = num('flood-mib');
  await sleep(1000);
  const before = rssOf(pid);
  const sampler = new RssSampler([pid], 50);
  const started = Date.now();
  const acked = await Promise.all(
    Array.from({ length: conns }, (_, i) => floodUpload(port, creds, `/in/flood${i}.bin`, mib * MiB, 256)),
  );
  const seconds = (Date.now() - started) / 1000;
  const peak = sampler.stop().get(pid) ?? NaN;
  const total = acked.reduce((a, b) => a + b, 0);
  for (let i = 0; i < conns; i++) rmSync(join(gw.inDir, `flood${i}.bin`), { force: true });
  log(
    `flood: ${conns} connections x ${mib} MiB, 256 writes in flight each: ${(total / seconds / MB).toFixed(0)} MB/s, ` +
      `node1 RSS ${mb(before)} before, peak ${mb(peak)}`,
  );
  rows.push({
    section: 'memory',
    figure: `node1 peak RSS, write flood (${conns} x 256 writes in flight)`,
    node: peak / MB,
    unit: 'MB',
    load: load(),
    note: `${mb(before)} before`,
  });
}

// ---- REST ---------------------------------------------------------------------------------

async function rest(gw: GatewayEnv): Promise<void> {
  const rate = num('rest-rate');
  const duration = num('rest-seconds');
  // Context for the list: how many rows the normalized_transfers view unions, and one request
  // straight to node1 with nothing else running.
  const count = async (table: string): Promise<number> =>
    Number((await gw.stores.db.get(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? NaN);
  const node1 = gw.nodes[0];
  if (node1 !== undefined) {
    const single: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = process.hrtime.bigint();
      await (await node1.api('/api/transfers?limit=20')).arrayBuffer();
      single.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    log(
      `REST: ${await count('transfers')} live transfers, ${await count('transfer_history')} in history; ` +
        `GET /api/transfers?limit=20 alone on node1: median ${median(single).toFixed(1)} ms`,
    );
  }
  // Steady state: every node has checked the admin password once (one scrypt each, then the
  // verified-password cache) before the measured run; a restarted node pays that once.
  await autocannon({
    url: gw.haproxyAdminUrl + '/api/transfers?limit=20',
    connections: 3,
    overallRate: 30,
    duration: 2,
    headers: { authorization: gw.adminAuth },
  });
  for (const [path, auth] of [
    ['/api/transfers?limit=20', true],
    ['/readyz', false],
  ] as const) {
    const r = await autocannon({
      url: gw.haproxyAdminUrl + path,
      connections: 10,
      overallRate: rate,
      duration,
      headers: auth ? { authorization: gw.adminAuth } : {},
    });
    log(
      `REST ${path}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
        `max ${r.latency.max} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
    rows.push({
      section: 'rest',
      figure: `GET ${path} at ${rate}/s via HAProxy: p50 / p99`,
      haproxy: r.latency.p99,
      unit: 'ms',
      load: load(),
      note: `${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
    });
    check(`REST ${path} p99 (ms)`, '<= 20', r.latency.p99, 20, false);
  }
}

// ---- partner copy -------------------------------------------------------------------------

async function partner(port: number, creds: Credentials, local: string, gw: GatewayEnv): Promise<void> {
  const mib = num('partner-mib');
  const source = join(local, 'partner.bin');
  await writeRandomFile(source, mib * MiB);
  copyFileSync(source, join(gw.outDir, 'partner.bin'));
  const size = mib * MiB;
  const push: number[] = [];
  const pull: number[] = [];
  let sizes = { read: 0, write: 0 };
  for (let i = 0; i < runs; i++) {
    const c = await connect(port, creds);
    try {
      const sftp = await openSftp(c);
      sizes = requestSizes(sftp);
      const options = { from: 0, onProgress: () => undefined, signal: new AbortController().signal };
      const h = await new Promise<Buffer>((res, rej) =>
        sftp.open('/in/partner.bin', 'w', (err, hh) => (err ? rej(err) : res(hh))),
      );
      let t0 = Date.now();
      await pushFile(sftp, source, h, size, options);
      await new Promise<void>((res, rej) => sftp.close(h, (err) => (err ? rej(err) : res())));
      push.push(size / ((Date.now() - t0) / 1000) / MB);
      const got = join(local, 'partner-got.bin');
      writeFileSync(got, '');
      const r = await new Promise<Buffer>((res, rej) =>
        sftp.open('/out/partner.bin', 'r', (err, hh) => (err ? rej(err) : res(hh))),
      );
      t0 = Date.now();
      await pullFile(sftp, r, got, size, options);
      await new Promise<void>((res, rej) => sftp.close(r, (err) => (err ? rej(err) : res())));
      pull.push(size / ((Date.now() - t0) / 1000) / MB);
      log(
        `partner run ${i + 1}: push ${push.at(-1)?.toFixed(0)} MB/s, pull ${pull.at(-1)?.toFixed(0)} MB/s ` +
          `(request sizes: write ${sizes.write}, read ${sizes.read} bytes)`,
      );
      rmSync(got, { force: true });
    } finally {
      await end(c);
    }
  }
  rows.push({
    section: 'partner',
    figure: `partner copy loop ${mib} MiB to node1: push / pull`,
    node: median(push),
    unit: 'MB/s',
    load: load(),
    note: `push ${median(push).toFixed(0)} MB/s, pull ${median(pull).toFixed(0)} MB/s; requests: write ${sizes.write} B, read ${sizes.read} B`,
  });
  check('partner request size > 32 KiB (bytes)', '> 32768', Math.min(sizes.read, sizes.write), 32769);
  rmSync(source, { force: true });
}

// ---- small files ----------------------------------------------------------------------------

/** A server of the small-file figures: where a remote name lands on this machine, how to count. */
interface SmallTarget extends SftpTarget {
  readonly name: string;
  /** Remote path of `rel` in the upload / download area, and the same file on this machine. */
  remoteIn(rel: string): string;
  localIn(rel: string): string;
  remoteOut(rel: string): string;
  localOut(rel: string): string;
  /** The server process (OpenSSH: the listener, whose children serve the sessions). */
  readonly pid: number;
  /** Statements the node sent to its database so far (gateway nodes only). */
  statements?(): Promise<number>;
}

interface SmallSetup {
  work: string;
  cli: SftpCliOptions;
  local: string;
  sshd: OpenSshServer;
  gw: GatewayEnv;
  publicKey: string;
  nodeFlags: string[];
}

/**
 * One OpenSSH `sftp` session moving many small files, `put -r` then `get -r`, against OpenSSH,
 * a node on SQLite and a node on MariaDB (node1 of the cluster); `ls -l` of a big folder;
 * statements and fsyncs per file; and many sessions at once through HAProxy.
 */
async function small(o: SmallSetup): Promise<void> {
  const n = num('small-files');
  const size = num('small-kib') * 1024;
  const listed = num('small-list');
  let sqlite: SqliteNode | undefined;
  try {
    sqlite = await startSqliteNode(join(o.work, 'sqlite'), o.publicKey, o.nodeFlags);
    const node1 = o.gw.nodes[0];
    if (node1 === undefined) throw new Error('no node');
    const sq = sqlite;
    const ssh = o.sshd.files;
    const targets: SmallTarget[] = [
      {
        name: 'openssh',
        port: o.sshd.port,
        user: o.sshd.user,
        remoteIn: (rel) => join(ssh, 'in', rel),
        localIn: (rel) => join(ssh, 'in', rel),
        remoteOut: (rel) => join(ssh, 'out', rel),
        localOut: (rel) => join(ssh, 'out', rel),
        pid: o.sshd.pid,
      },
      {
        name: 'sqlite',
        port: sq.node.sftpPort,
        user: sq.user,
        remoteIn: (rel) => `/in/${rel}`,
        localIn: (rel) => join(sq.inDir, rel),
        remoteOut: (rel) => `/out/${rel}`,
        localOut: (rel) => join(sq.outDir, rel),
        pid: sq.node.process()?.pid ?? 0,
        statements: () => statementsOf((path) => sq.node.api(path)),
      },
      {
        name: 'mariadb',
        port: node1.sftpPort,
        user: o.gw.user,
        remoteIn: (rel) => `/in/${rel}`,
        localIn: (rel) => join(o.gw.inDir, rel),
        remoteOut: (rel) => `/out/${rel}`,
        localOut: (rel) => join(o.gw.outDir, rel),
        pid: node1.process()?.pid ?? 0,
        statements: () => statementsOf((path) => node1.api(path)),
      },
    ];
    const source = join(o.local, 'small');
    writeSmallFiles(source, n, size);
    const bigSource = join(o.local, 'big');
    writeSmallFiles(bigSource, listed, 0);
    for (const t of targets) {
      mkdirSync(t.localIn(''), { recursive: true });
      cpSync(source, t.localOut('small'), { recursive: true });
      cpSync(bigSource, t.localOut('big'), { recursive: true });
    }
    log(`small: ${n} files of ${size} B, a folder of ${listed} files; SQLite node ${sq.node.sftpPort}`);

    type Figures = { up: number[]; down: number[]; list: number[]; stmUp: number[]; stmDown: number[] };
    const fig = new Map<string, Figures>(
      targets.map((t) => [t.name, { up: [], down: [], list: [], stmUp: [], stmDown: [] }]),
    );
    const got = join(o.local, 'small-got');
    const statements = async (t: SmallTarget): Promise<number> => (await t.statements?.()) ?? NaN;
    for (let i = 0; i < runs; i++) {
      for (const t of targets) {
        const f = fig.get(t.name);
        if (f === undefined) continue;
        const dir = `small-${i}`;
        let s0 = await statements(t);
        const up = await sftpTimed(t, o.cli, [`put -r ${source} ${t.remoteIn(dir)}`]);
        f.stmUp.push(((await statements(t)) - s0) / n);
        const landed = readdirSync(t.localIn(dir)).length;
        if (landed !== n) throw new Error(`${t.name}: ${landed} files uploaded, not ${n}`);
        rmSync(got, { recursive: true, force: true });
        s0 = await statements(t);
        const down = await sftpTimed(t, o.cli, [`get -r ${t.remoteOut('small')} ${got}`]);
        f.stmDown.push(((await statements(t)) - s0) / n);
        if (readdirSync(got).length !== n) throw new Error(`${t.name}: the download is incomplete`);
        const list = await sftpTimed(t, o.cli, [`ls -l ${t.remoteOut('big')}`]);
        f.up.push(n / up);
        f.down.push(n / down);
        f.list.push(list);
        rmSync(t.localIn(dir), { recursive: true, force: true });
        log(
          `small run ${i + 1} ${t.name}: put -r ${(n / up).toFixed(0)} files/s, get -r ${(n / down).toFixed(0)} files/s, ` +
            `ls -l ${listed} files ${list.toFixed(2)} s` +
            (t.statements === undefined
              ? ''
              : `; statements per file: up ${f.stmUp.at(-1)?.toFixed(1)}, down ${f.stmDown.at(-1)?.toFixed(1)}`),
        );
      }
    }
    // fsyncs, in one more run under strace (slowed: counted, not timed); MariaDB's own from its status.
    const syncs = new Map<string, { up: string; down: string }>();
    const innodb = async (): Promise<number> => {
      const rows = await o.gw.stores.db.all<{ Value: string }>(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_os_log_fsyncs', 'Innodb_data_fsyncs')",
      );
      return rows.reduce((a, r) => a + Number(r.Value), 0);
    };
    let mariadbSyncs = { up: NaN, down: NaN };
    for (const t of opts['small-fsyncs'] === 'no' ? [] : targets) {
      const out = join(o.work, `strace-${t.name}.txt`);
      let i0 = await innodb();
      const up = await countSyncs(t.pid, out, () =>
        sftpTimed(t, o.cli, [`put -r ${source} ${t.remoteIn('small-strace')}`]),
      );
      const iUp = (await innodb()) - i0;
      rmSync(got, { recursive: true, force: true });
      i0 = await innodb();
      const down = await countSyncs(t.pid, out, () =>
        sftpTimed(t, o.cli, [`get -r ${t.remoteOut('small')} ${got}`]),
      );
      const iDown = (await innodb()) - i0;
      if (t.name === 'mariadb') mariadbSyncs = { up: iUp / n, down: iDown / n };
      rmSync(t.localIn('small-strace'), { recursive: true, force: true });
      const per = (c: { fsync: number; fdatasync: number }): string =>
        `${((c.fsync + c.fdatasync) / n).toFixed(2)} (fsync ${c.fsync}, fdatasync ${c.fdatasync})`;
      syncs.set(t.name, { up: per(up), down: per(down) });
      log(`small fsyncs ${t.name}: per upload ${per(up)}, per download ${per(down)}`);
    }
    rmSync(got, { recursive: true, force: true });

    const m = (name: string, k: keyof Figures): number => median(fig.get(name)?.[k] ?? []);
    const l = load();
    for (const db of ['sqlite', 'mariadb']) {
      const label = db === 'sqlite' ? 'SQLite node' : 'MariaDB node (cluster node1)';
      rows.push({
        section: 'small',
        figure: `${n} x ${size / 1024} KiB put -r, 1 session, ${label}`,
        openssh: m('openssh', 'up'),
        node: m(db, 'up'),
        unit: 'files/s',
        load: l,
        note: `${m(db, 'stmUp').toFixed(1)} statements and ${syncs.get(db)?.up ?? '?'} fsyncs of the node per file${db === 'mariadb' ? `, MariaDB's own ${mariadbSyncs.up.toFixed(2)}` : ''}; OpenSSH ${syncs.get('openssh')?.up ?? '?'}`,
      });
      rows.push({
        section: 'small',
        figure: `${n} x ${size / 1024} KiB get -r, 1 session, ${label}`,
        openssh: m('openssh', 'down'),
        node: m(db, 'down'),
        unit: 'files/s',
        load: l,
        note: `${m(db, 'stmDown').toFixed(1)} statements and ${syncs.get(db)?.down ?? '?'} fsyncs of the node per file${db === 'mariadb' ? `, MariaDB's own ${mariadbSyncs.down.toFixed(2)}` : ''}; OpenSSH ${syncs.get('openssh')?.down ?? '?'}`,
      });
      rows.push({
        section: 'small',
        figure: `ls -l of ${listed} files, ${label}`,
        openssh: m('openssh', 'list'),
        node: m(db, 'list'),
        unit: 's',
        load: l,
      });
      check(`small put -r (${db}): node / OpenSSH`, '>= 0.6', m(db, 'up') / m('openssh', 'up'), 0.6);
      check(`small get -r (${db}): node / OpenSSH`, '>= 0.9', m(db, 'down') / m('openssh', 'down'), 0.9);
      check(
        `ls -l ${listed} (${db}): node / OpenSSH time`,
        '<= 1.5',
        m(db, 'list') / m('openssh', 'list'),
        1.5,
        false,
      );
    }
    for (const t of targets) {
      rmSync(t.localOut('small'), { recursive: true, force: true });
      rmSync(t.localOut('big'), { recursive: true, force: true });
    }
    rmSync(bigSource, { recursive: true, force: true });
    rmSync(source, { recursive: true, force: true });
    if (num('small-sessions') > 0) await smallSessions(o, ssh, size);
  } finally {
    await sqlite?.stop().catch((err: unknown) => console.error('SQLite node stop:', err));
  }
}

/** Many `sftp` sessions at once, each `put -r` of its own folder of small files: aggregate files/s. */
async function smallSessions(o: SmallSetup, sshFiles: string, size: number): Promise<void> {
  const sessions = num('small-sessions');
  const files = num('small-session-files');
  const source = join(o.local, 'small-sessions');
  writeSmallFiles(source, files, size);
  const targets = [
    {
      name: 'openssh',
      port: o.sshd.port,
      user: o.sshd.user,
      remote: join(sshFiles, 'in'),
      local: join(sshFiles, 'in'),
    },
    { name: 'haproxy', port: o.gw.haproxySftpPort, user: o.gw.user, remote: '/in', local: o.gw.inDir },
  ];
  const rates = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    for (const t of targets) {
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: sessions }, (_, k) =>
          sftpTimed(t, o.cli, [`put -r ${source} ${t.remote}/ms-${k}`]),
        ),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (let k = 0; k < sessions; k++) {
        const landed = readdirSync(join(t.local, `ms-${k}`)).length;
        if (landed !== files)
          throw new Error(`${t.name}: session ${k} uploaded ${landed} files, not ${files}`);
        rmSync(join(t.local, `ms-${k}`), { recursive: true, force: true });
      }
      const rate = (sessions * files) / seconds;
      (rates.get(t.name) ?? rates.set(t.name, []).get(t.name))?.push(rate);
      log(
        `small sessions run ${i + 1} ${t.name}: ${sessions} x ${files} files in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} files/s`,
      );
    }
  }
  rmSync(source, { recursive: true, force: true });
  const m = (name: string): number => median(rates.get(name) ?? []);
  rows.push({
    section: 'small',
    figure: `${sessions} sessions x ${files} x ${size / 1024} KiB put -r, aggregate (MariaDB, 3 nodes)`,
    openssh: m('openssh'),
    haproxy: m('haproxy'),
    unit: 'files/s',
    load: load(),
    note: `HAProxy / OpenSSH ${(m('haproxy') / m('openssh')).toFixed(2)}`,
  });
  check(`${sessions} sessions small put: HAProxy / OpenSSH`, '>= 1.0', m('haproxy') / m('openssh'), 1.0);
}

// ---- report -------------------------------------------------------------------------------

function report(): void {
  const f = (v: number | undefined): string =>
    v === undefined || Number.isNaN(v) ? '—' : v.toFixed(v < 10 ? 1 : 0);
  const ratio = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) ? '—' : (a / b).toFixed(2);
  console.log(
    '\n| figure | OpenSSH | node | HAProxy (3 nodes) | node / OpenSSH | HAProxy / node | unit | load | notes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.figure} | ${f(r.openssh)} | ${f(r.node)} | ${f(r.haproxy)} | ${ratio(r.node, r.openssh)} | ` +
        `${ratio(r.haproxy, r.node)} | ${r.unit} | ${r.load} | ${r.note ?? ''} |`,
    );
  }
  console.log('\n| target | wanted | measured | |');
  console.log('|---|---|---|---|');
  for (const c of checks)
    console.log(`| ${c.what} | ${c.target} | ${c.value} | ${c.met ? 'met' : 'MISSED'} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
