#!/usr/bin/env node
/**
 * `node dist/src/haproxy/main.js -c gatewayd.ini -o haproxy.cfg [options]`: writes the HAProxy
 * configuration of a cluster from its gateway configuration files. Without -c, regenerates the
 * repository's own files (the compose bundle's haproxy/haproxy.cfg and deploy/seed/haproxy.cfg).
 * `--check` writes nothing and exits 1 when a file differs from what would be written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.js';
import type { Generated } from './generate.js';
import { generateHaproxyConfig, generatePreset, presets } from './generate.js';

const usage = `Usage: node dist/src/haproxy/main.js [-c gatewayd.ini [-o haproxy.cfg]] [options]

Writes haproxy.cfg for a gateway cluster: one frontend per public address that the nodes'
<node>.ini files rewrite (TCP for SFTP, HTTP for [admin]), one server per node.
Without -c: regenerates haproxy/haproxy.cfg and deploy/seed/haproxy.cfg of this repository.

Options:
  -c, --config FILE     the main configuration; override files are read beside it
  -o, --output FILE     where to write (default: standard output)
      --nodes A,B,C     node names (default: every NAME.ini beside the configuration)
      --skip HOST:PORT  an indirected address that is not ours (an outbound partner); repeatable
      --target T        host (default: nodes at the addresses written), docker (compose services)
                        or swarm (the tasks of one service; needs --tasks)
      --tasks NAME      swarm: the DNS name of every task (tasks.<service>)
      --slots N         swarm: servers per backend, the most tasks at once (default: 9)
      --send-proxy      send PROXY v2 to the SFTP nodes (only if they accept it)
      --check           write nothing; exit 1 if the output file differs
  -h, --help            show this help`;

interface Job {
  readonly output: string | undefined;
  readonly generated: Generated;
}

function jobs(argv: string[]): { jobs: Job[]; check: boolean } | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      output: { type: 'string', short: 'o' },
      nodes: { type: 'string' },
      skip: { type: 'string', multiple: true },
      target: { type: 'string' },
      tasks: { type: 'string' },
      slots: { type: 'string' },
      'send-proxy': { type: 'boolean' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return undefined;
  const check = values.check === true;
  if (values.config === undefined) {
    const extra = ['output', 'nodes', 'skip', 'target', 'tasks', 'slots', 'send-proxy'].filter(
      (k) => k in values,
    );
    if (extra.length > 0) throw new UsageError(`--${extra[0]} needs -c FILE`);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    return {
      check,
      jobs: presets.map((p) => ({ output: `${root}${p.outputFile}`, generated: generatePreset(root, p) })),
    };
  }
  const target = values.target ?? 'host';
  if (target !== 'host' && target !== 'docker' && target !== 'swarm')
    throw new UsageError(`--target must be host, docker or swarm`);
  if (
    (target === 'swarm') !== (values.tasks !== undefined) ||
    (values.slots !== undefined && target !== 'swarm')
  )
    throw new UsageError('--tasks and --slots go with --target swarm');
  const slots = Number(values.slots ?? '9');
  if (!Number.isInteger(slots) || slots < 1 || slots > 100) throw new UsageError('--slots must be 1..100');
  if (check && values.output === undefined) throw new UsageError('--check needs -o FILE');
  const generated = generateHaproxyConfig({
    configFile: values.config,
    outputFile: values.output,
    nodes: values.nodes?.split(',').map((s) => s.trim()),
    skip: values.skip,
    target,
    tasks: values.tasks === undefined ? undefined : { dns: values.tasks, slots },
    sendProxy: values['send-proxy'] === true,
  });
  return { check, jobs: [{ output: values.output, generated }] };
}

class UsageError extends Error {}

function run(argv: string[]): number {
  const plan = jobs(argv);
  if (plan === undefined) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  let status = 0;
  for (const { output, generated } of plan.jobs) {
    for (const w of generated.warnings) process.stderr.write(`warning: ${w}\n`);
    if (output === undefined) {
      process.stdout.write(generated.text);
      continue;
    }
    let current: string | undefined;
    try {
      current = readFileSync(output, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === generated.text) {
      process.stderr.write(`${output}: up to date\n`);
    } else if (plan.check) {
      process.stderr.write(`${output}: differs from the generator's output (run npm run haproxy:generate)\n`);
      status = 1;
    } else {
      writeFileSync(output, generated.text);
      process.stderr.write(`${output}: written\n`);
    }
  }
  return status;
}

try {
  process.exitCode = run(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`haproxy generator: invalid gateway configuration:\n${err.message}\n`);
  } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`haproxy generator: ${(err as Error).message}\n\n${usage}\n`);
  } else {
    process.stderr.write(`haproxy generator: ${(err as Error).message}\n`);
  }
  process.exitCode = 2;
}
