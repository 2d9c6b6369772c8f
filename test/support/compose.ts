/**
 * Docker and Compose helpers shared by the tests that run the compose bundle: the bundle test
 * (test/bundle, `docker compose up --wait` as a user types it) and the failover suite
 * (test/cluster, testcontainers' DockerComposeEnvironment with a test override file).
 *
 * Both need a running Docker engine with compose v2 (deploy/offline/install-docker.sh) and fail
 * loudly without one: they are never skipped. Images are built offline by
 * deploy/offline/build-images.sh (each tagged by a hash of its inputs, so a second build takes
 * seconds); WAARP_BUNDLE_REUSE_IMAGES=1 skips the build and uses deploy/offline/images.env as is,
 * WAARP_IMAGES_ENV=FILE skips it and uses the images named in FILE.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StartedDockerComposeEnvironment, WaitStrategy } from 'testcontainers';
import { DockerComposeEnvironment } from 'testcontainers';
import { ipInList } from '../../src/util/ip.js';

const run = promisify(execFile);

/** The repository's top folder (from dist/test/support). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Where build-images.sh writes the image names by default. */
export const defaultImagesEnv = join(repoRoot, 'deploy/offline/images.env');

/** Throws (never skips) unless a Docker engine answers and compose v2 is installed. */
export function requireDocker(): void {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  assert.equal(
    info.status,
    0,
    `no Docker engine answers (${(info.stderr || info.error?.message || '').trim()}): ` +
      'run deploy/offline/install-docker.sh first; this test is never skipped',
  );
  const compose = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' });
  assert.equal(compose.status, 0, 'docker compose v2 is missing: run deploy/offline/install-docker.sh');
}

/** `KEY=value` lines of an env file (comments and blank lines skipped). */
export function parseEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

export interface OfflineImages {
  /** The env file naming the images (for `docker compose --env-file`). */
  readonly envFile: string;
  readonly vars: Record<string, string>;
  /** Seconds the build took (0 when reused). */
  readonly seconds: number;
}

/**
 * Builds (or reuses) the offline images. `envFile` is where build-images.sh writes their names:
 * a test may pass a private file so that a concurrent build elsewhere cannot change its images.
 * `required` lists variables the caller needs (e.g. WAARP_PARTNER_IMAGE).
 */
export function prepareOfflineImages(envFile = defaultImagesEnv, required: string[] = []): OfflineImages {
  const start = Date.now();
  let file = envFile;
  // WAARP_IMAGES_ENV=FILE: use the images an earlier build wrote to FILE, as they are.
  const given = process.env.WAARP_IMAGES_ENV;
  if (given !== undefined && given !== '') {
    file = given;
    assert.ok(existsSync(file), `WAARP_IMAGES_ENV=${file} does not exist`);
  } else if (process.env.WAARP_BUNDLE_REUSE_IMAGES === '1') {
    file = existsSync(envFile) ? envFile : defaultImagesEnv;
    assert.ok(existsSync(file), `WAARP_BUNDLE_REUSE_IMAGES=1 but there is no ${file}`);
  } else {
    const build = spawnSync('bash', [join(repoRoot, 'deploy/offline/build-images.sh'), '--env-file', file], {
      stdio: 'inherit',
    });
    assert.equal(build.status, 0, 'deploy/offline/build-images.sh failed');
  }
  const vars = parseEnvFile(file);
  for (const name of ['WAARP_GATEWAY_IMAGE', ...required]) {
    assert.ok(vars[name], `${file} names no ${name}: run deploy/offline/build-images.sh`);
  }
  return { envFile: file, vars, seconds: Math.round((Date.now() - start) / 1000) };
}

/**
 * A `WAARP_NETWORK_PREFIX` (`10.203.N`) whose /24 no Docker network uses: the bundle's network
 * has a fixed subnet (HAProxy's fixed, trusted address lives in it), so a test run must not
 * collide with a bundle someone left running, or with another network of the machine.
 */
export async function freeNetworkPrefix(): Promise<string> {
  const { stdout: ids } = await docker(['network', 'ls', '-q']);
  const { stdout } = await docker([
    'network',
    'inspect',
    ...ids.split('\n').filter((l) => l.trim() !== ''),
    '--format',
    '{{range .IPAM.Config}}{{.Subnet}} {{end}}',
  ]);
  const used = stdout.split(/\s+/).filter((s) => s.includes('.'));
  const overlaps = (prefix: string): boolean =>
    used.some((cidr) => ipInList(`${prefix}.0`, [cidr]) || ipInList(cidr.split('/')[0]!, [`${prefix}.0/24`]));
  const start = 48 + Math.floor(Math.random() * 200);
  for (let i = 0; i < 200; i++) {
    const prefix = `10.203.${48 + ((start - 48 + i) % 200)}`;
    if (!overlaps(prefix)) return prefix;
  }
  throw new Error(`no free 10.203.x.0/24 for the bundle's network (in use: ${used.join(', ')})`);
}

