/**
 * The failover suite's cluster: the bundle's compose.yaml (three gateway nodes, MariaDB, HAProxy)
 * layered with test/cluster/compose.test.yaml (short cluster timings, GatewayHome on a host
 * folder, a partner SFTP server), brought up once with testcontainers' DockerComposeEnvironment
 * and shared by every scenario.
 *
 * The test reaches the gateway only as a user would, through HAProxy's two published ports on
 * 127.0.0.1 (SFTP and REST). To read one node's own answer (its /readyz, or the API "through
 * every node"), it runs Node's fetch inside that node's container, on its loopback.
 * Containers are driven with the docker CLI (kill, stop, pause, network disconnect).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { Wait } from 'testcontainers';
import type { NodeOut } from '../../src/schema/status.js';
import type { TransferOut } from '../../src/schema/transfers.js';
import type { HaproxyServer, OfflineImages } from '../support/compose.js';
import {
  ComposeProject,
  docker,
  eventually,
  haproxyServers,
  freeNetworkPrefix,
  prepareOfflineImages,
  repoRoot,
  requireDocker,
  upCompose,
} from '../support/compose.js';
import type { ApiResult } from '../support/gateway-api.js';
import { GatewayApi, safeJson } from '../support/gateway-api.js';
import type { SshKey } from '../support/openssh.js';
import { generateKey } from '../support/openssh.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';

export const nodeNames = ['node1', 'node2', 'node3'] as const;
export type NodeName = (typeof nodeNames)[number];
export const services = ['mysql', 'partner', ...nodeNames, 'haproxy'] as const;
export type Service = (typeof services)[number];

/** GatewayHome in the node containers (a host folder in this suite). */
const containerHome = '/var/lib/waarp-gateway';
/** The partner's files in its container. */
const partnerRoot = '/data';
/** The SFTP account the suite's clients log in with, and the partner's login. */
export const sftpUser = 'tester';
export const partnerName = 'partner';
/** The send rule of client transfers: files of GatewayHome/push-out go to the partner's /data/in. */
export const pushRule = 'push';
export const pushOutDir = 'push-out';
/** The bundle's receive rule: a put to /demo/x lands in GatewayHome/demo/x. */
export const receiveRule = 'demo-receive';

export interface ContainerState {
  running: boolean;
  paused: boolean;
  status: string;
  health: string | undefined;
  restartCount: number;
  startedAt: string;
  /** Networks the container is attached to, with their aliases. */
  networks: Record<string, string[]>;
}

export class ClusterEnv {
  readonly compose: ComposeProject;
  #env: StartedDockerComposeEnvironment | undefined;
  #sftpPort = 0;
  #restPort = 0;

