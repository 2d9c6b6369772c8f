/**
 * The Kubernetes manifests (deploy/kubernetes): rendered offline with `kubectl kustomize`,
 * validated against the Kubernetes API schemas (unknown fields included), and checked against
 * the gateway itself: the pod's configuration is rebuilt from the rendered objects (the init
 * container's own shell command runs, with the ConfigMaps and Secret as files) and loaded by the
 * daemon's configuration code, so a renamed setting, variable or secret key fails here. No
 * cluster is needed; kubectl must be installed (deploy/kubernetes/install-kubectl.sh).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { splitHostPort } from '../../../src/config/address.js';
import { loadConfig } from '../../../src/config/load.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import { openApiDocument } from '../../../src/admin/openapi.js';
import { readImportFile } from '../../../src/daemon/import.js';
import { repoRoot } from '../../support/compose.js';
import { makeTempDirSync } from '../../support/tmp.js';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { K8sObject } from './validate.js';
import { label, render, requireKubectl, schemaProblems, strictFieldProblems } from './validate.js';

const base = join(repoRoot, 'deploy/kubernetes/base');
const overlay = join(repoRoot, 'deploy/kubernetes/overlays/example');

/** The rendered objects, typed by the Kubernetes API (kubernetes-models). */
interface Kinds {
  StatefulSet: IStatefulSet;
  Service: IService;
  PersistentVolumeClaim: IPersistentVolumeClaim;
  PodDisruptionBudget: IPodDisruptionBudget;
  NetworkPolicy: INetworkPolicy;
  ConfigMap: IConfigMap;
  Secret: ISecret;
}

function all<K extends keyof Kinds>(objects: readonly K8sObject[], kind: K): Kinds[K][] {
  return objects.filter((o) => o.kind === kind) as unknown as Kinds[K][];
}

function find<K extends keyof Kinds>(objects: readonly K8sObject[], kind: K, name?: string): Kinds[K] {
  const found = all(objects, kind).filter((o) => name === undefined || o.metadata?.name === name);
  assert.equal(found.length, 1, `${kind} ${name ?? ''}: ${found.length} rendered`);
  return found[0]!;
}

function podSpec(sts: IStatefulSet): IPodSpec {
  const spec = sts.spec?.template.spec;
  assert.ok(spec, 'the StatefulSet has a pod template');
  return spec;
}

/** A ConfigMap or Secret referenced by its generator name (kustomize adds a hash suffix). */
function generated(
  objects: readonly K8sObject[],
  kind: 'ConfigMap' | 'Secret',
  ref: string | undefined,
): Record<string, string> {
  const data = find(objects, kind, ref).data ?? {};
  if (kind === 'Secret') {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  }
  return data;
}

/**
 * The gateway container's view of one pod: its environment, its mounted files (in a temp
 * folder standing for `/`), after running the init container's command there.
 */
interface Pod {
  readonly name: string;
  readonly root: string;
  readonly env: Record<string, string>;
  readonly gateway: IContainer;
  readonly init: IContainer;
  readonly entrypointCalls: string[][];
  /** A path of the container, in the temp folder. */
  at(path: string): string;
}

function simulatePod(objects: readonly K8sObject[], podName: string): Pod {
  const spec = podSpec(find(objects, 'StatefulSet'));
  const gateway = spec.containers.find((c) => c.name === 'gateway');
  assert.ok(gateway, 'no container "gateway"');
  const inits = spec.initContainers ?? [];
  assert.equal(inits.length, 1, 'one init container prepares the configuration and imports');
  const init = inits[0]!;
  const root = makeTempDirSync('k8s-pod');
  const at = (path: string): string => join(root, path);

  // Volumes, as files.
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  for (const v of volumes.values()) {
    const dir = join(root, 'volumes', v.name);
    mkdirSync(dir, { recursive: true });
    const files = v.configMap
      ? generated(objects, 'ConfigMap', v.configMap.name)
      : v.secret
        ? generated(objects, 'Secret', v.secret.secretName)
        : {};
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  }
  const mountAll = (c: IContainer): void => {
    for (const m of c.volumeMounts ?? []) {
      assert.ok(volumes.has(m.name), `${c.name} mounts the unknown volume ${m.name}`);
      const target = at(m.mountPath);
      mkdirSync(dirname(target), { recursive: true });
      spawnSync('ln', ['-sfn', join(root, 'volumes', m.name), target]);
    }
  };

  const envOf = (c: IContainer): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      assert.ok(from.configMapRef, `${c.name}: only configMapRef is expected in envFrom`);
      Object.assign(env, generated(objects, 'ConfigMap', from.configMapRef.name));
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
      else assert.fail(`${c.name}: ${e.name} comes from ${JSON.stringify(e.valueFrom)}`);
    }
    return env;
  };

  // The init container's command, as written, with its mount paths moved into the temp folder
  // and a stand-in for the image's entrypoint that records how it was called.
  mountAll(init);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const calls = join(root, 'entrypoint-calls');
  writeFileSync(
    join(bin, 'waarp-gateway-entrypoint'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(calls)}\n`,
  );
  chmodSync(join(bin, 'waarp-gateway-entrypoint'), 0o755);
  const command = [...(init.command ?? []), ...(init.args ?? [])];
  assert.deepEqual(command.slice(0, 2), ['sh', '-c'], 'the init container runs a shell command');
  // One pass, longest path first: a replaced path must not be replaced again.
  const mounts = [...(init.volumeMounts ?? [])].map((m) => m.mountPath).sort((a, b) => b.length - a.length);
  const pattern = new RegExp(mounts.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const script = command[2]!.replace(pattern, (m) => at(m));
  const res = spawnSync('sh', ['-c', script], {
    env: { ...envOf(init), PATH: `${bin}:/usr/bin:/bin` },
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, `the init container's command failed: ${res.stderr}`);
  const entrypointCalls = existsSync(calls)
    ? readFileSync(calls, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ').map((a) => a.split(root).join('')))
    : [];

  mountAll(gateway);
  return { name: podName, root, env: envOf(gateway), gateway, init, entrypointCalls, at };
}

/** The pod's configuration as `waarp-gatewayd server` loads it (the image's default -c). */
function podConfig(pod: Pod): { config: GatewayConfig; warnings: string[] } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(pod.env)) env[k] = k.endsWith('_FILE') ? pod.at(v) : v;
  return loadConfig({ file: pod.at('/etc/waarp-gateway/gatewayd.ini'), env });
}

