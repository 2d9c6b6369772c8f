/**
 * The soak: a long run of mixed uploads, downloads and pushes through HAProxy while nodes and the
 * database are killed, then the proof that nothing was lost or doubled. Not a CI test (it lasts
 * 30 minutes by default); docs/failover.md keeps its last result.
 *
 *   npm run soak -- [--minutes 30] [--kill-every 60] [--db-kills 2] [--out FILE]
 *
 * The cluster is the benchmark's (bench/lib/cluster-env.ts): three real `waarp-gatewayd` nodes
 * with production timings (heartbeat 1 s, NodeTimeout 5 s), HAProxy from the generated
 * configuration, a MariaDB server of its own, and a private OpenSSH sshd as the push partner
 * behind a 2 MiB/s link. Clients are OpenSSH `sftp` processes that resume after a cut (`reput`,
 * `reget`), as patient partners do. Every minute a random node is killed -9 and restarted 5 s
 * later; the database is killed -9 `--db-kills` times, evenly spread, and restarted 3 s later.
 *
 * Each transfer is checked as it ends (SHA-256 of both ends, then its files are removed so the
 * disk does not fill); at the end, the database must hold exactly one DONE record for each
 * upload, download and push, and nothing left unfinished.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TransferOut } from '../src/schema/transfers.js';
import { clusterStores, setupPartner } from '../test/nodes/helpers.js';
import { writeRandomFile, sha256File } from '../test/support/files.js';
import { generateKey } from '../test/support/openssh.js';
import type { UploadOutcome } from '../test/support/resilient-sftp.js';
import { describeAttempts, opensshTransfer } from '../test/support/resilient-sftp.js';
import { startSshd } from '../test/support/sshd.js';
import { startThrottledRelay } from '../test/support/throttle.js';
import { makeTempDir, removeTempDir } from '../test/support/tmp.js';
import type { GatewayEnv } from './lib/cluster-env.js';
import { startGatewayEnv } from './lib/cluster-env.js';

const MiB = 1 << 20;

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'kill-every': { type: 'string', default: '60' },
    'db-kills': { type: 'string', default: '2' },
    uploads: { type: 'string', default: '4' },
    downloads: { type: 'string', default: '2' },
    pushes: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});
const durationMs = Number(opts.minutes) * 60_000;
const killEveryMs = Number(opts['kill-every']) * 1000;
const dbKills = Number(opts['db-kills']);
/** After the last new transfer, how long the ones in flight get to finish. */
const settleMs = 5 * 60_000;
/** First attempts at 16 Mbit/s: a transfer lasts a few seconds, long enough to be cut. */
const clientKbps = 16_000;

interface Counts {
  done: number;
  failed: string[];
  attempts: number;
  resumes: number;
}

