/**
 * The Docker Swarm stack file (deploy/swarm/stack.yml) against the gateway and the generated
 * HAProxy configuration, without Docker: a task's configuration is rebuilt from the stack's
 * configs, mounts, secrets and environment (with `{{.Task.Slot}}` expanded as swarm does) and
 * loaded by the daemon's own loader. The live tier (`npm run test:swarm`) deploys it for real.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { splitHostPort } from '../../../src/config/address.js';
import { loadConfig } from '../../../src/config/load.js';
import { readImportFile } from '../../../src/daemon/import.js';
import { presets } from '../../../src/haproxy/generate.js';
import { swarmHoldObsolete } from '../../../src/haproxy/render.js';
import { repoRoot } from '../../support/compose.js';
import { makeTempDirSync } from '../../support/tmp.js';

const dir = join(repoRoot, 'deploy/swarm');

/** What this test reads of a compose-format stack file. */
interface StackService {
  hostname?: string;
  environment?: Record<string, string>;
  configs?: { source: string; target: string }[];
  secrets?: string[];
  volumes?: (string | { type: string; source: string; target: string })[];
  ports?: { target: number; mode?: string }[];
  depends_on?: unknown;
  stop_grace_period?: string;
  deploy?: { endpoint_mode?: string; mode?: string; replicas?: number };
}

interface StackFile {
  version: string;
  name?: string;
  services: Record<string, StackService>;
  configs: Record<string, { file: string }>;
  secrets: Record<string, unknown>;
}

/** `${VAR:-default}` as the stack loader substitutes it with an empty environment. */
const defaults = (text: string): string => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

const stackText = readFileSync(join(dir, 'stack.yml'), 'utf8');
const stack = parse(defaults(stackText)) as StackFile;
const gateway = stack.services.gateway!;
const haproxy = stack.services.haproxy!;
const preset = presets.find((p) => p.target === 'swarm');

/** Swarm's templating of a task in slot `slot`. */
const expand = (text: string, slot: number): string => text.split('{{.Task.Slot}}').join(String(slot));

/** The files and environment of the gateway task in `slot`, under a temp folder standing for `/`. */
function task(slot: number): { root: string; env: Record<string, string> } {
  const root = makeTempDirSync('swarm-task');
  const put = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  for (const c of gateway.configs ?? []) {
    put(c.target, readFileSync(join(dir, stack.configs[c.source]!.file), 'utf8'));
  }
  for (const v of gateway.volumes ?? []) {
    if (typeof v === 'object' && v.type === 'bind') {
      put(expand(v.target, slot), readFileSync(join(dir, v.source), 'utf8'));
    }
  }
  for (const name of gateway.secrets ?? []) {
    assert.ok(stack.secrets[name], `secret ${name} is not declared`);
    put(`/run/secrets/${name}`, `value of ${name}`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(gateway.environment ?? {})) {
    const value = expand(v, slot);
    env[k] = k.endsWith('_FILE') ? join(root, value) : value;
  }
  return { root, env };
}

describe('Swarm stack file (deploy/swarm/stack.yml)', () => {
  it('keeps to what the 20.10 stack loader accepts: version, no conditions, DNS round robin', () => {
    assert.match(stack.version, /^3\.\d+$/);
    assert.equal(stack.name, undefined, 'no top-level name');
    for (const [name, svc] of Object.entries(stack.services)) {
      assert.equal(svc.depends_on, undefined, `${name}: depends_on`);
      assert.equal(svc.deploy?.endpoint_mode, 'dnsrr', `${name}: no virtual IP (no IPVS here)`);
      assert.notEqual(svc.deploy?.mode, 'replicated-job', `${name}: no one-shot job`);
    }
    for (const p of haproxy.ports ?? []) assert.equal(p.mode, 'host', 'no routing mesh');
  });

  it('a task loads its configuration without a warning, named after its slot', () => {
    const { root, env } = task(3);
    const { config, warnings } = loadConfig({ file: join(root, '/etc/waarp-gateway/gatewayd.ini'), env });
    assert.deepEqual(warnings, []);
    assert.equal(config.instance, 'node3');
    assert.equal(config.database.password, 'value of db-password', 'from the secret file');
    assert.equal(expand(gateway.hostname ?? '', 3), 'node3');
    // Its address indirection: the public addresses become every interface of the task.
    const server = readImportFile(join(root, '/etc/waarp-gateway/objects.json'), {}).file.servers[0]!.server;
    const admin = `${config.admin.host}:${config.admin.port}`;
    for (const address of [server.address, admin]) {
      const { host, port } = splitHostPort(address)!;
      assert.equal(host, 'haproxy', `${address} is the load balancer's service`);
      assert.equal(config.indirection.resolve(address), `0.0.0.0:${port}`);
      assert.ok(
        haproxy.ports?.some((p) => p.target === Number(port)),
        `HAProxy publishes ${port}`,
      );
    }
    // MariaDB reads the same secret as the nodes.
    const db = stack.services.mysql?.environment ?? {};
    assert.equal(db.MARIADB_PASSWORD_FILE, env.WAARP_GATEWAY_DB_PASSWORD_FILE!.slice(root.length));
    assert.deepEqual(splitHostPort(config.database.address), { host: 'mysql', port: '3306' });
    const grace = /^(\d+)s$/.exec(gateway.stop_grace_period ?? '')?.[1];
    assert.ok(Number(grace) * 1000 > config.cluster.drainGraceMs + 10_000, 'stop grace covers the drain');
    // HAProxy keeps a task's address out of DNS as long as the task may take to stop.
    assert.equal(gateway.stop_grace_period, swarmHoldObsolete, 'hold obsolete = stop grace');
  });

  it("HAProxy's generated configuration is the swarm preset's, and finds this service's tasks", () => {
    assert.ok(preset?.tasks, 'a swarm preset');
    assert.equal(stack.configs['haproxy-cfg']?.file, './haproxy.cfg');
    assert.equal(join(repoRoot, preset.outputFile), join(dir, 'haproxy.cfg'));
    assert.equal(preset.tasks.dns, 'tasks.gateway', 'tasks.<the service name>');
    assert.ok(Number(gateway.deploy?.replicas) <= preset.tasks.slots, 'replicas within the slots');
    const cfg = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
    const binds = [...cfg.matchAll(/^ {4}bind :(\d+)$/gm)].map((m) => Number(m[1]));
    const published = haproxy.ports?.map((p) => p.target);
    assert.deepEqual(
      binds.filter((b) => b !== 8404),
      published,
      'every frontend is published (the stats page stays inside)',
    );
  });
});
