/**
 * The compose bundle, as a user runs it: offline images built from Debian packages and npm,
 * `docker compose up --wait`, then the OpenSSH client and curl from the host through HAProxy,
 * and two client containers on the compose network (two addresses) for what depends on the
 * client's address: bans, account allow-lists, the addresses in records and logs.
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
  docker,
  eventually,
  freeNetworkPrefix,
  freePort,
  prepareOfflineImages,
  repoRoot,
  requireDocker,
} from '../support/compose.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { ClientContainer, writeAskpass } from './clients.js';

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
  /** curl as the admin, from the host through HAProxy's published REST port. */
  const api = (method: string, path: string, body?: unknown): Promise<{ stdout: string }> =>
    run('curl', [
      '--silent',
      '--show-error',
      '--fail',
      '--max-time',
      '10',
      '--user',
      `admin:${adminPassword}`,
      '-X',
      method,
      ...(body === undefined ? [] : ['-H', 'Content-Type: application/json', '--data', JSON.stringify(body)]),
      `http://localhost:${restPort}${path}`,
    ]);
  let partnerImage: string;
  /** Two partners on the compose network; `a` is the one that guesses passwords. */
  let a: ClientContainer | undefined;
  let b: ClientContainer | undefined;

  before(async () => {
    requireDocker();
    const images = prepareOfflineImages(undefined, ['WAARP_PARTNER_IMAGE']);
    partnerImage = images.vars.WAARP_PARTNER_IMAGE!;
    console.log(`# offline images ready in ${images.seconds} s`);

    work = await makeTempDir('bundle');
    writeAskpass(work);
    sftpPort = await freePort();
    restPort = await freePort();
    env = {
      ...process.env,
      WAARP_GATEWAY_ADMIN_PASSWORD: adminPassword,
      WAARP_DEMO_PASSWORD: demoPassword,
      WAARP_SFTP_PORT: String(sftpPort),
      WAARP_REST_PORT: String(restPort),
      WAARP_PUBLISH_ADDRESS: '127.0.0.1',
      WAARP_NETWORK_PREFIX: await freeNetworkPrefix(),
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
    await a?.remove();
    await b?.remove();
    if (up && failed) console.log(asComment(await bundle!.logs(40)));
    if (up) {
      await compose('down', '-v', '--remove-orphans', '--timeout', '60');
    }
    if (work !== undefined) await removeTempDir(work);
  });

  check('lists three live nodes through HAProxy with the admin credentials', async () => {
    const body = await eventually(60_000, async () => {
      const { stdout } = await api('GET', '/api/cluster/nodes');
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

  // ---- Two partners with their own addresses, relayed by HAProxy (PROXY v2, X-Forwarded-For) ----

  const network = (): string => `${project}_default`;
  const bans = async (): Promise<string[]> => {
    const { stdout } = await api('GET', '/api/bans');
    return (JSON.parse(stdout) as { bans: { address: string; protocol: string }[] }).bans
      .map((x) => `${x.address} ${x.protocol}`)
      .sort();
  };
  const haproxyIp = async (): Promise<string> => {
    const { stdout } = await docker([
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${network()}").IPAddress}}`,
      bundle!.container('haproxy'),
    ]);
    return stdout.trim();
  };

  check('starts two client containers with different addresses on the compose network', async () => {
    a = await ClientContainer.start(`${project}-client-a`, network(), partnerImage, work);
    b = await ClientContainer.start(`${project}-client-b`, network(), partnerImage, work);
    assert.notEqual(a.ip, b.ip);
    assert.notEqual(a.ip, await haproxyIp());
  });

  check('an account allow-list admits one client and refuses the other', async () => {
    await api('POST', '/api/servers/sftp/accounts', {
      login: 'only-b',
      password: 'only-b-password',
      ipAddresses: [b!.ip],
    });
    const fromB = await b!.sftp('haproxy', 2223, 'only-b', 'only-b-password', 'ls /');
    assert.equal(fromB.code, 0, fromB.stderr);
    const fromA = await a!.sftp('haproxy', 2223, 'only-b', 'only-b-password', 'ls /');
    assert.notEqual(fromA.code, 0, 'refused: not on the allow-list');
    assert.match(fromA.stderr, /Permission denied/);
  });

  check('a wrong-password burst bans its client only; the other keeps working', async () => {
    // [security] MaxLoginFailures is 10 in the bundle (the default); one refusal is counted above.
    for (let i = 0; i < 10; i++) await a!.sftp('haproxy', 2223, 'demo', 'not-the-password', 'ls /');
    const banned = await a!.sftp('haproxy', 2223, 'demo', demoPassword, 'ls /');
    assert.notEqual(banned.code, 0);
    assert.match(banned.stderr, /Received disconnect from .*banned for \d+ s/, banned.stderr);
    const other = await b!.sftp('haproxy', 2223, 'demo', demoPassword, 'put /work/askpass /demo/from-b.txt');
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual(await bans(), [`${a!.ip} sftp`], 'the client is banned, not HAProxy');
  });

  check("records and logs show the clients' addresses, not HAProxy's", async () => {
    const { stdout } = await api('GET', '/api/history?limit=1000');
    const history = (
      JSON.parse(stdout) as { history: { destFilename: string; transferInfo: Record<string, unknown> }[] }
    ).history;
    const fromB = history.find((t) => t.destFilename === 'from-b.txt');
    assert.equal(fromB?.transferInfo.clientAddress, b!.ip, JSON.stringify(fromB));
    const lb = await haproxyIp();
    const remotes = new Set<string>();
    const { stdout: logs } = await compose(
      'logs',
      '--no-color',
      '--no-log-prefix',
      'node1',
      'node2',
      'node3',
    );
    for (const line of logs.split('\n')) {
      // A JSON line (pino), after whatever compose puts before it (a terminal escape).
      const json = line.indexOf('{"');
      if (json < 0) continue;
      const entry = JSON.parse(line.slice(json)) as { component?: string; remote?: string };
      if (entry.component === 'sftp' && entry.remote !== undefined) remotes.add(entry.remote);
    }
    assert.ok(remotes.has(a!.ip) && remotes.has(b!.ip), `log addresses: ${[...remotes].join(', ')}`);
    assert.ok(!remotes.has(lb), `HAProxy's ${lb} in the SFTP logs: ${[...remotes].join(', ')}`);
  });

  check('REST believes X-Forwarded-For from HAProxy only; bans count per protocol', async () => {
    // Straight to a node, a forged header names the other client: the sender's own address counts.
    const wrong = 'admin:not-the-password';
    for (let i = 0; i < 10; i++)
      await a!.httpGet('node1', 8080, '/api/about', wrong, { 'X-Forwarded-For': b!.ip });
    assert.deepEqual(await bans(), [`${a!.ip} rest`, `${a!.ip} sftp`].sort());
    // Through HAProxy the other client is itself, and not banned; the host is not either.
    assert.equal(await b!.httpGet('haproxy', 8080, '/api/about', `admin:${adminPassword}`), 200);
    assert.equal(await a!.httpGet('haproxy', 8080, '/api/about', `admin:${adminPassword}`), 429);
    await api('DELETE', `/api/bans/${a!.ip}`);
    assert.equal(await a!.httpGet('haproxy', 8080, '/api/about', `admin:${adminPassword}`), 200);
    const lifted = await a!.sftp('haproxy', 2223, 'demo', demoPassword, 'ls /');
    assert.equal(lifted.code, 0, lifted.stderr);
  });
});
