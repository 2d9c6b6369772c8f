/**
 * `npm run bench:webui`: the web console's history page with 100 000 finished transfers, on the
 * benchmark's three-node cluster (one private MariaDB) through HAProxy's admin port, as an
 * operator's browser reaches it: logged in with a console session, autocannon at a fixed rate.
 * Prints p50 / p99 / max per search. Figures go to docs/benchmarks.md by hand.
 */
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import type { SqlValue } from '../src/db/sql.js';
import { generateKey } from '../test/support/openssh.js';
import { makeTempDir, removeTempDir } from '../test/support/tmp.js';
import { startGatewayEnv } from './lib/cluster-env.js';
import { load } from './lib/measure.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '20' },
  },
});
const records = Number(values.records);
const rate = Number(values.rate);
const duration = Number(values.duration);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const work = await makeTempDir('bench-webui');
const key = await generateKey(work, 'client');
const gw = await startGatewayEnv(work, key.publicKey);
try {
  // 100 000 finished transfers over 30 days, 20 rules, 50 partners, 3 nodes, 5 % cancelled.
  const day = 86_400_000;
  const t0 = Date.now() - 30 * day;
  const batch = 1000;
  const started = Date.now();
  for (let from = 0; from < records; from += batch) {
    const rows: SqlValue[] = [];
    const marks: string[] = [];
    for (let i = from; i < Math.min(records, from + batch); i++) {
      const start = t0 + Math.floor((i * 30 * day) / records);
      marks.push(`(?, ?, ?, 1, 0, ${Array(15).fill('?').join(', ')}, 0, ?, ?, ?, ?)`);
      rows.push(
        i + 1,
        'cluster-gw',
        `r${i}`,
        `acct${i % 50}`,
        `partner${i % 50}`,
        '',
        'sftp',
        `rule${i % 20}`,
        `file-${i}.csv`,
        `file-${i}.csv`,
        `/in/file-${i}.csv`,
        `/file-${i}.csv`,
        1 << 20,
        start,
        start + 2000,
        i % 20 === 0 ? 'CANCELLED' : 'DONE',
        'StepNone',
        1 << 20,
        '',
        '',
        `node${(i % 3) + 1}`,
        '{}',
      );
    }
    await gw.stores.db.run(
      `INSERT INTO transfer_history (id, owner, remote_transfer_id, is_server, is_send, account, agent, client,
        protocol, rule, src_filename, dest_filename, local_path, remote_path, filesize, start, stop, status, step,
        progress, task_number, error_code, error_details, node, info) VALUES ${marks.join(', ')}`,
      rows,
    );
  }
  log(`history: ${records} records inserted in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const base = gw.haproxyAdminUrl;
  const login = await fetch(`${base}/webui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
    body: new URLSearchParams({ username: 'admin', password: gw.cluster.adminPassword }).toString(),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (login.status !== 302 || cookie === '') throw new Error(`console login failed: ${login.status}`);

  const searches = [
    ['first page', '/webui/history'],
    ['status + rule', '/webui/history?status=CANCELLED&rule=rule7'],
    ['file name contains', '/webui/history?file=file-4242'],
    ['page 100 (offset 4950)', '/webui/history?offset=4950'],
  ] as const;
  // Warm-up: every node has the session's user in its caches and the pool open.
  await autocannon({
    url: base + searches[0][1],
    connections: 3,
    overallRate: 10,
    duration: 2,
    headers: { cookie },
  });
  log(`| search | p50 ms | p99 ms | max ms | req/s | non-2xx | load |`);
  for (const [name, path] of searches) {
    const r = await autocannon({
      url: base + path,
      connections: 4,
      overallRate: rate,
      duration,
      headers: { cookie },
    });
    log(
      `| ${name} \`${path}\` | ${r.latency.p50} | ${r.latency.p99} | ${r.latency.max} | ` +
        `${r.requests.average.toFixed(1)} | ${r.non2xx} | ${load()} |`,
    );
  }
} finally {
  await gw.stop();
  await removeTempDir(work);
}