const portOf = (c: IContainer, name: string): number => {
  const p = c.ports?.find((x) => x.name === name);
  assert.ok(p, `${c.name} has no port named ${name}`);
  return p.containerPort;
};

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  requireKubectl();
  const rendered = { base: render(base), overlay: render(overlay) };

  it('base and example overlay: every object is valid for the Kubernetes API, no unknown field', () => {
    // One compilation for both (it is the slow part).
    const objects = [...rendered.base, ...rendered.overlay];
    assert.deepEqual(schemaProblems(objects), []);
    assert.deepEqual(strictFieldProblems(objects), []);
  });

  it('the strict check names an unknown field, and a wrong type, with its path', () => {
    const sts = find(rendered.overlay, 'StatefulSet');
    const typo = structuredClone(sts);
    const c = podSpec(typo).containers[0]!;
    Object.assign(c, { readinesProbe: c.readinessProbe });
    // TypeScript reports the first problem of each object: one object per problem.
    const wrongType = structuredClone(sts);
    Object.assign(podSpec(wrongType).containers[0]!.ports![0]!, { containerPort: '2223' });
    assert.deepEqual(strictFieldProblems([typo, wrongType] as unknown as K8sObject[]), [
      `StatefulSet/waarp-gateway spec.template.spec.containers[0].readinesProbe: Object literal may only specify known properties, and '"readinesProbe"' does not exist in type 'IContainer'.`,
      "StatefulSet/waarp-gateway spec.template.spec.containers[0].ports[0].containerPort: Type 'string' is not assignable to type 'number'.",
    ]);
    const service = structuredClone(find(rendered.overlay, 'Service', 'waarp-gateway-sftp'));
    Object.assign(service.spec!.ports![0]!, { port: 'twenty-two' });
    assert.equal(schemaProblems([service as unknown as K8sObject]).length, 1);
  });

  it('the example overlay sets every object in one namespace, with the chosen image', () => {
    const images = new Set<string>();
    for (const o of rendered.overlay) {
      if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'waarp-gateway', label(o));
      assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'waarp-gateway', label(o));
    }
    const spec = podSpec(find(rendered.overlay, 'StatefulSet'));
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) images.add(c.image ?? '');
    assert.deepEqual([...images], ['registry.example.org/waarp/waarp-gateway:0.1.0']);
  });

  describe('the gateway in a pod of the example overlay', () => {
    const objects = rendered.overlay;
    const sts = find(objects, 'StatefulSet');
    const spec = podSpec(sts);
    const pod = simulatePod(objects, `${sts.metadata?.name}-0`);
    const { config, warnings } = podConfig(pod);

    it('loads its configuration without a warning: every variable, key and secret file is known', () => {
      assert.deepEqual(warnings, []);
      assert.equal(config.instance, 'waarp-gateway-0', 'the node name is the pod name');
      assert.equal(config.database.type, 'mysql');
      assert.equal(config.database.address, 'mariadb.database.svc.cluster.local:3306');
      assert.equal(config.database.password, 'change-me-database-password', 'from the Secret, as a file');
      assert.deepEqual(config.admin.trustedProxies, ['10.244.0.0/16']);
      const admin = pod.env.WAARP_GATEWAY_ADMIN_PASSWORD_FILE;
      assert.ok(admin !== undefined && existsSync(pod.at(admin)), `the admin password file ${admin}`);
      assert.equal(readFileSync(pod.at(admin), 'utf8'), 'change-me-first-admin-password');
      assert.ok(!Object.keys(pod.env).some((k) => /PASSWORD$/.test(k)), 'no password in the environment');
    });

    it('the init container copies the configuration under the pod name and imports objects.json', () => {
      assert.deepEqual(pod.entrypointCalls, [['import', '-s', '/config/objects.json']]);
      const mount = pod.init.volumeMounts?.find((m) => m.mountPath === '/config');
      assert.ok(mount, 'objects.json comes from a mounted volume');
      const objectsFile = readImportFile(pod.at('/config/objects.json'), {}).file;
      assert.equal(objectsFile.servers.length, 1);
      const home = pod.gateway.volumeMounts?.find((m) => m.mountPath === config.paths.gatewayHome);
      assert.ok(home, `GatewayHome ${config.paths.gatewayHome} is not mounted`);
      const claim = spec.volumes?.find((v) => v.name === home.name)?.persistentVolumeClaim?.claimName;
      const pvc = find(objects, 'PersistentVolumeClaim', claim);
      assert.deepEqual(pvc.spec?.accessModes, ['ReadWriteMany'], 'every pod mounts GatewayHome');
      assert.ok(
        config.database.aesPassphrase.startsWith(config.paths.gatewayHome + '/'),
        'the AES key is on the shared claim',
      );
    });

    it('the Services, ports and indirections agree with the configuration', () => {
      const server = readImportFile(pod.at('/config/objects.json'), {}).file.servers[0]!.server;
      const sftpPublic = splitHostPort(server.address)!;
      const sftpService = find(objects, 'Service', sftpPublic.host).spec!;
      assert.equal(sftpService.type, 'LoadBalancer');
      assert.equal(sftpService.externalTrafficPolicy, 'Local', "the client's own address reaches the node");
      assert.deepEqual(
        sftpService.ports?.map((p) => [p.port, p.targetPort]),
        [[Number(sftpPublic.port), 'sftp']],
      );
      assert.equal(config.indirection.resolve(server.address), `0.0.0.0:${portOf(pod.gateway, 'sftp')}`);

      const apiService = find(objects, 'Service', config.admin.host).spec!;
      assert.equal(apiService.type, 'ClusterIP');
      assert.deepEqual(
        apiService.ports?.map((p) => [p.port, p.targetPort]),
        [[config.admin.port, 'admin']],
      );
      const adminAddress = `${config.admin.host}:${config.admin.port}`;
      assert.equal(config.indirection.resolve(adminAddress), `0.0.0.0:${portOf(pod.gateway, 'admin')}`);
      for (const svc of all(objects, 'Service')) {
        for (const [k, v] of Object.entries(svc.spec?.selector ?? {}))
          assert.equal(sts.spec?.template.metadata?.labels?.[k], v, `${svc.metadata?.name} selects the pods`);
      }
    });

    it('probes the paths the admin API serves, and the drain fits in the grace period', () => {
      const paths = Object.keys(openApiDocument('test').paths as Record<string, unknown>);
      const c = pod.gateway;
      const probe = (p: IContainer['readinessProbe']): unknown[] => [p?.httpGet?.path, p?.httpGet?.port];
      assert.deepEqual(probe(c.readinessProbe), ['/readyz', 'admin']);
      assert.deepEqual(probe(c.livenessProbe), ['/healthz', 'admin']);
      for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe])
        assert.ok(
          paths.includes(p?.httpGet?.path ?? ''),
          `${p?.httpGet?.path} is not in the OpenAPI document`,
        );
      const [sleep, seconds] = c.lifecycle?.preStop?.exec?.command ?? [];
      assert.equal(sleep, 'sleep');
      const grace = spec.terminationGracePeriodSeconds ?? 30;
      const needed = Number(seconds) + config.cluster.drainGraceMs / 1000 + 10;
      assert.ok(
        grace >= needed,
        `terminationGracePeriodSeconds ${grace} < preStop ${seconds} s + DrainGrace + 10 s`,
      );
    });

    it('runs as the image user, read-only, with requests; policies name real ports', () => {
      const uid = /ARG WAARP_UID=(\d+)/.exec(readFileSync(join(repoRoot, 'deploy/Dockerfile'), 'utf8'))?.[1];
      assert.equal(String(spec.securityContext?.runAsUser), uid);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, c.name);
        assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${c.name} requests`);
      }
      const mounted = new Set((pod.gateway.volumeMounts ?? []).map((m) => m.mountPath));
      assert.ok(mounted.has('/tmp'), 'a writable /tmp');
      const names = new Set((pod.gateway.ports ?? []).map((p) => p.name));
      for (const np of all(objects, 'NetworkPolicy')) {
        for (const rule of np.spec?.ingress ?? [])
          for (const p of rule.ports ?? [])
            assert.ok(names.has(String(p.port)), `${np.metadata?.name}: port ${p.port} is not the gateway's`);
      }
      const pdb = find(objects, 'PodDisruptionBudget').spec;
      assert.equal(pdb?.maxUnavailable, 1);
      assert.deepEqual(pdb?.selector?.matchLabels, sts.spec?.selector.matchLabels);
    });
  });
});
