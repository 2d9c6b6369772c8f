/**
 * The Docker Swarm stack (deploy/swarm/stack.yml) as an operator deploys it, on a single-node
 * swarm of this machine: the offline images, `docker stack deploy --resolve-image never`, the
 * secrets created with `docker secret create`. The test talks to it only through HAProxy's two
 * host-mode ports on 127.0.0.1, and drives the swarm with the docker CLI (kill a task's
 * container, scale, update the image).
 *
 * The machine is left as it was found: a swarm this harness initialised is left again (also
 * when the run fails or is interrupted), and the stack, its secrets, volumes and the image tag
 * it adds are removed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { OfflineImages } from '../support/compose.js';
import {
  docker,
  eventually,
  freeNetworkPrefix,
  freePort,
  haproxyServers,
  prepareOfflineImages,
  repoRoot,
  requireDocker,
} from '../support/compose.js';
import { GatewayApi } from '../support/gateway-api.js';
import type { SftpResult, SshKey } from '../support/openssh.js';
import { generateKey, spawnSftp } from '../support/openssh.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';

/**
 * This machine's own address on its network (not the loopback, not a Docker bridge): a client
 * that connects to it reaches HAProxy's host-mode port through Docker's NAT with that source
 * address kept, as a partner of another machine would. Through 127.0.0.1, Docker's proxy relays
 * the connection and HAProxy sees the proxy's address instead.
 */
export function hostAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|lo)/.test(name)) continue;
    const v4 = (addrs ?? []).find((a) => a.family === 'IPv4' && !a.internal);
    if (v4 !== undefined) return v4.address;
  }
  throw new Error(
    `this machine has no IPv4 address but the loopback and Docker's: ${JSON.stringify(networkInterfaces())}`,
  );
}

/** The account the SFTP clients use, and the receive rule: a put to /upload/x lands in GatewayHome/upload/x. */
export const sftpUser = 'tester';
export const uploadRule = 'upload';

export interface Task {
  id: string;
  /** The container's name: `<stack>_gateway.<slot>.<task id>`. */
  name: string;
  slot: number;
  image: string;
}

export class SwarmStack {
  #joined = false;
  #deployed = false;
  #sftpPort = 0;
  #restPort = 0;
  #lbSubnet = '';
  readonly secrets: string[] = [];
  readonly rollTag: string;
  #exitGuard: ((signal?: unknown) => void) | undefined;

