/**
 * The command tree: groups (`server`, `account local <server>`) lead to leaves (`add`, `get`…).
 * Each leaf declares its node:util parseArgs options and its positional arguments; the walker
 * matches the words, parses the rest strictly and hands the leaf typed values.
 */
import { parseArgs } from 'node:util';
import type { ApiClient } from './client.js';
import { usageError } from './exit-codes.js';
import type { Output } from './output.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in help: `-n, --name NAME  doc`. */
  arg?: string;
  doc: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Invocation {
  /** Group parameters (`<server>`) and positional arguments, by name. */
  readonly params: Record<string, string>;
  readonly values: OptionValues;
  readonly out: Output;
  /** The API client (created on first use: `version` and `--help` need no server). */
  client(): ApiClient;
}

export interface Leaf {
  readonly kind: 'leaf';
  readonly name: string;
  readonly summary: string;
  /** Positional arguments; a trailing `?` makes one optional. */
  readonly args?: readonly string[];
  readonly options?: Record<string, OptionSpec>;
  run(inv: Invocation): Promise<void>;
}

export interface Group {
  readonly kind: 'group';
  readonly name: string;
  readonly summary: string;
  /** A parameter the group takes before its sub-command, e.g. `server` in `account local <server>`. */
  readonly param?: string;
  readonly children: readonly (Group | Leaf)[];
}

export const leaf = (l: Omit<Leaf, 'kind'>): Leaf => ({ kind: 'leaf', ...l });
export const group = (g: Omit<Group, 'kind'>): Group => ({ kind: 'group', ...g });

const formatOption: OptionSpec = { type: 'string', arg: 'human|json', doc: 'output format (default human)' };
const helpOption: OptionSpec = { type: 'boolean', short: 'h', doc: 'show this help' };

/** Help lines end by this column where the words allow. */
const helpWidth = 100;

/** `text` after `head`, wrapped at `helpWidth`, the next lines under its first word. */
function wrapped(head: string, text: string): string {
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    if (line.length > head.length && line.length + 1 + word.length > helpWidth) {
      lines.push(line);
      line = ' '.repeat(head.length);
    }
    line += ` ${word}`;
  }
  return [...lines, line].join('\n');
}

function optionLine(name: string, o: OptionSpec): string {
  const flags =
    (o.short === undefined ? '    ' : `-${o.short}, `) +
    `--${name}` +
    (o.arg === undefined ? '' : ` ${o.arg}`);
  return wrapped(`  ${flags.padEnd(38)}`, `${o.doc}${o.multiple === true ? ' (repeatable)' : ''}`);
}

export function helpText(path: string[], node: Group | Leaf): string {
  if (node.kind === 'group') {
    // `path` ends with the parameter once it was given (`account local <server> -h`).
    const param = node.param === undefined || path.at(-1) === `<${node.param}>` ? '' : ` <${node.param}>`;
    const lines = [`usage: ${path.join(' ')}${param} COMMAND`, '', node.summary, '', 'commands:'];
    for (const c of node.children) lines.push(`  ${c.name.padEnd(14)} ${c.summary}`);
    return lines.join('\n');
  }
  const args = (node.args ?? []).map((a) =>
    a.endsWith('?') ? `[${a.slice(0, -1).toUpperCase()}]` : a.toUpperCase(),
  );
  const lines = [`usage: ${[...path, ...args].join(' ')} [options]`, '', node.summary, '', 'options:'];
  for (const [name, o] of Object.entries({ ...node.options, format: formatOption, help: helpOption })) {
    lines.push(optionLine(name, o));
  }
  return lines.join('\n');
}

export type Resolved =
  | { kind: 'help'; text: string }
  | { kind: 'run'; leaf: Leaf; params: Record<string, string>; values: OptionValues };

/** Walks `argv` down the tree from `root`. */
export function resolve(root: Group, argv: readonly string[], rootPath: string[]): Resolved {
  const params: Record<string, string> = {};
  const path = [...rootPath];
  let node: Group | Leaf = root;
  let i = 0;
  while (node.kind === 'group') {
    const g: Group = node;
    if (g.param !== undefined) {
      const value = argv[i];
      if (value === undefined || value === '-h' || value === '--help')
        return { kind: 'help', text: helpText(path, g) };
      if (value.startsWith('-')) throw usageError(`${path.join(' ')}: expected <${g.param}>, got "${value}"`);
      params[g.param] = value;
      path.push(`<${g.param}>`);
      i++;
    }
    const word = argv[i];
    if (word === undefined || word === '-h' || word === '--help') {
      if (word === undefined && path.length === rootPath.length)
        return { kind: 'help', text: helpText(path, g) };
      if (word === undefined)
        throw usageError(`${path.join(' ')}: a command is missing\n\n${helpText(path, g)}`);
      return { kind: 'help', text: helpText(path, g) };
    }
    const next = g.children.find((c) => c.name === word);
    if (next === undefined)
      throw usageError(`${path.join(' ')}: unknown command "${word}"\n\n${helpText(path, g)}`);
    node = next;
    path.push(word);
    i++;
  }
  const l: Leaf = node;
  const options = { ...l.options, format: formatOption, help: helpOption };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv.slice(i),
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [
          k,
          {
            type: o.type,
            ...(o.short === undefined ? {} : { short: o.short }),
            ...(o.multiple === true ? { multiple: true } : {}),
          },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw usageError(`${path.join(' ')}: ${(err as Error).message}\n\n${helpText(path, l)}`);
  }
  if (parsed.values.help === true) return { kind: 'help', text: helpText(path, l) };
  const spec = l.args ?? [];
  const required = spec.filter((a) => !a.endsWith('?')).length;
  if (parsed.positionals.length < required || parsed.positionals.length > spec.length) {
    throw usageError(
      `${path.join(' ')}: expected ${spec.join(' ') || 'no arguments'}\n\n${helpText(path, l)}`,
    );
  }
  spec.forEach((name, k) => {
    const v = parsed.positionals[k];
    if (v !== undefined) params[name.replace(/\?$/, '')] = v;
  });
  return { kind: 'run', leaf: l, params, values: parsed.values };
}
