import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../src/config/errors.js';
import { generateHaproxyConfig, generatePreset, presets } from '../../../src/haproxy/generate.js';
import { naturalCompare, readClusterLayout } from '../../../src/haproxy/layout.js';
import { makeTempDirSync } from '../../support/tmp.js';

/** The repository, found from the compiled test in dist/test/unit/haproxy. */
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const haproxy = '/usr/sbin/haproxy';

/** A folder holding `files` (name -> content). */
function cluster(files: Record<string, string>): string {
  const dir = makeTempDirSync('haproxy');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const indirections = (...lines: string[]): string =>
  ['[Address Indirection]', ...lines.map((l) => `IndirectAddress = ${l}`), ''].join('\n');

/** The lines of one section (`frontend fe_sftp_2223`) without indentation, up to the next blank line. */
function section(cfg: string, title: string): string[] {
  const lines = cfg.split('\n');
  const start = lines.indexOf(title);
  assert.ok(start >= 0, `no "${title}" in:\n${cfg}`);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim());
}

function haproxyCheck(file: string): { status: number; output: string } {
  assert.ok(existsSync(haproxy), `${haproxy} is required (apt-get install haproxy)`);
  const res = spawnSync(haproxy, ['-c', '-f', file], { encoding: 'utf8' });
  return { status: res.status ?? -1, output: `${res.stdout}${res.stderr}` };
}

describe('HAProxy generator: the seed tutorial layout (deploy/seed)', () => {
  const { text } = generateHaproxyConfig({
    configFile: join(root, 'deploy/seed/gatewayd.ini'),
    target: 'host',
    sendProxy: false,
  });

  it('ships the override files exactly as the tutorial prints them', () => {
    for (const [n, sftp, rest] of [
      [1, 2001, 8081],
      [2, 2002, 8082],
      [3, 2003, 8083],
    ] as const) {
      assert.equal(
        readFileSync(join(root, `deploy/seed/node${n}.ini`), 'utf8'),
        '[Address Indirection]\n\n' +
          `IndirectAddress = 127.0.0.1:2223 -> 127.0.0.1:${sftp}\n` +
          `IndirectAddress = 127.0.0.1:8080 -> 127.0.0.1:${rest}\n`,
      );
    }
  });

  it("balances SFTP 127.0.0.1:2223 over 2001-2003 in TCP, checking each node's /lbz on its admin port", () => {
    assert.deepEqual(section(text, 'frontend fe_sftp_2223'), [
      'mode tcp',
      'bind 127.0.0.1:2223',
      'option tcplog',
      'option clitcpka',
      'timeout client 1h',
      'default_backend be_sftp_2223',
    ]);
    const backend = section(text, 'backend be_sftp_2223');
    assert.ok(backend.includes('balance leastconn'));
    // A draining node answers 404: NOLB keeps its transfers going where a failed banner check
    // would mark it DOWN and shutdown-sessions would cut them.
    assert.ok(backend.includes('http-check send meth GET uri /lbz ver HTTP/1.1 hdr Host 127.0.0.1:2223'));
    assert.ok(backend.includes('http-check disable-on-404'));
    assert.ok(backend.includes('timeout tunnel 2h'));
    assert.deepEqual(
      backend.filter((l) => l.startsWith('server ')),
      [
        'server node1 127.0.0.1:2001 check port 8081 on-marked-down shutdown-sessions',
        'server node2 127.0.0.1:2002 check port 8082 on-marked-down shutdown-sessions',
        'server node3 127.0.0.1:2003 check port 8083 on-marked-down shutdown-sessions',
      ],
    );
  });

  it('balances REST 127.0.0.1:8080 over 8081-8083 in HTTP with /lbz checks', () => {
    const frontend = section(text, 'frontend fe_admin_8080');
    assert.ok(frontend.includes('mode http'));
    assert.ok(frontend.includes('bind 127.0.0.1:8080'));
    assert.ok(frontend.includes('option forwardfor'));
    const backend = section(text, 'backend be_admin_8080');
    assert.ok(backend.includes('http-check send meth GET uri /lbz ver HTTP/1.1 hdr Host 127.0.0.1:8080'));
    assert.ok(backend.includes('http-check expect status 200'));
    assert.deepEqual(
      backend.filter((l) => l.startsWith('server ')),
      [
        'server node1 127.0.0.1:8081 check',
        'server node2 127.0.0.1:8082 check',
        'server node3 127.0.0.1:8083 check',
      ],
    );
  });

  it('has exactly these proxies, in port order, plus the internal stats page', () => {
    const proxies = text.split('\n').filter((l) => /^(frontend|backend|listen) /.test(l));
    assert.deepEqual(proxies, [
      'frontend fe_sftp_2223',
      'backend be_sftp_2223',
      'frontend fe_admin_8080',
      'backend be_admin_8080',
      'frontend stats',
    ]);
    assert.ok(section(text, 'frontend stats').includes('bind 127.0.0.1:8404'));
    assert.doesNotMatch(text, /^\s*server .*send-proxy/m, 'the seed nodes are not sent PROXY headers');
    assert.ok(!text.includes('resolvers'), 'no Docker DNS on a plain machine');
  });
});

