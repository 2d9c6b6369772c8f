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
  assert.match(usage, /server .*\n.*migrate.*\n.*import.*\n.*version/);
  assert.match(commandUsage('server'), /-n, --create/);
  assert.match(commandUsage('import'), /-s, --source FILE/);
});

void test('unknown commands and options are usage errors', () => {
  usageError([], /missing command/);
  usageError(['serve'], /unknown command "serve" \(commands: server, migrate, import, version\)/);
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
