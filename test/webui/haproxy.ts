/**
 * A real HAProxy in front of the test cluster, run from the configuration the generator writes
 * for it (target `host`: the cluster's gatewayd.ini and nodeN.ini). Two lines are moved for a
 * shared machine: the stats socket goes to the test's folder and the stats page to a free port.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHaproxyConfig } from '../../src/haproxy/generate.js';
import { statsPort } from '../../src/haproxy/render.js';
import type { StartedCluster } from '../support/cluster.js';
import { freePort } from '../support/sshd.js';

export interface StartedHaproxy {
  /** The stats page's CSV: requests each server answered, per backend. */
  served(backendPrefix: string): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startHaproxy(cluster: StartedCluster): Promise<StartedHaproxy> {
  const generated = generateHaproxyConfig({
    configFile: join(cluster.etc, 'gatewayd.ini'),
    target: 'host',
    sendProxy: false,
  });
  const stats = await freePort();
  const text = generated.text
    .replace(/stats socket \S+/, `stats socket ${join(cluster.etc, 'haproxy.sock')}`)
    .replace(`bind 127.0.0.1:${statsPort}`, `bind 127.0.0.1:${stats}`);
  const file = join(cluster.etc, 'haproxy.cfg');
  writeFileSync(file, text);
  let out = '';
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${out}`);
    const up = await fetch(`http://${cluster.publicAdmin}/lbz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`haproxy not answering after 20 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    async served(backendPrefix) {
      const csv = await (await fetch(`http://127.0.0.1:${stats}/haproxy;csv`)).text();
      const [head = '', ...rows] = csv.split('\n');
      const cols = head.replace(/^# /, '').split(',');
      const at = (name: string): number => cols.indexOf(name);
      const out = new Map<string, number>();
      for (const row of rows) {
        const f = row.split(',');
        const proxy = f[at('pxname')] ?? '';
        const server = f[at('svname')] ?? '';
        if (!proxy.startsWith(backendPrefix) || server === 'BACKEND' || server === 'FRONTEND') continue;
        out.set(server, Number(f[at('stot')] ?? 0));
      }
      return out;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