describe('HAProxy generator: the committed files', () => {
  for (const preset of presets) {
    it(`${preset.outputFile} is what the generator writes (${preset.name}); else run npm run haproxy:generate`, () => {
      const committed = readFileSync(join(root, preset.outputFile), 'utf8');
      assert.equal(committed, generatePreset(root, preset).text);
    });

    it(`${preset.outputFile} passes haproxy -c`, () => {
      const { status, output } = haproxyCheck(join(root, preset.outputFile));
      assert.equal(status, 0, output);
      // Compose service names do not resolve outside Docker: the only warnings allowed.
      const warnings = output.split('\n').filter((l) => l.includes('[WARNING]'));
      const allowed = preset.target === 'docker' ? /could not resolve address 'node\d+'/ : /^$/;
      for (const w of warnings) assert.match(w, allowed);
    });
  }

  it('the compose bundle reaches each node by its service name, with PROXY v2 to its SFTP port', () => {
    const text = readFileSync(join(root, 'haproxy/haproxy.cfg'), 'utf8');
    assert.match(text, /^# DO NOT EDIT/m);
    assert.ok(section(text, 'frontend fe_sftp_2223').includes('bind :2223'));
    assert.ok(section(text, 'frontend fe_admin_8080').includes('bind :8080'));
    assert.deepEqual(
      section(text, 'backend be_sftp_2223').filter((l) => l.startsWith('server ')),
      [1, 2, 3].map(
        (n) => `server node${n} node${n}:2223 check port 8080 send-proxy-v2 on-marked-down shutdown-sessions`,
      ),
    );
    assert.ok(section(text, 'resolvers docker').includes('nameserver dns 127.0.0.11:53'));
    // A restarted node's new address is taken at once: the old one is not held.
    assert.ok(!section(text, 'resolvers docker').some((l) => l.startsWith('hold obsolete')));
    // REST relays the client's address in X-Forwarded-For, not in a PROXY header.
    assert.deepEqual(
      section(text, 'backend be_admin_8080').filter((l) => l.startsWith('server ')),
      [1, 2, 3].map((n) => `server node${n} node${n}:8080 check`),
    );
  });

  it('the swarm stack fills its servers from the tasks DNS name, with PROXY v2 to their SFTP port', () => {
    const text = readFileSync(join(root, 'deploy/swarm/haproxy.cfg'), 'utf8');
    assert.match(text, /^# Options: target=swarm \(tasks\.gateway, 9 slots\), send-proxy-v2=on\.$/m);
    assert.deepEqual(
      section(text, 'backend be_sftp_2223').filter((l) => l.startsWith('server')),
      [
        'server-template task 9 tasks.gateway:2223 check port 8080 send-proxy-v2 on-marked-down shutdown-sessions resolve-prefer ipv4',
      ],
    );
    // REST relays the client's address in X-Forwarded-For; the nodes trust the stack's lb subnet.
    assert.deepEqual(
      section(text, 'backend be_admin_8080').filter((l) => l.startsWith('server')),
      ['server-template task 9 tasks.gateway:8080 check resolve-prefer ipv4'],
    );
  });
});

describe('HAProxy generator: rules', () => {
  const main = '[database]\nType = mysql\nName = gw\n[admin]\nHost = 10.0.0.1\nPort = 8080\n';

  it('sends PROXY v2 to SFTP nodes only when asked, and the result is valid', () => {
    const dir = cluster({
      'gatewayd.ini': main,
      'a.ini': indirections('10.0.0.1:2223 -> 10.0.0.11:2223', '10.0.0.1:8080 -> 10.0.0.11:8080'),
    });
    const out = join(dir, 'haproxy.cfg');
    const { text } = generateHaproxyConfig({
      configFile: join(dir, 'gatewayd.ini'),
      target: 'host',
      sendProxy: true,
    });
    writeFileSync(out, text);
    assert.ok(
      text.includes('server a 10.0.0.11:2223 check port 8080 send-proxy-v2 on-marked-down shutdown-sessions'),
    );
    assert.ok(text.includes('server a 10.0.0.11:8080 check\n'), 'REST uses X-Forwarded-For, not PROXY');
    assert.equal(haproxyCheck(out).status, 0, haproxyCheck(out).output);
  });

  it('swarm: one server template per backend, filled by DNS with the tasks of the service', () => {
    const dir = cluster({
      'gatewayd.ini': '[database]\nType = mysql\nName = gw\n[admin]\nHost = lb\nPort = 8080\n',
      'node.ini': indirections('lb:22 -> 0.0.0.0:2223', 'lb:8080 -> 0.0.0.0:8081'),
    });
    const out = join(dir, 'haproxy.cfg');
    const { text } = generateHaproxyConfig({
      configFile: join(dir, 'gatewayd.ini'),
      outputFile: out,
      target: 'swarm',
      tasks: { dns: 'tasks.gw', slots: 5 },
      sendProxy: false,
    });
    writeFileSync(out, text);
    assert.deepEqual(
      text.split('\n').filter((l) => /^ {4}server/.test(l)),
      [
        '    server-template task 5 tasks.gw:2223 check port 8081 on-marked-down shutdown-sessions resolve-prefer ipv4',
        '    server-template task 5 tasks.gw:8081 check resolve-prefer ipv4',
      ],
    );
    assert.deepEqual(section(text, 'frontend fe_sftp_22').slice(0, 2), ['mode tcp', 'bind :22']);
    assert.ok(text.includes('resolvers docker\n    nameserver dns 127.0.0.11:53'));
    // A task out of DNS (swarm stops it) keeps its address while it drains: no session cut.
    assert.deepEqual(
      section(text, 'resolvers docker').filter((l) => l.startsWith('hold')),
      ['hold valid 10s', 'hold other 30s', 'hold obsolete 45s'],
    );
    // No address until DNS gives one: libc would give every server the same first task.
    assert.ok(text.includes('init-addr none resolvers docker'));
    assert.ok(text.includes('# Options: target=swarm (tasks.gw, 5 slots), send-proxy-v2=off.'));
    assert.ok(
      text.includes('--target swarm --tasks tasks.gw --slots 5'),
      'the header says how to regenerate',
    );
    assert.equal(haproxyCheck(out).status, 0, haproxyCheck(out).output);

    assert.throws(
      () =>
        generateHaproxyConfig({ configFile: join(dir, 'gatewayd.ini'), target: 'swarm', sendProxy: false }),
      /the swarm target, and only it, needs the tasks DNS name/,
    );
    // Tasks share one configuration: two override files that disagree on a port cannot be one template.
    writeFileSync(join(dir, 'other.ini'), indirections('lb:22 -> 0.0.0.0:2224', 'lb:8080 -> 0.0.0.0:8081'));
    assert.throws(
      () =>
        generateHaproxyConfig({
          configFile: join(dir, 'gatewayd.ini'),
          target: 'swarm',
          tasks: { dns: 'tasks.gw', slots: 5 },
          sendProxy: false,
        }),
      /every task must serve lb:22 on one port, not 2223, 2224/,
    );
  });

  it('gives every public address its frontend, sorts nodes naturally, maps wildcards to node names', () => {
    const dir = cluster({
      'gatewayd.ini': main,
      'node10.ini': indirections('10.0.0.1:2223 -> 0.0.0.0:2223', '10.0.0.1:8080 -> 0.0.0.0:8080'),
      'node2.ini': indirections(
        '10.0.0.1:2223 -> [::]:2223',
        '10.0.0.1:8080 -> 0.0.0.0:8080',
        '10.0.0.1:2224 -> 0.0.0.0:2224',
      ),
    });
    const { text } = generateHaproxyConfig({
      configFile: join(dir, 'gatewayd.ini'),
      target: 'docker',
      sendProxy: false,
    });
    assert.deepEqual(
      section(text, 'backend be_sftp_2223').filter((l) => l.startsWith('server ')),
      [
        'server node2 node2:2223 check port 8080 on-marked-down shutdown-sessions',
        'server node10 node10:2223 check port 8080 on-marked-down shutdown-sessions',
      ],
    );
    assert.deepEqual(
      section(text, 'backend be_sftp_2224').filter((l) => l.startsWith('server ')),
      ['server node2 node2:2224 check port 8080 on-marked-down shutdown-sessions'],
    );
    assert.ok(section(text, 'frontend fe_sftp_2224').includes('bind 10.0.0.1:2224'));
  });

  it('resolves a host-only admin indirection, warns about host-only SFTP lines, honours --skip', () => {
    const dir = cluster({
      'gatewayd.ini': main,
      'n1.ini': indirections(
        '10.0.0.1 -> 10.0.0.11',
        '10.0.0.1:2223 -> 10.0.0.11:2001',
        'partner:22 -> 192.0.2.7:22',
      ),
    });
    const layout = readClusterLayout({ configFile: join(dir, 'gatewayd.ini'), skip: ['PARTNER:22'] });
    assert.deepEqual(
      layout.addresses.map((a) => [a.kind, `${a.host}:${a.port}`, a.nodes.map((n) => `${n.host}:${n.port}`)]),
      [
        ['sftp', '10.0.0.1:2223', ['10.0.0.11:2001']],
        ['admin', '10.0.0.1:8080', ['10.0.0.11:8080']],
      ],
    );
    assert.equal(layout.warnings.length, 1);
    assert.match(layout.warnings[0] ?? '', /"10\.0\.0\.1" has no port/);
  });

  it('uses TCP passthrough with TLS checks for an HTTPS admin API', () => {
    const dir = cluster({
      'gatewayd.ini': `${main}TLSCert = admin.crt\nTLSKey = admin.key\n`,
      'n1.ini': indirections('10.0.0.1:8080 -> 10.0.0.11:8080'),
    });
    const { text } = generateHaproxyConfig({
      configFile: join(dir, 'gatewayd.ini'),
      target: 'host',
      sendProxy: false,
    });
    assert.ok(section(text, 'frontend fe_admin_8080').includes('mode tcp'));
    assert.ok(
      section(text, 'backend be_admin_8080').includes('server n1 10.0.0.11:8080 check check-ssl verify none'),
    );
    // A draining node (404) goes NOLB over TLS as over HTTP, instead of DOWN after three checks.
    assert.ok(section(text, 'backend be_admin_8080').includes('http-check disable-on-404'));
    const out = join(dir, 'haproxy.cfg');
    writeFileSync(out, text);
    assert.equal(haproxyCheck(out).status, 0, haproxyCheck(out).output);
  });

  it('only reads the files: the environment does not change the output', () => {
    const file = join(root, 'deploy/seed/gatewayd.ini');
    const before = generateHaproxyConfig({ configFile: file, target: 'host', sendProxy: false }).text;
    process.env.WAARP_GATEWAY_ADMIN_PORT = '9999';
    try {
      assert.equal(
        generateHaproxyConfig({ configFile: file, target: 'host', sendProxy: false }).text,
        before,
      );
    } finally {
      delete process.env.WAARP_GATEWAY_ADMIN_PORT;
    }
  });

  it('refuses a cluster without override files, and a bad override file, naming the file', () => {
    const lone = cluster({ 'gatewayd.ini': main });
    assert.throws(
      () => readClusterLayout({ configFile: join(lone, 'gatewayd.ini') }),
      (err: unknown) => err instanceof ConfigError && /no node override file/.test(err.message),
    );
    const bad = cluster({ 'gatewayd.ini': main, 'n1.ini': indirections('10.0.0.1:2223 -> 10.0.0.11') });
    assert.throws(
      () => readClusterLayout({ configFile: join(bad, 'gatewayd.ini') }),
      (err: unknown) => err instanceof ConfigError && /n1\.ini:2: .*has a port but/.test(err.message),
    );
    assert.throws(
      () => readClusterLayout({ configFile: join(bad, 'gatewayd.ini'), nodes: ['../etc'] }),
      (err: unknown) => err instanceof ConfigError && /not a valid node name/.test(err.message),
    );
  });

  it('sorts names with numbers as a person would, without a locale', () => {
    assert.deepEqual(['node10', 'node2', 'node1', 'a', 'node02'].sort(naturalCompare), [
      'a',
      'node1',
      'node02',
      'node2',
      'node10',
    ]);
  });
});

describe('HAProxy generator: command line', () => {
  const main = join(root, 'dist/src/haproxy/main.js');

  it('--check passes on the committed files', () => {
    const out = execFileSync(process.execPath, [main, '--check'], { encoding: 'utf8', stdio: 'pipe' });
    assert.equal(out, '');
  });

  it('writes a file, then --check tells when it drifted', () => {
    const dir = makeTempDirSync('haproxy-cli');
    const out = join(dir, 'haproxy.cfg');
    const args = [main, '-c', join(root, 'deploy/seed/gatewayd.ini'), '-o', out];
    execFileSync(process.execPath, args, { stdio: 'pipe' });
    assert.match(readFileSync(out, 'utf8'), /^# Generated by/);
    writeFileSync(out, readFileSync(out, 'utf8') + '# local edit\n');
    const res = spawnSync(process.execPath, [...args, '--check'], { encoding: 'utf8' });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /differs/);
  });

  it('--tasks and --slots go with --target swarm, and --slots is a count', () => {
    const seed = join(root, 'deploy/seed/gatewayd.ini');
    for (const [args, message] of [
      [['--target', 'swarm'], /--tasks and --slots go with --target swarm/],
      [['--tasks', 'tasks.x'], /--tasks and --slots go with --target swarm/],
      [['--target', 'docker', '--slots', '3'], /--tasks and --slots go with --target swarm/],
      [['--target', 'swarm', '--tasks', 'tasks.x', '--slots', '0'], /--slots must be 1\.\.100/],
    ] as const) {
      const res = spawnSync(process.execPath, [main, '-c', seed, ...args], { encoding: 'utf8' });
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, message);
    }
  });

  it('reports a bad option with the usage and exit code 2', () => {
    const res = spawnSync(process.execPath, [main, '--bogus'], { encoding: 'utf8' });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /Usage:/);
  });
});
