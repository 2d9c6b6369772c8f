import { parseArgs } from 'node:util';
import type { BackupTarget } from '../backup/reference-format.js';
import { backupTargets } from '../backup/reference-format.js';
import { ExitCode, FatalError } from '../errors.js';

/** What `waarp-gatewayd` was asked to do. `config` undefined = search the usual places. */
export type DaemonCommand =
  | {
      readonly command: 'server';
      readonly config: string | undefined;
      readonly instance: string | undefined;
      /** `-n`: write a default configuration (and override file) instead of starting. */
      readonly create: boolean;
    }
  | { readonly command: 'migrate'; readonly config: string | undefined }
  | {
      readonly command: 'import';
      readonly config: string | undefined;
      readonly instance: string | undefined;
      readonly source: string;
      /** `-t`, repeatable; `['all']` when not given. */
      readonly targets: BackupTarget[];
      /** `-r`: delete the targeted objects first. */
      readonly reset: boolean;
      /** `--yes` (or `--force-reset-before-import`): no confirmation question. */
      readonly yes: boolean;
      readonly dryRun: boolean;
      readonly skipUnsupported: boolean;
    }
  | {
      readonly command: 'export';
      readonly config: string | undefined;
      readonly instance: string | undefined;
      /** Undefined: standard output. */
      readonly file: string | undefined;
      readonly targets: BackupTarget[];
    }
  | {
      readonly command: 'restore-history';
      readonly config: string | undefined;
      readonly instance: string | undefined;
      readonly source: string;
      readonly yes: boolean;
      readonly dryRun: boolean;
    }
  | {
      readonly command: 'export-history';
      readonly config: string | undefined;
      readonly instance: string | undefined;
      readonly file: string | undefined;
    }
  | { readonly command: 'version' }
  /** `-h/--help`: print `text` to stdout and exit 0. */
  | { readonly command: 'help'; readonly text: string };

export type CommandName =
  'server' | 'migrate' | 'import' | 'export' | 'restore-history' | 'export-history' | 'version';

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Absent: long form only. */
  readonly short?: string;
  readonly arg?: string;
  readonly doc: string;
  /** May be given several times (values are collected in order). */
  readonly multiple?: boolean;
  /** The values allowed. */
  readonly choices?: readonly string[];
}

const config: OptionSpec = {
  type: 'string',
  short: 'c',
  arg: 'FILE',
  doc: 'configuration file; default: the first of ./gatewayd.ini, ./etc/gatewayd.ini, /etc/waarp-gateway/gatewayd.ini',
};
const instance: OptionSpec = {
  type: 'string',
  short: 'i',
  arg: 'NAME',
  doc: 'node name, mandatory in a cluster; reads <config dir>/NAME.ini (default: $WAARP_GATEWAY_NODE_ID)',
};
const help: OptionSpec = { type: 'boolean', short: 'h', doc: 'show this help' };
const target: OptionSpec = {
  type: 'string',
  short: 't',
  arg: 'TARGET',
  multiple: true,
  choices: backupTargets,
  doc: `limit to a subset, repeatable: ${backupTargets.join(', ')} (default: all)`,
};
const yes: OptionSpec = { type: 'boolean', short: 'y', doc: 'do not ask for confirmation (for scripts)' };
const dryRun: OptionSpec = {
  type: 'boolean',
  short: 'd',
  doc: 'do everything, then roll back: change nothing',
};
const outFile: OptionSpec = {
  type: 'string',
  short: 'f',
  arg: 'FILE',
  doc: 'write to FILE (YAML if it ends in .yaml or .yml, else JSON); default: standard output',
};

const commands: Readonly<
  Record<CommandName, { readonly doc: string; readonly options: Readonly<Record<string, OptionSpec>> }>
