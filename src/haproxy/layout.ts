/**
 * Reads a cluster's configuration files into what a load balancer needs: for each public address
 * (the one declared in the database or `[admin]`, that every node rewrites in its `<node>.ini`),
 * the real address of every node. The INI files are read by src/config, never re-parsed here.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { addressKey, joinHostPort, splitHostPort } from '../config/address.js';
import { ConfigError } from '../config/errors.js';
import { checkInstanceName } from '../config/instance.js';
import { loadConfig } from '../config/load.js';
import { overrideFilePath, parseOverrideFile } from '../config/override.js';
import type { AddressIndirection } from '../config/types.js';

export interface NodeAddress {
  /** The node name (`-i`), also its server name in HAProxy. */
  readonly node: string;
  readonly host: string;
  readonly port: number;
}

export interface PublicAddress {
  /** `admin`: the REST API of `[admin] Host:Port`; `sftp`: any other indirected address. */
  readonly kind: 'admin' | 'sftp';
  readonly host: string;
  readonly port: number;
  /** The nodes serving it, sorted by name. */
  readonly nodes: readonly NodeAddress[];
}

export interface ClusterLayout {
  readonly configFile: string;
  /** The override files read, sorted by node name. */
  readonly nodeFiles: readonly string[];
  /** The admin API is HTTPS (`[admin] TLSCert`): the LB cannot speak HTTP to it. */
  readonly adminTls: boolean;
  /** Sorted by port, then host. */
  readonly addresses: readonly PublicAddress[];
  /** Things the operator should know (indirections that give no frontend). */
  readonly warnings: readonly string[];
}

export interface LayoutOptions {
  /** The main configuration file. */
  readonly configFile: string;
  /** Node names; default: every `<name>.ini` beside the main configuration. */
  readonly nodes?: readonly string[] | undefined;
  /** Indirected addresses that are not ours (outbound dials to partners), left out. */
  readonly skip?: readonly string[] | undefined;
}

/** Hosts meaning "every interface": the node listens there, the LB reaches it by its name. */
const wildcardHosts = new Set(['0.0.0.0', '::']);

/** Reads the configuration and the node override files; throws a ConfigError on a bad file. */
export function readClusterLayout(options: LayoutOptions): ClusterLayout {
  const configFile = resolve(options.configFile);
  // env {}: the generated file must describe the files, whatever the caller's environment holds.
  // Addresses only: the files the nodes need are checked by the nodes, on their own machines.
  const { config } = loadConfig({ file: configFile, env: {}, checkFiles: false });
  const names = options.nodes ?? discoverNodes(configFile);
  if (names.length === 0) {
    throw new ConfigError([
      {
        file: options.configFile,
        message: 'no node override file (<node>.ini) beside it: nothing to balance',
      },
    ]);
  }
  for (const name of names) {
    const bad = checkInstanceName(name);
    if (bad !== undefined) throw new ConfigError([{ file: '--nodes', message: bad }]);
  }
  const nodes = [...new Set(names)].sort(naturalCompare).map((node) => {
    const file = overrideFilePath(dirname(configFile), node);
    return { node, file, indirection: parseOverrideFile(file) };
  });

  const skip = new Set((options.skip ?? []).map(keyOf));
  const warnings: string[] = [];
  const admin = { host: config.admin.host, port: config.admin.port };
  const adminKey = addressKey({ host: admin.host, port: String(admin.port) });

  // Every port-bearing target of any node, plus the admin address (which a host-only line may cover).
  const publics = new Map<string, { host: string; port: number }>([[adminKey, admin]]);
  for (const { file, indirection } of nodes) {
    for (const target of indirection.entries().keys()) {
      const t = splitHostPort(target);
      if (t === undefined) continue; // already checked by parseOverrideFile
      if (t.port === undefined) {
        warnings.push(
          `${basename(file)}: "${target}" has no port: no frontend for it (only [admin] uses host-only lines)`,
        );
        continue;
      }
      const key = keyOf(target);
      if (!publics.has(key)) publics.set(key, { host: t.host, port: Number(t.port) });
    }
  }

  const addresses: PublicAddress[] = [];
  for (const [key, pub] of publics) {
    if (skip.has(key)) continue;
    const serving = nodes.flatMap(({ node, indirection }) => realAddress(node, indirection, pub));
    const kind = key === adminKey ? 'admin' : 'sftp';
    if (serving.length === 0) {
      if (kind === 'sftp') continue; // impossible: it came from a node's file
      warnings.push(
        `no node rewrites the admin address ${joinHostPort(pub.host, pub.port)}: no admin frontend`,
      );
      continue;
    }
    addresses.push({ kind, host: pub.host, port: pub.port, nodes: serving });
  }
  addresses.sort((a, b) => a.port - b.port || naturalCompare(a.host, b.host));

  return {
    configFile,
    nodeFiles: nodes.map((n) => n.file),
    adminTls: config.admin.tlsCert !== undefined,
    addresses,
    warnings,
  };
}

/** Where `node` really listens for the public address, or nothing when it does not rewrite it. */
function realAddress(
  node: string,
  indirection: AddressIndirection,
  pub: { host: string; port: number },
): NodeAddress[] {
  const address = joinHostPort(pub.host, pub.port);
  const real = indirection.resolve(address);
  if (keyOf(real) === keyOf(address)) return []; // it would listen on the LB's own address
  const r = splitHostPort(real);
  if (r === undefined || r.port === undefined) return [];
  const host = wildcardHosts.has(r.host) ? node : r.host;
  return [{ node, host, port: Number(r.port) }];
}

/** Every `<name>.ini` beside the main configuration whose name can be a node name. */
function discoverNodes(configFile: string): string[] {
  const dir = dirname(configFile);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ini') && join(dir, f) !== configFile)
    .map((f) => f.slice(0, -'.ini'.length))
    .filter((name) => checkInstanceName(name) === undefined);
}

function keyOf(address: string): string {
  const a = splitHostPort(address);
  if (a === undefined) throw new ConfigError([{ file: '--skip', message: `"${address}" is not host:port` }]);
  return addressKey(a);
}

/** `node2` before `node10`; plain code-unit order otherwise, so the output never depends on a locale. */
export function naturalCompare(a: string, b: string): number {
  const split = (s: string): string[] => s.match(/\d+|\D+/g) ?? [];
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
