/**
 * The compose bundle, as a user runs it: offline images built from Debian packages and npm,
 * `docker compose up --wait`, then the OpenSSH client and curl from the host through HAProxy.
 *
 * Needs a running Docker engine with compose v2 (deploy/offline/install-docker.sh) and fails
 * loudly without one: it is never skipped. Not part of `npm test`; run with `npm run test:bundle`.
 * The first image build takes about 4 minutes; later runs reuse the images (tagged by inputs).
 * WAARP_BUNDLE_REUSE_IMAGES=1 skips the build and uses deploy/offline/images.env as it is.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const imagesEnv = join(root, 'deploy/offline/images.env');
const project = `waarp-bundle-${process.pid}`;
const adminPassword = randomBytes(12).toString('base64url');
const demoPassword = randomBytes(12).toString('base64url');

/** A free TCP port on the loopback (the bundle publishes there, on 127.0.0.1 only). */
async function freePort(): Promise<number> {
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

/** Retries `fn` until it stops throwing or `ms` pass (HAProxy marks nodes up after `rise` checks). */
async function eventually<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

describe('compose bundle (Docker)', { timeout: 45 * 60_000 }, () => {
  let env: NodeJS.ProcessEnv;
  let sftpPort: number;
  let restPort: number;
  let work: string;
  let up = false;
  // The containers' logs are printed when something failed, before `down` removes them.
  let failed = false;
  const check = (name: string, fn: () => Promise<void>): void => {
    it(name, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });
  };

  const compose = (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
    run(
      'docker',
      [
        'compose',
        '--ansi',
        'never',
        '-p',
        project,
        '-f',
        join(root, 'compose.yaml'),
        '--env-file',
        imagesEnv,
        ...args,
      ],
      { env, cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );

  before(async () => {
    const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
    assert.equal(
      info.status,
      0,
      `no Docker engine answers (${(info.stderr || info.error?.message || '').trim()}): ` +
        'run deploy/offline/install-docker.sh first; this test is never skipped',
    );
    const composeVersion = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' });
    assert.equal(
      composeVersion.status,
      0,
      'docker compose v2 is missing: run deploy/offline/install-docker.sh',
    );

    let start = Date.now();
    // WAARP_BUNDLE_REUSE_IMAGES=1: use the images of an earlier build-images.sh run as they are.
    if (process.env.WAARP_BUNDLE_REUSE_IMAGES === '1') {
      assert.ok(existsSync(imagesEnv), `WAARP_BUNDLE_REUSE_IMAGES=1 but there is no ${imagesEnv}`);
    } else {
      const build = spawnSync('bash', [join(root, 'deploy/offline/build-images.sh')], { stdio: 'inherit' });
      assert.equal(build.status, 0, 'deploy/offline/build-images.sh failed');
    }
    console.log(`# offline images ready in ${Math.round((Date.now() - start) / 1000)} s`);

    work = await makeTempDir('bundle');
    sftpPort = await freePort();
    restPort = await freePort();
    env = {
      ...process.env,
      WAARP_GATEWAY_ADMIN_PASSWORD: adminPassword,
      WAARP_DEMO_PASSWORD: demoPassword,
      WAARP_SFTP_PORT: String(sftpPort),
      WAARP_REST_PORT: String(restPort),
      WAARP_PUBLISH_ADDRESS: '127.0.0.1',
    };
    start = Date.now();
    up = true;
    failed = true; // until `up` succeeds
    await compose('up', '-d', '--wait', '--wait-timeout', '300');
    failed = false;
    console.log(`# docker compose up --wait in ${Math.round((Date.now() - start) / 1000)} s`);
  });

  after(async () => {
    if (up && failed) {
      const logs = await compose('logs', '--no-color', '--tail', '40').catch((err: Error) => ({
        stdout: err.message,
      }));
      console.log(
        logs.stdout
          .split('\n')
          .map((l) => `# ${l}`)
          .join('\n'),
      );
    }
    if (up) {
      await compose('down', '-v', '--remove-orphans', '--timeout', '60');
    }
    if (work !== undefined) await removeTempDir(work);
  });

  check('lists three live nodes through HAProxy with the admin credentials', async () => {
    const body = await eventually(60_000, async () => {
      const { stdout } = await run('curl', [
        '--silent',
        '--show-error',
        '--fail',
        '--max-time',
        '10',
        '--user',
        `admin:${adminPassword}`,
        `http://localhost:${restPort}/api/cluster/nodes`,
      ]);
      const parsed = JSON.parse(stdout) as { nodes: { name: string; alive: boolean; state: string }[] };
      assert.equal(parsed.nodes.filter((n) => n.alive).length, 3, stdout);
      return parsed;
    });
    assert.deepEqual(body.nodes.map((n) => [n.name, n.alive, n.state]).sort(), [
      ['node1', true, 'running'],
      ['node2', true, 'running'],
      ['node3', true, 'running'],
    ]);
  });

  check('puts and gets a file with OpenSSH sftp through HAProxy, as the demo account', async () => {
    const upload = join(work, 'up.bin');
    const download = join(work, 'down.bin');
    writeFileSync(upload, randomBytes(3 * 1024 * 1024 + 17));
    // OpenSSH reads the password from SSH_ASKPASS (no sshpass); `-b` alone would forbid prompting.
    const askpass = join(work, 'askpass.sh');
    writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$WAARP_DEMO_PASSWORD"\n');
    chmodSync(askpass, 0o700);
    const batch = join(work, 'batch');
    writeFileSync(batch, `put ${upload} /demo/bundle-test.bin\nget /demo/bundle-test.bin ${download}\n`);
    await eventually(60_000, () =>
      run(
        'sftp',
        [
          '-P',
          String(sftpPort),
          '-o',
          'BatchMode=no',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          `UserKnownHostsFile=${join(work, 'known_hosts')}`,
          '-o',
          'PubkeyAuthentication=no',
          '-o',
          'ConnectTimeout=10',
          '-b',
          batch,
          'demo@localhost',
        ],
        {
          env: { ...env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: 'none' },
          timeout: 60_000,
        },
      ),
    );
    assert.ok(readFileSync(download).equals(readFileSync(upload)), 'the file came back identical');
  });

  check('presents one host key whichever node answers (shared in the database)', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const { stdout } = await run('ssh-keyscan', ['-T', '5', '-p', String(sftpPort), 'localhost']);
      for (const line of stdout.split('\n').filter((l) => l.trim() !== ''))
        keys.add(line.split(' ').slice(1).join(' '));
    }
    assert.ok(keys.size > 0, 'ssh-keyscan saw no key');
    const types = [...keys].map((k) => k.split(' ')[0]);
    assert.equal(new Set(types).size, keys.size, `several keys of one type: ${[...keys].join(' | ')}`);
  });

  check("publishes only HAProxy's SFTP and REST ports, on the loopback", async () => {
    const { stdout } = await compose('ps', '--format', 'json');
    // compose 2.26 prints one JSON object per line.
    const services = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(
        (l) =>
          JSON.parse(l) as { Service: string; Publishers: { URL: string; PublishedPort: number }[] | null },
      );
    const published = services.flatMap((s) =>
      (s.Publishers ?? [])
        .filter((p) => p.PublishedPort > 0)
        .map((p) => `${s.Service} ${p.URL}:${p.PublishedPort}`),
    );
    assert.deepEqual(
      [...new Set(published)].sort(),
      [`haproxy 127.0.0.1:${sftpPort}`, `haproxy 127.0.0.1:${restPort}`].sort(),
    );
  });
});