/** A free TCP port on the loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` until it stops throwing or `ms` pass; the last error is thrown. */
export async function eventually<T>(ms: number, fn: () => Promise<T>, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

/** `docker ARGS...`, resolving with its output; rejects on a non-zero exit. */
export function docker(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return run('docker', args, {
    env: options.env ?? process.env,
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
}

export interface HaproxyServer {
  backend: string;
  server: string;
  /** UP, DOWN, NOLB, MAINT, DRAIN, "UP 1/2"… */
  status: string;
  /** Sessions since start. */
  total: number;
  current: number;
  lastCheck: string;
}

/** HAProxy's view of its servers (`show stat` on the runtime socket of its container). */
export async function haproxyServers(container: string): Promise<HaproxyServer[]> {
  const { stdout } = await docker([
    'exec',
    container,
    'sh',
    '-c',
    "echo 'show stat' | socat - /var/lib/haproxy/admin.sock",
  ]);
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]!.replace(/^# /, '').split(',');
  const col = (name: string): number => header.indexOf(name);
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[col('pxname')]!.startsWith('be_') && !['BACKEND', 'FRONTEND'].includes(f[1]!))
    .map((f) => ({
      backend: f[col('pxname')]!,
      server: f[col('svname')]!,
      status: f[col('status')]!,
      total: Number(f[col('stot')]),
      current: Number(f[col('scur')]),
      lastCheck: f[col('check_status')]!,
    }));
}

/** Text as `# ` comment lines (what node:test's reporters print as diagnostics). */
export function asComment(text: string): string {
  return text
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n');
}

/** One compose project driven through the `docker compose` command line. */
export class ComposeProject {
  constructor(
    readonly project: string,
    readonly files: readonly string[],
    readonly envFile: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const files = this.files.flatMap((f) => ['-f', f]);
    return docker(
      ['compose', '--ansi', 'never', '-p', this.project, ...files, '--env-file', this.envFile, ...args],
      { env: this.env, timeoutMs: 600_000 },
    );
  }

  /** The container of a service (compose v2 names it `<project>-<service>-1`). */
  container(service: string): string {
    return `${this.project}-${service}-1`;
  }

  /** The last lines of the services' logs (every service when none is named); never throws. */
  async logs(tail = 40, services: string[] = []): Promise<string> {
    const res = await this.run(
      'logs',
      '--no-color',
      '--timestamps',
      '--tail',
      String(tail),
      ...services,
    ).catch((err: Error) => ({ stdout: `(docker compose logs failed: ${err.message})` }));
    return res.stdout;
  }

  /** `docker compose ps --format json` (`all`: stopped containers too); compose 2.26 prints one per line. */
  async ps(
    all = false,
  ): Promise<
    { Service: string; State: string; Publishers: { URL: string; PublishedPort: number }[] | null }[]
  > {
    const { stdout } = await this.run('ps', ...(all ? ['--all'] : []), '--format', 'json');
    return stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(
        (l) =>
          JSON.parse(l) as {
            Service: string;
            State: string;
            Publishers: { URL: string; PublishedPort: number }[] | null;
          },
      );
  }
}

export interface ComposeUpOptions {
  project: string;
  /** Compose files, relative to the repository or absolute; the first is the bundle's. */
  files: string[];
  envFile: string;
  /** Variables for compose's interpolation (added to this process's environment). */
  env: Record<string, string>;
  /** Wait strategies by container name as testcontainers names them (`node1-1`). */
  waits: Record<string, WaitStrategy>;
  startupTimeoutMs: number;
}

/**
 * `docker compose up` through testcontainers' DockerComposeEnvironment, waiting for each
 * container with its strategy. Ryuk (testcontainers' reaper) cannot run here (its image cannot be
 * pulled): the caller cleans up with `down` in an `after` hook.
 */
export async function upCompose(o: ComposeUpOptions): Promise<StartedDockerComposeEnvironment> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // The bundle's ports are published on 127.0.0.1 (WAARP_PUBLISH_ADDRESS) and the tests talk to
  // 127.0.0.1. Inside a container (/.dockerenv, as on CI) testcontainers would otherwise probe
  // the published ports on the bridge gateway's address, where nothing listens, and time out.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  let env = new DockerComposeEnvironment(repoRoot, o.files)
    .withProjectName(o.project)
    .withEnvironmentFile(o.envFile)
    .withEnvironment(o.env)
    .withStartupTimeout(o.startupTimeoutMs);
  for (const [name, wait] of Object.entries(o.waits)) env = env.withWaitStrategy(name, wait);
  return env.up();
}