  private constructor(
    readonly name: string,
    readonly work: string,
    readonly images: OfflineImages,
    readonly adminPassword: string,
    readonly clientKey: SshKey,
  ) {
    this.rollTag = `${images.vars.WAARP_GATEWAY_IMAGE!.split(':')[0]}:swarm-roll-${process.pid}`;
    this.rest = new GatewayApi(() => this.#restPort, adminPassword);
  }

  get sftpPort(): number {
    return this.#sftpPort;
  }

  get restPort(): number {
    return this.#restPort;
  }

  /** The subnet of the stack's network "lb" (HAProxy and the gateway tasks): the trusted proxies. */
  get lbSubnet(): string {
    return this.#lbSubnet;
  }

  /** The stack's gateway service. */
  get gatewayService(): string {
    return `${this.name}_gateway`;
  }

  /** Joins a swarm if needed, deploys the stack and waits for three ready nodes. */
  static async start(log: (line: string) => void): Promise<SwarmStack> {
    requireDocker();
    const work = await makeTempDir('swarm');
    const images = prepareOfflineImages(join(work, 'images.env'), [
      'WAARP_MYSQL_IMAGE',
      'WAARP_HAPROXY_IMAGE',
    ]);
    log(`offline images ready in ${images.seconds} s`);
    const clientKey = await generateKey(work, 'client_ed25519');
    const s = new SwarmStack(
      `waarp-swarm-${process.pid}`,
      work,
      images,
      randomBytes(12).toString('base64url'),
      clientKey,
    );
    try {
      await s.#deploy(log);
    } catch (err) {
      log(await s.logs(60));
      await s.remove(log);
      throw err;
    }
    return s;
  }

  async #deploy(log: (line: string) => void): Promise<void> {
    const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
    if (state === 'inactive') {
      // Leave again even if the run dies without its `after` hooks (Ctrl-C, kill, a crash):
      // leaving a single-node swarm takes its services and secrets with it.
      const guard = (signal?: unknown): void => {
        spawnSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' });
        if (typeof signal === 'string') process.exit(1);
      };
      this.#exitGuard = guard;
      process.once('exit', guard);
      process.once('SIGINT', guard);
      process.once('SIGTERM', guard);
      await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
      this.#joined = true;
      log('joined a new single-node swarm (docker swarm init); it is left at the end');
    } else {
      assert.equal(state, 'active', `this machine's swarm state is ${state}`);
      log('this machine is already in a swarm: using it, and leaving it as it is');
    }
    const values = {
      'db-password': randomBytes(12).toString('base64url'),
      'db-root-password': randomBytes(12).toString('base64url'),
      'admin-password': this.adminPassword,
    };
    for (const [key, value] of Object.entries(values)) {
      const secret = `${this.name}-${key}`;
      const res = spawnSync('docker', ['secret', 'create', secret, '-'], { input: value, encoding: 'utf8' });
      assert.equal(res.status, 0, `docker secret create ${secret}: ${res.stderr}`);
      this.secrets.push(secret);
    }
    this.#sftpPort = await freePort();
    this.#restPort = await freePort();
    // A /24 no network of this machine uses (a bundle left running could hold the default).
    this.#lbSubnet = `${await freeNetworkPrefix()}.0/24`;
    const start = Date.now();
    await docker(
      [
        'stack',
        'deploy',
        '--resolve-image',
        'never',
        '-c',
        join(repoRoot, 'deploy/swarm/stack.yml'),
        this.name,
      ],
      {
        env: {
          ...process.env,
          WAARP_GATEWAY_IMAGE: this.images.vars.WAARP_GATEWAY_IMAGE!,
          WAARP_MYSQL_IMAGE: this.images.vars.WAARP_MYSQL_IMAGE!,
          WAARP_HAPROXY_IMAGE: this.images.vars.WAARP_HAPROXY_IMAGE!,
          WAARP_SFTP_PORT: String(this.#sftpPort),
          WAARP_REST_PORT: String(this.#restPort),
          WAARP_SECRETS: this.name,
          WAARP_CONFIG_VERSION: this.name,
          WAARP_LB_SUBNET: this.#lbSubnet,
        },
      },
    );
    this.#deployed = true;
    await this.waitHealthy(3, 300_000);
    log(
      `stack deployed and 3 nodes ready in ${Math.round((Date.now() - start) / 1000)} s: ` +
        `SFTP 127.0.0.1:${this.sftpPort}, REST 127.0.0.1:${this.restPort}`,
    );
    await this.#declare();
  }

  /** The stack, its secrets and volumes, the roll tag; then the swarm, if this run joined it. */
  async remove(log: (line: string) => void): Promise<void> {
    const start = Date.now();
    try {
      if (this.#deployed) {
        await docker(['stack', 'rm', this.name]);
        // `stack rm` returns at once: the containers and the network go in the background.
        await eventually(
          120_000,
          async () => {
            const { stdout } = await docker([
              'ps',
              '-aq',
              '--filter',
              `label=com.docker.stack.namespace=${this.name}`,
            ]);
            assert.equal(stdout.trim(), '', 'stack containers still there');
            const nets = await docker([
              'network',
              'ls',
              '-q',
              '--filter',
              `label=com.docker.stack.namespace=${this.name}`,
            ]);
            assert.equal(nets.stdout.trim(), '', 'stack network still there');
          },
          500,
        );
        const volumes = (
          await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${this.name}`])
        ).stdout
          .split('\n')
          .filter((v) => v !== '');
        if (volumes.length > 0) await docker(['volume', 'rm', ...volumes]);
      }
      if (this.secrets.length > 0) await docker(['secret', 'rm', ...this.secrets]);
      spawnSync('docker', ['image', 'rm', this.rollTag], { stdio: 'ignore' });
    } finally {
      if (this.#joined) {
        await docker(['swarm', 'leave', '--force']);
        this.#joined = false;
        log('left the swarm this run created');
      }
      if (this.#exitGuard !== undefined) {
        for (const event of ['exit', 'SIGINT', 'SIGTERM'] as const) process.off(event, this.#exitGuard);
      }
      await removeTempDir(this.work);
    }
    log(`stack removed in ${Math.round((Date.now() - start) / 1000)} s`);
  }

  // ---- REST, through HAProxy: test/support/gateway-api.ts ---------------------------------

  readonly rest: GatewayApi;

  /** The test's SFTP account (key authentication) and receive rule, through the REST API. */
  async #declare(): Promise<void> {
    await this.rest.send('POST', '/api/servers/sftp/accounts', { login: sftpUser }, 201);
    await this.rest.send(
      'POST',
      `/api/servers/sftp/accounts/${sftpUser}/credentials`,
      { type: 'ssh_public_key', value: this.clientKey.publicKey },
      201,
    );
    // Puts to /upload land in GatewayHome/upload; gets read the same folder (a send rule).
    for (const isSend of [false, true]) {
      const name = isSend ? `${uploadRule}-get` : uploadRule;
      await this.rest.send(
        'POST',
        '/api/rules',
        { name, isSend, path: uploadRule, localDir: uploadRule },
        201,
      );
    }
  }

  // ---- the swarm ----------------------------------------------------------------------------

  /** The running tasks of the gateway service, by slot. */
  async tasks(): Promise<Task[]> {
    const { stdout } = await docker([
      'ps',
      '--filter',
      `label=com.docker.swarm.service.name=${this.gatewayService}`,
      '--format',
      '{{.ID}} {{.Names}} {{.Image}}',
    ]);
    return stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [id, name, image] = l.split(' ');
        return { id: id!, name: name!, image: image!, slot: Number(name!.split('.')[1]) };
      })
      .sort((a, b) => a.slot - b.slot);
  }

  /** SIGKILL to the container of node `node` (node<slot>). */
  async kill(node: string): Promise<Task> {
    const slot = Number(node.replace(/^node/, ''));
    const task = (await this.tasks()).find((t) => t.slot === slot);
    assert.ok(task, `no running task for ${node}`);
    await docker(['kill', '--signal', 'KILL', task.id]);
    return task;
  }

  async haproxyContainer(): Promise<string> {
    const { stdout } = await docker([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.swarm.service.name=${this.name}_haproxy`,
    ]);
    const id = stdout.trim().split('\n')[0];
    assert.ok(id, 'no running HAProxy task');
    return id;
  }

  /** HAProxy's address on the network "lb": where the nodes see it connect from. */
  async haproxyLbAddress(): Promise<string> {
    const { stdout } = await docker([
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${this.name}_lb").IPAddress}}`,
      await this.haproxyContainer(),
    ]);
    return stdout.trim();
  }

  /** The client addresses in HAProxy's log of SFTP sessions (tcplog, written when a session ends). */
  async haproxySftpClients(): Promise<Set<string>> {
    const { stdout } = await docker(['logs', await this.haproxyContainer()]);
    const clients = new Set<string>();
    for (const line of stdout.split('\n')) {
      const m = /^(\d+\.\d+\.\d+\.\d+):\d+ \[[^\]]+\] fe_sftp_\d+ /.exec(line);
      if (m !== null) clients.add(m[1]!);
    }
    return clients;
  }

  /**
   * OpenSSH's sftp to `host` with a password (one prompt: one failed login per connection),
   * running `commands`. At OpenSSH's default log level, so a disconnect message shows.
   */
  passwordSftp(host: string, user: string, password: string, commands: string[]): Promise<SftpResult> {
    const askpass = join(this.work, 'askpass');
    // Written once: a script rewritten while a concurrent client runs it could be read empty.
    if (!existsSync(askpass)) {
      writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$SFTP_PASSWORD"\n');
      chmodSync(askpass, 0o755);
    }
    // sftp turns -b into BatchMode=yes for ssh, and ssh keeps the first value it reads: the
    // prompts (answered by askpass) need BatchMode=no before it.
    const args = [
      '-o',
      'BatchMode=no',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=20',
      '-P',
      String(this.#sftpPort),
      '-b',
      '-',
      `${user}@${host}`,
    ];
    const env = {
      ...process.env,
      SFTP_PASSWORD: password,
      SSH_ASKPASS: askpass,
      SSH_ASKPASS_REQUIRE: 'force',
    };
    return spawnSftp(args, commands, { env: { ...env, DISPLAY: 'none' } }).done;
  }

  /**
   * `replicas` gateway tasks running, each UP in HAProxy on both backends (template slots
   * without a task are in MAINT), and the cluster listing node1..node<replicas> alive.
   */
  async waitHealthy(replicas: number, timeoutMs = 120_000): Promise<void> {
    const expected = Array.from({ length: replicas }, (_, i) => `node${i + 1}`);
    await eventually(
      timeoutMs,
      async () => {
        const tasks = await this.tasks();
        assert.equal(tasks.length, replicas, `${tasks.length} gateway tasks running`);
        const lb = await haproxyServers(await this.haproxyContainer());
        for (const backend of new Set(lb.map((s) => s.backend))) {
          const up = lb.filter((s) => s.backend === backend && s.status === 'UP');
          assert.equal(up.length, replicas, `${backend}: ${up.length} servers UP`);
        }
        const nodes = await this.rest.clusterNodes();
        assert.deepEqual(
          nodes
            .filter((n) => n.alive && n.state === 'running')
            .map((n) => n.name)
            .sort(),
          expected,
          `cluster nodes: ${JSON.stringify(nodes.map((n) => [n.name, n.state, n.alive]))}`,
        );
      },
      1000,
    );
  }

  /** Where GatewayHome (the stack's local volume) is on this host. */
  async homeOnHost(): Promise<string> {
    const { stdout } = await docker([
      'volume',
      'inspect',
      '--format',
      '{{.Mountpoint}}',
      `${this.name}_gateway-home`,
    ]);
    return stdout.trim();
  }

  /** The last lines of every service's log; never throws. */
  async logs(tail: number): Promise<string> {
    const out: string[] = [];
    for (const service of ['mysql', 'gateway', 'haproxy']) {
      const res = await docker([
        'service',
        'logs',
        '--no-trunc',
        '--timestamps',
        '--tail',
        String(tail),
        `${this.name}_${service}`,
      ]).catch((err: Error) => ({ stdout: `(docker service logs failed: ${err.message})`, stderr: '' }));
      out.push(`---- ${service}\n${res.stdout}${res.stderr}`);
    }
    const ps = await docker(['service', 'ps', '--no-trunc', `${this.gatewayService}`]).catch(() => ({
      stdout: '',
    }));
    out.push(`---- docker service ps\n${ps.stdout}`);
    return out.join('\n');
  }
}