> = {
  server: {
    doc: 'Run the gateway daemon (one node of a cluster with -i).',
    options: {
      config,
      instance,
      create: {
        type: 'boolean',
        short: 'n',
        doc: 'write a default configuration to -c FILE (and NAME.ini with -i), then exit',
      },
      help,
    },
  },
  migrate: { doc: 'Create or upgrade the database schema, then exit.', options: { config, help } },
  import: {
    doc: 'Import a configuration file (a Waarp Gateway export, JSON or YAML) into the database, then exit.',
    options: {
      config,
      instance,
      source: { type: 'string', short: 's', arg: 'FILE', doc: 'the file to import (required)' },
      target,
      'reset-before-import': {
        type: 'boolean',
        short: 'r',
        doc: 'delete the targeted objects first (asks for confirmation)',
      },
      'force-reset-before-import': {
        type: 'boolean',
        doc: 'the same, without confirmation (as the reference)',
      },
      yes,
      'dry-run': dryRun,
      'skip-unsupported': {
        type: 'boolean',
        doc: 'import a file holding objects this gateway does not implement, without them',
      },
      help,
    },
  },
  export: {
    doc: 'Export the configuration in the format of Waarp Gateway, then exit. The file holds secrets.',
    options: { config, instance, file: outFile, target, help },
  },
  'restore-history': {
    doc: 'Replace the transfer history with a history file (JSON, the format of Waarp Gateway), then exit.',
    options: {
      config,
      instance,
      source: { type: 'string', short: 's', arg: 'FILE', doc: 'the history file (required)' },
      yes,
      'dry-run': dryRun,
      help,
    },
  },
  'export-history': {
    doc: 'Export the transfer history (JSON, the format of Waarp Gateway), then exit.',
    options: { config, instance, file: { ...outFile, doc: 'write to FILE; default: standard output' }, help },
  },
  version: { doc: 'Print the version, then exit.', options: { help } },
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(commands, name);

/** The top-level usage text. */
export const usage: string = [
  'Usage: waarp-gatewayd COMMAND [OPTIONS]',
  '',
  'Commands:',
  ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(15)} ${c.doc}`),
  '',
  "Run 'waarp-gatewayd COMMAND --help' for the options of a command.",
].join('\n');

/** The usage text of one command. */
export function commandUsage(name: CommandName): string {
  const { doc, options } = commands[name];
  const lines = Object.entries(options).map(([long, o]) => {
    const flag = `${o.short === undefined ? '    ' : `-${o.short}, `}--${long}${o.arg === undefined ? '' : ` ${o.arg}`}`;
    return `  ${flag.padEnd(30)} ${o.doc}`;
  });
  return [`Usage: waarp-gatewayd ${name} [OPTIONS]`, '', doc, '', 'Options:', ...lines].join('\n');
}

function usageError(message: string, name?: CommandName): FatalError {
  const hint = name === undefined ? "Run 'waarp-gatewayd --help'" : `Run 'waarp-gatewayd ${name} --help'`;
  return new FatalError(
    `waarp-gatewayd${name === undefined ? '' : ` ${name}`}: ${message}\n${hint} for usage.`,
    ExitCode.usage,
  );
}

/**
 * Parses the daemon's arguments (without `node` and the script). Throws a FatalError with
 * ExitCode.usage for an unknown command or option, a missing or repeated value, or a stray
 * argument: a typo must not start a daemon with surprising settings.
 */
export function parseDaemonArgs(argv: readonly string[]): DaemonCommand {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('missing command');
  if (first === '-h' || first === '--help') return { command: 'help', text: usage };
  if (first === '--version') return { command: 'version' };
  if (!isCommand(first)) {
    const what = first.startsWith('-') ? `unknown option "${first}"` : `unknown command "${first}"`;
    throw usageError(`${what} (commands: ${Object.keys(commands).join(', ')})`);
  }
  const values = parseOptions(first, rest);
  if (values.help === true) return { command: 'help', text: commandUsage(first) };
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const flag = (name: string): boolean => values[name] === true;
  const targets = (): BackupTarget[] => {
    const v = values.target;
    return Array.isArray(v) ? (v as BackupTarget[]) : ['all'];
  };
  const source = (what: string): string => {
    const s = str('source');
    if (s === undefined) throw usageError(`missing -s FILE (${what})`, first);
    return s;
  };

  switch (first) {
    case 'server': {
      const create = values.create === true;
      if (create && str('config') === undefined)
        throw usageError('--create needs -c FILE (where to write)', first);
      return { command: 'server', config: str('config'), instance: str('instance'), create };
    }
    case 'migrate':
      return { command: 'migrate', config: str('config') };
    case 'import': {
      const force = flag('force-reset-before-import');
      return {
        command: 'import',
        config: str('config'),
        instance: str('instance'),
        source: source('the file to import'),
        targets: targets(),
        reset: force || flag('reset-before-import'),
        yes: force || flag('yes'),
        dryRun: flag('dry-run'),
        skipUnsupported: flag('skip-unsupported'),
      };
    }
    case 'export':
      return {
        command: 'export',
        config: str('config'),
        instance: str('instance'),
        file: str('file'),
        targets: targets(),
      };
    case 'restore-history':
      return {
        command: 'restore-history',
        config: str('config'),
        instance: str('instance'),
        source: source('the history file'),
        yes: flag('yes'),
        dryRun: flag('dry-run'),
      };
    case 'export-history':
      return {
        command: 'export-history',
        config: str('config'),
        instance: str('instance'),
        file: str('file'),
      };
    case 'version':
      return { command: 'version' };
  }
}

/** Checks every token ourselves: parseArgs' strict messages are long and mention internals. */
function parseOptions(
  name: CommandName,
  args: readonly string[],
): Record<string, string | boolean | string[]> {
  const specs = commands[name].options;
  const { tokens } = parseArgs({
    args: [...args],
    options: Object.fromEntries(
      Object.entries(specs).map(([long, o]) => [
        long,
        { type: o.type, ...(o.short === undefined ? {} : { short: o.short }) },
      ]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help' && specs.help !== undefined))
    return { help: true };

  const values: Record<string, string | boolean | string[]> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') throw usageError(`unexpected argument "${token.value}"`, name);
    const spec = specs[token.name];
    if (spec === undefined) throw usageError(`unknown option "${token.rawName}"`, name);
    const flag = `${spec.short === undefined ? '' : `-${spec.short}/`}--${token.name}`;
    if (Object.hasOwn(values, token.name) && spec.multiple !== true)
      throw usageError(`${flag} given twice`, name);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw usageError(`${flag} takes no value`, name);
      values[token.name] = true;
      continue;
    }
    // Without an inline value, parseArgs takes the next argument even if it is another option.
    const value = token.value;
    if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('-'))) {
      throw usageError(`${flag} needs a value (${spec.arg ?? 'VALUE'})`, name);
    }
    if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw usageError(`${flag}: "${value}" is not one of ${spec.choices.join(', ')}`, name);
    }
    const previous = values[token.name];
    values[token.name] =
      spec.multiple === true ? [...(Array.isArray(previous) ? previous : []), value] : value;
  }
  return values;
}
