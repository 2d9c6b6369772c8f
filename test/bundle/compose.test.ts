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
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  ComposeProject,
  asComment,
  eventually,
  freePort,
  prepareOfflineImages,
  repoRoot,
  requireDocker,
} from '../support/compose.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const project = `waarp-bundle-${process.pid}`;
const adminPassword = randomBytes(12).toString('base64url');
const demoPassword = randomBytes(12).toString('base64url');

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

  let bundle: ComposeProject | undefined;
  const compose = (...args: string[]): Promise<{ stdout: string; stderr: string }> => bundle!.run(...args);

  before(async () => {
    requireDocker();
    const images = prepareOfflineImages();
    console.log(`# offline images ready in ${images.seconds} s`);

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
    bundle = new ComposeProject(project, [join(repoRoot, 'compose.yaml')], images.envFile, env);
    const start = Date.now();
    up = true;
    failed = true; // until `up` succeeds
    await compose('up', '-d', '--wait', '--wait-timeout', '300');
    failed = false;
    console.log(`# docker compose up --wait in ${Math.round((Date.now() - start) / 1000)} s`);
  });

  after(async () => {
    if (up && failed) console.log(asComment(await bundle!.logs(40)));
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
    const services = await bundle!.ps();
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