const counts: Record<'upload' | 'download' | 'push', Counts> = {
  upload: { done: 0, failed: [], attempts: 0, resumes: 0 },
  download: { done: 0, failed: [], attempts: 0, resumes: 0 },
  push: { done: 0, failed: [], attempts: 0, resumes: 0 },
};
const expected: { rule: string; file: string; kind: keyof typeof counts }[] = [];
const events: string[] = [];
const startedAt = Date.now();
/** When the cluster is up and the load starts: the chaos schedule counts from here. */
let loadStart = startedAt;
const stamp = (): string => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(5)} s`;
const log = (line: string): void => {
  events.push(`${stamp()} ${line}`);
  console.log(`${stamp()} ${line}`);
};

function record(kind: keyof typeof counts, name: string, outcome: UploadOutcome, intact: boolean): void {
  const c = counts[kind];
  c.attempts += outcome.attempts.length;
  c.resumes += outcome.attempts.filter((a) => a.command === 'reput' || a.command === 'reget').length;
  if (outcome.ok && intact) c.done++;
  else c.failed.push(`${name}: ${outcome.ok ? 'checksum differs' : describeAttempts(outcome.attempts)}`);
}

const ruleOf = { upload: 'up', download: 'down', push: 'push' } as const;

/**
 * A transfer has ended: both ends compared (a file that arrived different is described), the
 * count kept, the record expected, both files removed so the disk does not fill.
 */
async function settle(
  kind: keyof typeof counts,
  name: string,
  outcome: UploadOutcome,
  sent: string,
  arrived: string,
): Promise<void> {
  const intact = outcome.ok && (await sha256File(arrived).catch(() => '')) === (await sha256File(sent));
  if (outcome.ok && !intact) await noteMismatch(ruleOf[kind], name, sent, arrived, outcome);
  record(kind, name, outcome, intact);
  expected.push({ rule: ruleOf[kind], file: name, kind });
  rmSync(sent, { force: true });
  rmSync(arrived, { force: true });
}

/**
 * What a post-mortem of a file that arrived different needs: both ends' sizes and SHA-256, and
 * when each client attempt ran (to line up with the kills); the record's hash is added at the end.
 */
/** A moment as seconds since the soak started, as the events are stamped. */
const at = (t: number): string => `${((t - startedAt) / 1000).toFixed(1)} s`;
const mismatches: { name: string; rule: string; text: string; sourceSha: string }[] = [];

async function noteMismatch(
  rule: string,
  name: string,
  source: string,
  arrived: string,
  outcome: UploadOutcome,
): Promise<void> {
  const describe = async (path: string): Promise<string> => {
    try {
      return `${statSync(path).size} B sha256 ${(await sha256File(path)).slice(0, 16)}`;
    } catch {
      return 'missing';
    }
  };
  const attempts = outcome.attempts
    .map(
      (a) => `${a.command} ${at(a.start)}-${at(a.end)} ${a.ok ? 'ok' : a.error.split('\n')[0]!.slice(0, 60)}`,
    )
    .join('; ');
  mismatches.push({
    name,
    rule,
    sourceSha: await sha256File(source),
    text: `${name}: sent ${await describe(source)}, arrived ${await describe(arrived)} (checked at ${stamp()}); attempts: ${attempts}`,
  });
}

async function main(): Promise<number> {
  const work = await makeTempDir('soak');
  const key = await generateKey(work);
  const sshd = await startSshd();
  const relay = await startThrottledRelay(sshd.address, 2 * MiB);
  let gw: GatewayEnv | undefined;
  try {
    gw = await startGatewayEnv(work, key.publicKey, [], { privateDatabase: true });
    const env = gw;
    const stores = clusterStores(env.cluster);
    const partnerInbox = join(sshd.root, 'in');
    mkdirSync(partnerInbox);
    await setupPartner(env.cluster, stores, { ...sshd, address: relay.address }, partnerInbox);
    await stores.db.close();
    log(`cluster up: 3 nodes, HAProxy SFTP :${env.haproxySftpPort}, soak of ${opts.minutes} min`);

    loadStart = Date.now();
    const until = loadStart + durationMs;
    const workers: Promise<void>[] = [];
    for (let w = 0; w < Number(opts.uploads); w++) workers.push(uploadWorker(env, work, key.file, w, until));
    for (let w = 0; w < Number(opts.downloads); w++)
      workers.push(downloadWorker(env, work, key.file, w, until));
    for (let w = 0; w < Number(opts.pushes); w++)
      workers.push(pushWorker(env, partnerInbox, sshd.user, w, until));
    const chaos = chaosLoop(env, until);
    await Promise.all([...workers, chaos]);
    log('load stopped; checking the database');
    return await verify(env);
  } finally {
    await gw?.stop();
    await relay.close();
    await sshd.stop();
    await removeTempDir(work);
  }
}

async function uploadWorker(
  env: GatewayEnv,
  work: string,
  key: string,
  w: number,
  until: number,
): Promise<void> {
  for (let n = 0; Date.now() < until; n++) {
    const name = `u${w}-${n}.bin`;
    const local = join(work, name);
    await writeRandomFile(local, randomInt(4, 25) * MiB);
    const outcome = await opensshTransfer({
      port: env.haproxySftpPort,
      user: env.user,
      key,
      local,
      remote: `/in/${name}`,
      limitKbps: clientKbps,
      deadline: until + settleMs,
      retryDelayMs: 1000,
    }).done;
    const delivered = join(env.inDir, name);
    await settle('upload', name, outcome, local, delivered);
  }
}

async function downloadWorker(
  env: GatewayEnv,
  work: string,
  key: string,
  w: number,
  until: number,
): Promise<void> {
  for (let n = 0; Date.now() < until; n++) {
    const name = `d${w}-${n}.bin`;
    const source = join(env.outDir, name);
    const local = join(work, name);
    await writeRandomFile(source, randomInt(4, 25) * MiB);
    const outcome = await opensshTransfer({
      port: env.haproxySftpPort,
      user: env.user,
      key,
      local,
      remote: `/out/${name}`,
      direction: 'download',
      limitKbps: clientKbps,
      deadline: until + settleMs,
      retryDelayMs: 1000,
    }).done;
    await settle('download', name, outcome, source, local);
  }
}

async function pushWorker(
  env: GatewayEnv,
  partnerInbox: string,
  account: string,
  w: number,
  until: number,
): Promise<void> {
  for (let n = 0; Date.now() < until; n++) {
    const name = `p${w}-${n}.bin`;
    const source = join(env.outDir, name);
    await writeRandomFile(source, randomInt(4, 25) * MiB);
    const outcome: UploadOutcome = { ok: false, attempts: [] };
    const created = await api<TransferOut>(env, 'POST', '/api/transfers', until + settleMs, {
      rule: 'push',
      isSend: true,
      partner: 'openssh',
      account,
      client: 'sftp',
      file: name,
      nbOfAttempts: 5,
      firstRetryDelay: 2,
      retryIncrementFactor: 2,
    });
    const start = Date.now();
    let last: TransferOut | undefined = created;
    while (created !== undefined && Date.now() < until + settleMs) {
      last = (await api<TransferOut>(env, 'GET', `/api/transfers/${created.id}`, until + settleMs)) ?? last;
      if (last?.status === 'DONE') break;
      if (last?.status === 'ERROR' && last.nextAttempt === undefined) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    outcome.ok = last?.status === 'DONE';
    outcome.attempts.push({
      command: 'push',
      start,
      end: Date.now(),
      ok: outcome.ok,
      error: `${last?.status ?? 'not created'} ${last?.errorMsg ?? ''}`,
    });
    const delivered = join(partnerInbox, name);
    await settle('push', name, outcome, source, delivered);
  }
}

/** A REST call through HAProxy, retried while nodes or the database are down. */
async function api<T>(env: GatewayEnv, method: string, path: string, deadline: number, body?: unknown) {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(env.haproxyAdminUrl + path, {
        method,
        headers: { authorization: env.adminAuth, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      if (r.ok) return (await r.json()) as T;
      if (r.status < 500) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    } catch (err) {
      if ((err as Error).message.startsWith(`${method} ${path}:`)) throw err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}

async function chaosLoop(env: GatewayEnv, until: number): Promise<void> {
  const dbKillAt = Array.from(
    { length: dbKills },
    (_, i) => loadStart + ((i + 1) * durationMs) / (dbKills + 1),
  );
  let nodeKills = 0;
  for (let next = loadStart + killEveryMs; next < until; next += killEveryMs) {
    while (Date.now() < next) {
      const due = dbKillAt[0];
      if (due !== undefined && Date.now() >= due) {
        dbKillAt.shift();
        log('kill -9 of the database');
        await env.cluster.database.crash();
        await new Promise((r) => setTimeout(r, 3000));
        await env.cluster.database.restart();
        log('database restarted');
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const victim = env.nodes[randomInt(env.nodes.length)]!;
    log(`kill -9 of ${victim.name} (${++nodeKills})`);
    await victim.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 5000));
    await victim
      .start()
      .catch((err: unknown) => log(`${victim.name} did not restart: ${(err as Error).message}`));
  }
  summary.nodeKills = nodeKills;
  summary.dbKills = dbKills - dbKillAt.length;
}

const summary = { nodeKills: 0, dbKills: 0 };

/** Exactly one DONE record per transfer, nothing unfinished; prints the result. */
async function verify(env: GatewayEnv): Promise<number> {
  const stores = clusterStores(env.cluster);
  try {
    const all = await stores.transfers.listNormalized({}, { limit: 1_000_000 });
    const lost: string[] = [];
    const doubled: string[] = [];
    for (const e of expected) {
      const done = all.filter((t) => t.rule === e.rule && t.destFilename === e.file && t.status === 'DONE');
      if (done.length === 0) lost.push(`${e.rule} ${e.file}`);
      if (done.length > 1) doubled.push(`${e.rule} ${e.file} x${done.length}`);
    }
    // A download cut mid-way leaves its record behind: the partner's `reget` opens a new one (the
    // server cannot resume a download; the client does). Reported, not a failure.
    const cutDownloads = all.filter((t) => !t.isHistory && t.rule === 'down' && t.status !== 'RUNNING');
    const unfinished = all.filter((t) => !t.isHistory && !cutDownloads.includes(t));
    const byStatus = (rows: typeof all): string =>
      Object.entries(
        rows.reduce<Record<string, number>>(
          (acc, t) => ({ ...acc, [t.status]: (acc[t.status] ?? 0) + 1 }),
          {},
        ),
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    const logText = readFileSync(join(env.cluster.home, 'gatewayd.log'), 'utf8');
    const occurrences = (re: RegExp): number => logText.match(re)?.length ?? 0;
    const failed = Object.values(counts).flatMap((c) => c.failed);
    const ok = lost.length === 0 && doubled.length === 0 && failed.length === 0 && unfinished.length === 0;
    const lines = [
      `soak ${new Date(startedAt).toISOString()}: ${opts.minutes} min, 3 nodes behind HAProxy, ` +
        `${summary.nodeKills} node kills (-9, one a minute), ${summary.dbKills} database kills (-9)`,
      ...(['upload', 'download', 'push'] as const).map(
        (k) =>
          `  ${k}${k === 'push' ? 'es' : 's'}: ${counts[k].done} done, ${counts[k].failed.length} failed; client attempts ${counts[k].attempts}` +
          (k === 'push' ? '' : `, resumes (${k === 'upload' ? 'reput' : 'reget'}) ${counts[k].resumes}`),
      ),
      `  server side: ${occurrences(/continuing an unfinished upload/g)} uploads continued from their progress, ` +
        `${occurrences(/"msg":"client transfer starting"/g)} client transfer starts ` +
        `(${occurrences(/"from":[1-9]\d*,"msg":"client transfer starting"/g)} resumed from their progress), ` +
        `${occurrences(/took back transfers/g)} lease reaps, ${occurrences(/"level":50/g)} error log lines`,
      `  records: ${all.length} (${byStatus(all)}); expected DONE exactly once: ${expected.length}`,
      `  lost: ${lost.length}, doubled: ${doubled.length}, unfinished in the live table: ${unfinished.length}, ` +
        `checksum or client failures: ${failed.length}; cut download attempts left as records: ${cutDownloads.length}`,
      `  verdict: ${ok ? 'PASS' : 'FAIL'}`,
      ...[...lost, ...doubled, ...failed].slice(0, 20).map((l) => `    ${l}`),
      ...unfinished
        .slice(0, 20)
        .map((t) => `    unfinished ${t.rule} ${t.destFilename} ${t.status} on ${t.node}: ${t.errorDetails}`),
      ...mismatches.flatMap((m) => [
        `  mismatch ${m.text}`,
        ...all
          .filter((t) => t.rule === m.rule && t.destFilename === m.name)
          .map(
            (t) =>
              `    record ${t.id} ${t.status} on ${t.node}, ${t.progress} B, step ${t.step}, ` +
              `sha256 ${(typeof t.info.sha256 === 'string' ? t.info.sha256 : '?').slice(0, 16)} ` +
              `(sent ${m.sourceSha.slice(0, 16)}), ${at(t.start)} -> ${t.stop === null ? '-' : at(t.stop)}`,
          ),
      ]),
    ];
    console.log(`\n${lines.join('\n')}`);
    if (opts.out !== undefined) {
      writeFileSync(opts.out, `${lines.join('\n')}\n\nevents:\n${events.join('\n')}\n`);
      // The nodes' log goes with a failed run's result: the work folder is removed at the end.
      if (!ok) writeFileSync(`${opts.out}.gatewayd.log`, logText);
    }
    return ok ? 0 : 1;
  } finally {
    await stores.db.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
