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
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const sections = ['single', 'parallel', 'sessions', 'idle', 'flood', 'rest', 'partner'] as const;
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
