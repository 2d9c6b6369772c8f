import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandUsage, parseDaemonArgs, usage } from '../../../src/daemon/args.js';
import { ExitCode, FatalError } from '../../../src/errors.js';

/** Asserts `argv` is a usage error whose message matches `re`. */
function usageError(argv: string[], re: RegExp): void {
  assert.throws(
    () => parseDaemonArgs(argv),
    (err: unknown) => err instanceof FatalError && err.exitCode === ExitCode.usage && re.test(err.message),
  );
}

void test('server with short and long options', () => {
  assert.deepEqual(parseDaemonArgs(['server', '-c', 'etc/gatewayd.ini', '-i', 'node1']), {
    command: 'server',
    config: 'etc/gatewayd.ini',
    instance: 'node1',
    create: false,
  });
  assert.deepEqual(parseDaemonArgs(['server', '--config=g.ini', '--instance', 'n2', '--create']), {
    command: 'server',
    config: 'g.ini',
    instance: 'n2',
    create: true,
  });
  assert.deepEqual(parseDaemonArgs(['server']), {
    command: 'server',
    config: undefined,
    instance: undefined,
    create: false,
  });
});

void test('migrate, import and version', () => {
  assert.deepEqual(parseDaemonArgs(['migrate', '-c', 'g.ini']), { command: 'migrate', config: 'g.ini' });
  assert.deepEqual(parseDaemonArgs(['import', '-s', 'dump.json', '-i', 'n1']), {
    command: 'import',
    config: undefined,
    instance: 'n1',
    source: 'dump.json',
    targets: ['all'],
    reset: false,
    yes: false,
    dryRun: false,
    skipUnsupported: false,
  });
  assert.deepEqual(parseDaemonArgs(['version']), { command: 'version' });
  assert.deepEqual(parseDaemonArgs(['--version']), { command: 'version' });
});

void test('-h/--help gives the usage of the command, or the general one', () => {
  assert.deepEqual(parseDaemonArgs(['--help']), { command: 'help', text: usage });
  assert.deepEqual(parseDaemonArgs(['server', '-h']), { command: 'help', text: commandUsage('server') });
  assert.deepEqual(parseDaemonArgs(['import', '--help', '--bogus']), {
    command: 'help',
    text: commandUsage('import'),
  });
  assert.match(
    usage,
    /server .*\n.*migrate.*\n.*import.*\n.*export.*\n.*restore-history.*\n.*export-history.*\n.*version/,
  );
  assert.match(commandUsage('server'), /-n, --create/);
  assert.match(commandUsage('import'), /-s, --source FILE/);
});

void test('unknown commands and options are usage errors', () => {
  usageError([], /missing command/);
  usageError(
    ['serve'],
    /unknown command "serve" \(commands: server, migrate, import, export, restore-history, export-history, version\)/,
  );
  usageError(['-x'], /unknown option "-x"/);
  usageError(['server', '--bogus'], /waarp-gatewayd server: unknown option "--bogus"/);
  usageError(['migrate', '-i', 'n1'], /waarp-gatewayd migrate: unknown option "-i"/);
  usageError(['version', 'extra'], /unexpected argument "extra"/);
});

void test('missing, repeated and misplaced values are usage errors', () => {
  usageError(['server', '-c'], /-c\/--config needs a value \(FILE\)/);
  usageError(['server', '-c', '-i', 'n1'], /-c\/--config needs a value/);
  usageError(['server', '-i', 'a', '-i', 'b'], /-i\/--instance given twice/);
  usageError(['server', '--create=yes', '-c', 'x'], /-n\/--create takes no value/);
  usageError(['server', '-n'], /--create needs -c FILE/);
  usageError(['import', '-c', 'g.ini'], /missing -s FILE/);
});

void test('import, export and the history commands take the options of the reference', () => {
  assert.deepEqual(
    parseDaemonArgs([
      'import',
      '-s',
      'f.yaml',
      '-t',
      'servers',
      '--target',
      'users',
      '-r',
      '-y',
      '-d',
      '--skip-unsupported',
    ]),
    {
      command: 'import',
      config: undefined,
      instance: undefined,
      source: 'f.yaml',
      targets: ['servers', 'users'],
      reset: true,
      yes: true,
      dryRun: true,
      skipUnsupported: true,
    },
  );
  const forced = parseDaemonArgs(['import', '-s', 'f.json', '--force-reset-before-import']);
  assert.ok(forced.command === 'import' && forced.reset && forced.yes, "the reference's name for -r --yes");
  assert.deepEqual(parseDaemonArgs(['export', '-c', 'g.ini', '-f', 'out.yaml', '-t', 'rules']), {
    command: 'export',
    config: 'g.ini',
    instance: undefined,
    file: 'out.yaml',
    targets: ['rules'],
  });
  assert.deepEqual(parseDaemonArgs(['export']), {
    command: 'export',
    config: undefined,
    instance: undefined,
    file: undefined,
    targets: ['all'],
  });
  assert.deepEqual(parseDaemonArgs(['restore-history', '-s', 'h.json', '--yes']), {
    command: 'restore-history',
    config: undefined,
    instance: undefined,
    source: 'h.json',
    yes: true,
    dryRun: false,
  });
  assert.deepEqual(parseDaemonArgs(['export-history', '-f', 'h.json']), {
    command: 'export-history',
    config: undefined,
    instance: undefined,
    file: 'h.json',
  });
  usageError(
    ['export', '-t', 'everything'],
    /-t\/--target: "everything" is not one of rules, servers, partners/,
  );
  usageError(['restore-history'], /missing -s FILE \(the history file\)/);
  usageError(['import', '-s', 'f', '-r', '-r'], /-r\/--reset-before-import given twice/);
  assert.match(commandUsage('import'), /--skip-unsupported/);
  assert.match(commandUsage('import'), /-t, --target TARGET/);
});
