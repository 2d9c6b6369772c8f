/**
 * The gateway side of the benchmark: three real `waarp-gatewayd` processes on one MariaDB in
 * the seed's layout (test/support/cluster.ts), HAProxy (Debian's package) in front of them with
 * the configuration written by the generator (src/haproxy), one SFTP server declared with the
 * public address, one account (password and key) and one receive and one send rule.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Stores } from '../../src/db/stores/index.js';
import { generateHaproxyConfig } from '../../src/haproxy/generate.js';
import { statsPort } from '../../src/haproxy/render.js';
import type { ClusterNode, StartedCluster } from '../../test/support/cluster.js';
import { startCluster } from '../../test/support/cluster.js';
import { freePort } from '../../test/support/sshd.js';
import { clusterStores } from '../../test/nodes/helpers.js';
import { declareSftpServer } from '../../test/support/declare.js';
import { sleep } from './measure.js';

export interface GatewayEnv {
  readonly cluster: StartedCluster;
  readonly stores: Stores;
  readonly nodes: ClusterNode[];
  /** HAProxy's SFTP frontend (the public address). */
  readonly haproxySftpPort: number;
  /** HAProxy's admin (REST) frontend. */
  readonly haproxyAdminUrl: string;
  readonly user: string;
  readonly password: string;
  /** Where uploads land and downloads come from. */
  readonly inDir: string;
  readonly outDir: string;
  readonly adminAuth: string;
  readonly haproxyConfig: string;
  stop(): Promise<void>;
}

export const gatewayUser = 'bench';

/**
 * `nodeFlags`: options for node itself in the gateway processes (e.g. `--cpu-prof`);
 * `privateDatabase`: a MariaDB of its own, which the caller may kill (the soak).
 */
export async function startGatewayEnv(
  work: string,
  clientPublicKey: string,
  nodeFlags: string[] = [],
  options: { privateDatabase?: boolean } = {},
): Promise<GatewayEnv> {
  // Production timings ([cluster] and [controller] defaults), not the tests' fast ones.
  const cluster = await startCluster({
    nodes: 3,
    nodeArgs: nodeFlags,
    privateDatabase: options.privateDatabase ?? false,
    ini: {
      // A log file in GatewayHome, as a packaged install writes: node output piped into this
      // (busy) benchmark process would block the nodes on a full pipe.
      log: { LogTo: 'gatewayd.log' },
      controller: { Delay: '5s' },
      cluster: { HeartbeatInterval: '1s', NodeTimeout: '5s', DrainGrace: '3s' },
    },
  });
  let haproxy: ChildProcess | undefined;
  let stores: Stores | undefined;
  try {
    stores = clusterStores(cluster);
    const password = 'bench-password-1';
    await declareSftpServer(stores, {
      name: 'sftp',
      address: cluster.publicSftp,
      login: gatewayUser,
      password,
      publicKey: clientPublicKey,
    });
    const inDir = join(cluster.home, 'in');
    const outDir = join(cluster.home, 'out');
    mkdirSync(inDir, { recursive: true });
    mkdirSync(outDir, { recursive: true });

    const etcIni = join(cluster.etc, 'gatewayd.ini');
    const adminPort = /\[admin\][^[]*?Port = (\d+)/.exec(readFileSync(etcIni, 'utf8'))?.[1];
    if (adminPort === undefined) throw new Error('no [admin] Port in the cluster configuration');
    const haproxyDir = join(work, 'haproxy');
    mkdirSync(haproxyDir, { recursive: true });
    const generated = generateHaproxyConfig({ configFile: etcIni, target: 'host', sendProxy: false });
    // Two edits only, so that this HAProxy cannot collide with another one on the machine:
    // a private stats socket and stats port.
    const ownStats = await freePort();
    const cfg = generated.text
      .replace('/run/haproxy/admin.sock', join(haproxyDir, 'admin.sock'))
      .replace(`127.0.0.1:${statsPort}`, `127.0.0.1:${ownStats}`);
    const haproxyConfig = join(haproxyDir, 'haproxy.cfg');
    writeFileSync(haproxyConfig, cfg);
    haproxy = spawn('haproxy', ['-W', '-db', '-f', haproxyConfig], { stdio: ['ignore', 'ignore', 'pipe'] });
    let haproxyErr = '';
    haproxy.stderr?.on('data', (d: Buffer) => (haproxyErr += d.toString()));
    const publicSftpPort = Number(cluster.publicSftp.split(':')[1]);
    const haproxyAdminUrl = `http://127.0.0.1:${adminPort}`;
    // Every node's listener (the service re-reads the servers every 2 s), then HAProxy's checks.
    for (const n of cluster.nodes) {
      await waitFor(`${n.name} SFTP`, () => sshBanner(n.sftpPort)).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${logTail(cluster.home, n.name)}`);
      });
    }
    const proc = haproxy;
    await waitFor('HAProxy', async () => {
      if (proc.exitCode !== null) throw new Error(`haproxy exited: ${haproxyErr}`);
      const ready = await fetch(`${haproxyAdminUrl}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      return ready && (await sshBanner(publicSftpPort));
    });
    // Every server UP (rise 2, inter 2 s), so that leastconn spreads over all three.
    await waitFor('all HAProxy servers up', async () => {
      const csv = await statsCsv(ownStats);
      const rows = csv.split('\n').filter((l) => /^be_sftp_\d+,node\d+,/.test(l));
      return rows.length === 3 && rows.every((l) => l.split(',')[17] === 'UP');
    });
    const auth = 'Basic ' + Buffer.from(`admin:${cluster.adminPassword}`).toString('base64');
    const st = stores;
    const hp = haproxy;
    return {
      cluster,
      stores: st,
      nodes: cluster.nodes,
      haproxySftpPort: publicSftpPort,
      haproxyAdminUrl,
      user: gatewayUser,
      password,
      inDir,
      outDir,
      adminAuth: auth,
      haproxyConfig,
      async stop() {
        if (hp.exitCode === null) {
          const exited = new Promise((r) => hp.once('exit', r));
          hp.kill('SIGTERM');
          await exited;
        }
        await st.db.close();
        await cluster.stop();
      },
    };
  } catch (err) {
    haproxy?.kill('SIGKILL');
    await stores?.db.close().catch(() => undefined);
    await cluster.stop();
    throw err;
  }
}

async function statsCsv(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/haproxy;csv`).then(
    (r) => r.text(),
    () => '',
  );
}

/** The last warnings and errors of a node in the shared log file, for a failed start. */
function logTail(home: string, node: string): string {
  let text: string;
  try {
    text = readFileSync(join(home, 'gatewayd.log'), 'utf8');
  } catch {
    return '(no log file)';
  }
  const lines = text
    .split('\n')
    .filter((l) => l.includes(`"node":"${node}"`) && /"level":(40|50|60)/.test(l))
    .slice(-10);
  return lines.length > 0 ? lines.join('\n') : `(no warning or error from ${node} in the log)`;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

export function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(port, '127.0.0.1');
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('SSH-2.0-'));
    });
    s.once('error', () => resolve(false));
  });
}
