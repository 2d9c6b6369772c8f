/**
 * The HAProxy generator: a cluster's gatewayd.ini and <node>.ini files in, haproxy.cfg out.
 * The repository ships two generated files (the compose bundle's and the seed tutorial's); a
 * test fails when either drifts from what this module writes.
 */
import { dirname, relative, resolve } from 'node:path';
import type { LayoutOptions } from './layout.js';
import { readClusterLayout } from './layout.js';
import type { RenderOptions } from './render.js';
import { renderHaproxyConfig } from './render.js';

export interface GenerateOptions
  extends LayoutOptions, Pick<RenderOptions, 'target' | 'sendProxy' | 'tasks'> {
  /** Where the result goes; the header names the inputs relative to it (stable across checkouts). */
  readonly outputFile?: string | undefined;
  /** The command that regenerates the file, for the header. */
  readonly regenerate?: string | undefined;
}

export interface Generated {
  readonly text: string;
  readonly warnings: readonly string[];
}

export function generateHaproxyConfig(options: GenerateOptions): Generated {
  const layout = readClusterLayout(options);
  const base = options.outputFile === undefined ? process.cwd() : dirname(resolve(options.outputFile));
  const rel = (file: string): string => relative(base, file).split('\\').join('/') || '.';
  const text = renderHaproxyConfig(layout, {
    target: options.target,
    tasks: options.tasks,
    sendProxy: options.sendProxy,
    sources: [rel(layout.configFile), ...layout.nodeFiles.map(rel)],
    regenerate: options.regenerate ?? defaultCommand(options),
  });
  return { text, warnings: layout.warnings };
}

function defaultCommand(o: GenerateOptions): string {
  return [
    'node dist/src/haproxy/main.js',
    `-c ${o.configFile}`,
    o.outputFile === undefined ? '' : `-o ${o.outputFile}`,
    o.target === 'host' ? '' : `--target ${o.target}`,
    o.tasks === undefined ? '' : `--tasks ${o.tasks.dns} --slots ${o.tasks.slots}`,
    o.sendProxy ? '--send-proxy' : '',
    o.nodes === undefined ? '' : `--nodes ${o.nodes.join(',')}`,
    ...(o.skip ?? []).map((s) => `--skip ${s}`),
  ]
    .filter((s) => s !== '')
    .join(' ');
}

/** A generated file committed in the repository, with the options that make it. */
export interface Preset {
  readonly name: string;
  /** Relative to the repository root. */
  readonly configFile: string;
  readonly outputFile: string;
  readonly target: RenderOptions['target'];
  readonly tasks?: RenderOptions['tasks'];
  readonly sendProxy: boolean;
}

/**
 * The compose bundle sends PROXY v2 to its nodes (they trust HAProxy's fixed address and its
 * SFTP server expects the header, see compose.yaml and deploy/compose/demo.json). The seed's
 * one-machine layout does not: there HAProxy's address is 127.0.0.1, which every local process
 * has too. See docs/cluster.md.
 */
export const presets: readonly Preset[] = [
  {
    name: 'compose bundle',
    configFile: 'deploy/compose/gatewayd.ini',
    outputFile: 'haproxy/haproxy.cfg',
    target: 'docker',
    sendProxy: true,
  },
  {
    // One replicated service: its tasks are found through swarm's DNS (tasks.gateway resolves
    // to every task of the stack's service "gateway"), up to 9 at once.
    name: 'swarm stack',
    configFile: 'deploy/swarm/gatewayd.ini',
    outputFile: 'deploy/swarm/haproxy.cfg',
    target: 'swarm',
    tasks: { dns: 'tasks.gateway', slots: 9 },
    sendProxy: false,
  },
  {
    name: 'seed tutorial (one machine)',
    configFile: 'deploy/seed/gatewayd.ini',
    outputFile: 'deploy/seed/haproxy.cfg',
    target: 'host',
    sendProxy: false,
  },
];

/** Generates a preset's file from the repository at `root`. */
export function generatePreset(root: string, preset: Preset): Generated {
  return generateHaproxyConfig({
    configFile: resolve(root, preset.configFile),
    outputFile: resolve(root, preset.outputFile),
    target: preset.target,
    tasks: preset.tasks,
    sendProxy: preset.sendProxy,
    regenerate: 'npm run haproxy:generate',
  });
}