  private constructor(
    readonly work: string,
    readonly images: OfflineImages,
    readonly adminPassword: string,
    /** GatewayHome, on the host. */
    readonly home: string,
    /** The partner's /data, on the host. */
    readonly partnerData: string,
    /** The key the suite's SFTP clients log in with (account `tester`). */
    readonly clientKey: SshKey,
    /** The key the gateway logs in to the partner with. */
    readonly gatewayKey: SshKey,
    readonly partnerHostKey: SshKey,
    env: NodeJS.ProcessEnv,
  ) {
    this.compose = new ComposeProject(
      `waarp-failover-${process.pid}`,
      [join(repoRoot, 'compose.yaml'), join(repoRoot, 'test/cluster/compose.test.yaml')],
      images.envFile,
      env,
    );
    this.rest = new GatewayApi(() => this.#restPort, adminPassword);
  }

  get sftpPort(): number {
    return this.#sftpPort;
  }

  get restPort(): number {
    return this.#restPort;
  }

  get network(): string {
    return `${this.compose.project}_default`;
  }

  /** Builds the images, brings the cluster up, waits for it, and declares the suite's objects. */
  static async start(log: (line: string) => void): Promise<ClusterEnv> {
    requireDocker();
    const work = await makeTempDir('failover');
    const images = prepareOfflineImages(join(work, 'images.env'), ['WAARP_PARTNER_IMAGE']);
    log(`offline images ready in ${images.seconds} s`);
    // The gateway runs as uid 1001 and the partner as 1000: both write into host folders.
    const home = join(work, 'home');
    const partnerData = join(work, 'partner-data');
    const partnerKeys = join(work, 'partner-keys');
    const keys = join(work, 'keys');
    for (const dir of [home, partnerData, partnerKeys, keys]) mkdirSync(dir, { recursive: true });
    chmodSync(home, 0o777);
    chmodSync(partnerData, 0o777);
    const clientKey = await generateKey(keys, 'client_ed25519');
    const gatewayKey = await generateKey(keys, 'gateway_ed25519');
    const partnerHostKey = await generateKey(partnerKeys, 'ssh_host_ed25519_key');
    writeFileSync(join(partnerKeys, 'authorized_keys'), gatewayKey.publicKey + '\n');
    const adminPassword = randomBytes(12).toString('base64url');
    const vars: Record<string, string> = {
      WAARP_GATEWAY_ADMIN_PASSWORD: adminPassword,
      WAARP_DEMO_PASSWORD: randomBytes(12).toString('base64url'),
      WAARP_PUBLISH_ADDRESS: '127.0.0.1',
      // Port 0: Docker picks free host ports (read back below), so runs never collide.
      WAARP_SFTP_PORT: '0',
      WAARP_REST_PORT: '0',
      WAARP_TEST_HOME: home,
      WAARP_TEST_PARTNER_DATA: partnerData,
      WAARP_TEST_PARTNER_KEYS: partnerKeys,
      // The network's fixed subnet (HAProxy's trusted address is in it): one no other network uses.
      WAARP_NETWORK_PREFIX: await freeNetworkPrefix(),
    };
    const c = new ClusterEnv(
      work,
      images,
      adminPassword,
      home,
      partnerData,
      clientKey,
      gatewayKey,
      partnerHostKey,
      { ...process.env, ...vars },
    );
    const start = Date.now();
    c.#env = await upCompose({
      project: c.compose.project,
      files: [...c.compose.files],
      envFile: images.envFile,
      env: vars,
      waits: {
        'mysql-1': Wait.forHealthCheck(),
        'node1-1': Wait.forHealthCheck(),
        'node2-1': Wait.forHealthCheck(),
        'node3-1': Wait.forHealthCheck(),
        'partner-1': Wait.forLogMessage(/Server listening on/),
        'haproxy-1': Wait.forListeningPorts(),
      },
      startupTimeoutMs: 180_000,
    });
    const haproxy = c.#env.getContainer('haproxy-1');
    c.#sftpPort = haproxy.getMappedPort(2223);
    c.#restPort = haproxy.getMappedPort(8080);
    await c.waitHealthy(120_000);
    log(
      `cluster up in ${Math.round((Date.now() - start) / 1000)} s: SFTP 127.0.0.1:${c.sftpPort}, ` +
        `REST 127.0.0.1:${c.restPort}`,
    );
    await c.#declare();
    return c;
  }

  /** `docker compose down -v`, then the work folder (the gateway's files included). */
  async down(): Promise<void> {
    if (this.#env !== undefined) {
      // Containers left paused or disconnected must not slow `down` down.
      await this.#restoreContainers().catch(() => undefined);
      await this.#env.down({ timeout: 10_000, removeVolumes: true });
      this.#env = undefined;
    }
    await removeTempDir(this.work);
  }

  container(service: Service): string {
    return this.compose.container(service);
  }

  /** GatewayHome path in a container → the same file on the host. */
  hostPath(containerPath: string): string {
    assert.ok(containerPath.startsWith(containerHome + '/'), `not in GatewayHome: ${containerPath}`);
    return join(this.home, containerPath.slice(containerHome.length));
  }

  /** The partner's path (/data/...) → the same file on the host. */
  partnerPath(path: string): string {
    assert.ok(path.startsWith(partnerRoot + '/'), `not in the partner's /data: ${path}`);
    return join(this.partnerData, path.slice(partnerRoot.length));
  }

  // ---- REST, through HAProxy (127.0.0.1:<published 8080>): test/support/gateway-api.ts ----

  readonly rest: GatewayApi;

  api<T = unknown>(
    path: string,
    init: { method?: string; body?: unknown } = {},
    opts: { retries?: number; timeoutMs?: number } = {},
  ): Promise<ApiResult<T>> {
    return this.rest.api(path, init, opts);
  }

  get<T>(path: string): Promise<T> {
    return this.rest.get(path);
  }

  send<T>(method: string, path: string, body: unknown, expect: number): Promise<T> {
    return this.rest.send(method, path, body, expect);
  }

  transfer(id: number): Promise<TransferOut> {
    return this.rest.transfer(id);
  }

  transfers(query = ''): Promise<TransferOut[]> {
    return this.rest.transfers(query);
  }

  history(query = ''): Promise<TransferOut[]> {
    return this.rest.history(query);
  }

  clusterNodes(): Promise<NodeOut[]> {
    return this.rest.clusterNodes();
  }

  // ---- one node's own answer (fetch inside its container) -------------------------------

  /** A request to one node's admin API on its own loopback (not through HAProxy). */
  async nodeApi<T = unknown>(
    node: NodeName,
    path: string,
    init: { method?: string; body?: unknown; auth?: boolean } = {},
  ): Promise<{ status: number; body: T }> {
    const script =
      'const [url, method, auth, body] = process.argv.slice(1);' +
      "fetch(url, { method, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }," +
      ' body: body || undefined, signal: AbortSignal.timeout(10000) })' +
      '.then(async (r) => console.log(JSON.stringify({ status: r.status, text: await r.text() })))' +
      '.catch((e) => { console.log(JSON.stringify({ status: 0, text: String(e) })); });';
    const auth =
      init.auth === false ? '' : 'Basic ' + Buffer.from(`admin:${this.adminPassword}`).toString('base64');
    const { stdout } = await docker(
      [
        'exec',
        this.container(node),
        'node',
        '-e',
        script,
        `http://127.0.0.1:8080${path}`,
        init.method ?? 'GET',
        auth,
        init.body === undefined ? '' : JSON.stringify(init.body),
      ],
      { timeoutMs: 30_000 },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { status: number; text: string };
    return { status: out.status, body: (out.text === '' ? undefined : safeJson(out.text)) as T };
  }

  /**
   * Polls a node's /readyz from inside its container every `everyMs` until stopped (or the
   * container stops): the node's own view, independent of HAProxy.
   */
  watchReadyz(node: NodeName, everyMs = 100): ReadyzWatch {
    const script =
      `const tick = () => fetch('http://127.0.0.1:8080/readyz', { signal: AbortSignal.timeout(${Math.max(everyMs, 500)}) })` +
      '.then((r) => console.log(Date.now() + " " + r.status), (e) => console.log(Date.now() + " ERR " + (e.cause?.code ?? e.name)));' +
      `setInterval(tick, ${everyMs}); tick();`;
    const child = execFile('docker', ['exec', this.container(node), 'node', '-e', script], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const samples: ReadyzSample[] = [];
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [at, status] = line.trim().split(' ', 2);
        if (at !== undefined && status !== undefined) samples.push({ at: Number(at), status });
      }
    });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    return {
      samples,
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        return samples;
      },
      exited,
    };
  }

  // ---- containers ----------------------------------------------------------------------

  async inspect(service: Service): Promise<ContainerState> {
    const { stdout } = await docker(['inspect', this.container(service)]);
    const [info] = JSON.parse(stdout) as {
      RestartCount: number;
      State: {
        Running: boolean;
        Paused: boolean;
        Status: string;
        StartedAt: string;
        Health?: { Status: string };
      };
      NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
    }[];
    assert.ok(info);
    const networks: Record<string, string[]> = {};
    for (const [name, n] of Object.entries(info.NetworkSettings.Networks)) networks[name] = n.Aliases ?? [];
    return {
      running: info.State.Running,
      paused: info.State.Paused,
      status: info.State.Status,
      health: info.State.Health?.Status,
      restartCount: info.RestartCount,
      startedAt: info.State.StartedAt,
      networks,
    };
  }

  /** SIGKILL (`docker kill`), returning once the container is gone. */
  async kill(service: Service): Promise<void> {
    await docker(['kill', '--signal', 'KILL', this.container(service)]);
    await eventually(
      10_000,
      async () => assert.equal((await this.inspect(service)).running, false, `${service} still running`),
      50,
    );
  }

  /** SIGTERM and wait for the exit (`docker stop`, with the compose stop grace of 45 s). */
  async stop(service: Service): Promise<void> {
    await docker(['stop', this.container(service)], { timeoutMs: 120_000 });
  }

  async startContainer(service: Service): Promise<void> {
    await docker(['start', this.container(service)]);
  }

  async pause(service: Service): Promise<void> {
    await docker(['pause', this.container(service)]);
  }

  async unpause(service: Service): Promise<void> {
    await docker(['unpause', this.container(service)]);
  }

  /** Cuts a container off the compose network (database, HAProxy, partner, other nodes). */
  async disconnect(service: Service): Promise<void> {
    const state = await this.inspect(service);
    this.#aliases.set(service, state.networks[this.network] ?? []);
    await docker(['network', 'disconnect', this.network, this.container(service)]);
  }

  /**
   * Puts it back, under the same DNS names (HAProxy and the nodes find it by service name), and
   * HAProxy at its fixed address (the one the nodes trust).
   */
  async connect(service: Service): Promise<void> {
    const aliases = (this.#aliases.get(service) ?? [service]).filter((a) => !/^[0-9a-f]{12}$/.test(a));
    if (!aliases.includes(service)) aliases.push(service);
    const fixed = service === 'haproxy' ? ['--ip', `${this.compose.env.WAARP_NETWORK_PREFIX}.2`] : [];
    await docker([
      'network',
      'connect',
      ...fixed,
      ...aliases.flatMap((a) => ['--alias', a]),
      this.network,
      this.container(service),
    ]);
  }

  readonly #aliases = new Map<Service, string[]>();

  /** HAProxy's view of its servers (`show stat` on its runtime socket). */
  async haproxyServers(): Promise<HaproxyServer[]> {
    return haproxyServers(this.container('haproxy'));
  }

  /** Session counts per node on the SFTP or REST backend. */
  async haproxyTotals(kind: 'sftp' | 'admin'): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of await this.haproxyServers())
      if (s.backend.startsWith(`be_${kind}_`)) out[s.server] = s.total;
    return out;
  }

  /** Undoes what a scenario may have left: paused, disconnected or stopped containers. */
  async #restoreContainers(): Promise<string[]> {
    const done: string[] = [];
    for (const service of services) {
      const state = await this.inspect(service);
      if (state.paused) {
        await this.unpause(service);
        done.push(`unpaused ${service}`);
      }
      if (state.networks[this.network] === undefined) {
        await this.connect(service);
        done.push(`reconnected ${service}`);
      }
      if (!state.running && !state.paused) {
        await this.startContainer(service);
        done.push(`started ${service}`);
      }
    }
    return done;
  }

  /**
   * Every container running and healthy, HAProxy seeing all three nodes UP on both backends,
   * and the cluster listing three live running nodes. Restores containers a failed scenario
   * may have left down first (and says so).
   */
  async waitHealthy(timeoutMs = 90_000): Promise<string[]> {
    const restored = await this.#restoreContainers();
    await eventually(
      timeoutMs,
      async () => {
        for (const service of services) {
          const s = await this.inspect(service);
          assert.ok(s.running && !s.paused, `${service} is ${s.status}`);
          if (s.health !== undefined) assert.equal(s.health, 'healthy', `${service} is ${s.health}`);
        }
        const lb = await this.haproxyServers();
        const notUp = lb.filter((s) => s.status !== 'UP');
        assert.equal(lb.length, 6, `HAProxy lists ${lb.length} servers`);
        assert.deepEqual(
          notUp.map((s) => `${s.backend}/${s.server} ${s.status}`),
          [],
          'HAProxy servers not UP',
        );
        const nodes = await this.clusterNodes();
        assert.deepEqual(
          nodes
            .filter((n) => n.alive && n.state === 'running')
            .map((n) => n.name)
            .sort(),
          [...nodeNames],
          `cluster nodes: ${JSON.stringify(nodes.map((n) => [n.name, n.state, n.alive]))}`,
        );
      },
      500,
    );
    return restored;
  }

  /** Waits until `docker` reports the node healthy and HAProxy has it UP on both backends. */
  async waitNodeHealthy(node: NodeName, timeoutMs = 90_000): Promise<void> {
    await eventually(
      timeoutMs,
      async () => {
        const s = await this.inspect(node);
        assert.equal(s.health, 'healthy', `${node} is ${s.health ?? s.status}`);
        const lb = (await this.haproxyServers()).filter((x) => x.server === node);
        assert.ok(lb.length === 2 && lb.every((x) => x.status === 'UP'), `HAProxy: ${JSON.stringify(lb)}`);
      },
      250,
    );
  }

  /**
   * The JSON log lines of nodes since `sinceMs` (epoch ms), oldest first. The containers share
   * the host's clock, so their `time` compares with Date.now() here: this is how takeovers are
   * timed precisely (polling the API through HAProxy adds its own failover delays).
   */
  async nodeLogs(nodes: readonly NodeName[], sinceMs: number): Promise<NodeLogLine[]> {
    const lines: NodeLogLine[] = [];
    for (const node of nodes) {
      const { stdout } = await docker(['logs', '--since', (sinceMs / 1000).toFixed(3), this.container(node)]);
      for (const text of stdout.split('\n')) {
        if (!text.startsWith('{')) continue;
        try {
          const line = JSON.parse(text) as { time?: string; msg?: string } & Record<string, unknown>;
          if (line.time === undefined) continue;
          lines.push({ ...line, at: Date.parse(line.time), node, msg: line.msg ?? '' });
        } catch {
          // Not a log record (a stack trace line, say).
        }
      }
    }
    return lines.filter((l) => l.at >= sinceMs).sort((a, b) => a.at - b.at);
  }

  async logs(tail = 60, only: Service[] = []): Promise<string> {
    return this.compose.logs(tail, only);
  }

  // ---- the suite's objects -------------------------------------------------------------

  /**
   * Declared through the REST API (through HAProxy), as an operator would: the local account
   * the SFTP clients use (key auth), the partner with its pinned host key, our account there
   * with its private key, and the push rule.
   */
  async #declare(): Promise<void> {
    await this.send('POST', '/api/servers/sftp/accounts', { login: sftpUser }, 201);
    await this.send(
      'POST',
      `/api/servers/sftp/accounts/${sftpUser}/credentials`,
      { type: 'ssh_public_key', value: this.clientKey.publicKey },
      201,
    );
    await this.send(
      'POST',
      '/api/partners',
      { name: partnerName, protocol: 'sftp', address: `${partnerName}:22` },
      201,
    );
    await this.send(
      'POST',
      `/api/partners/${partnerName}/credentials`,
      { name: 'hostkey', type: 'ssh_public_key', value: this.partnerHostKey.publicKey },
      201,
    );
    await this.send('POST', `/api/partners/${partnerName}/accounts`, { login: partnerName }, 201);
    await this.send(
      'POST',
      `/api/partners/${partnerName}/accounts/${partnerName}/credentials`,
      { name: 'key', type: 'ssh_private_key', value: readFileSync(this.gatewayKey.file, 'utf8') },
      201,
    );
    await this.send(
      'POST',
      '/api/rules',
      { name: pushRule, isSend: true, path: pushRule, localDir: pushOutDir, remoteDir: '/data/in' },
      201,
    );
    for (const dir of [join(this.home, pushOutDir), join(this.partnerData, 'in')]) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
    }
  }

  /** Plans a push of GatewayHome/push-out/`file` to the partner's /data/in (through HAProxy). */
  async planPush(file: string, start?: Date): Promise<TransferOut> {
    return this.send<TransferOut>(
      'POST',
      '/api/transfers',
      {
        rule: pushRule,
        isSend: true,
        partner: partnerName,
        account: partnerName,
        file,
        ...(start === undefined ? {} : { start: start.toISOString() }),
      },
      201,
    );
  }

  /** The partner's SFTP request log (one line per request, sftp-server -l INFO). */
  async partnerLog(): Promise<string[]> {
    const { stdout } = await docker(['exec', this.container('partner'), 'cat', '/var/log/partner/sftp.log']);
    return stdout.split('\n');
  }
}

export interface NodeLogLine extends Record<string, unknown> {
  /** Epoch ms of the record. */
  at: number;
  node: NodeName;
  msg: string;
}

export interface ReadyzSample {
  at: number;
  /** An HTTP status, or `ERR` (connection refused, timeout). */
  status: string;
}

export interface ReadyzWatch {
  readonly samples: ReadyzSample[];
  stop(): Promise<ReadyzSample[]>;
  /** Settles when the watcher ends (the container stopped). */
  readonly exited: Promise<void>;
}
