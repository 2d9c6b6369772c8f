import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  addIndirection,
  emptyIndirection,
  parseOverrideFile,
  removeIndirection,
  scanOverride,
} from '../../../src/config/override.js';
import { createIndirection } from '../../../src/config/indirection.js';
import { loadConfig } from '../../../src/config/load.js';
import { ExitCode } from '../../../src/errors.js';
import { configError, fixtures, tempDir } from './helpers.js';

const seed = join(fixtures, 'seed');

void test("the seed's three override files parse to their indirections", () => {
  for (const n of [1, 2, 3]) {
    const ind = parseOverrideFile(join(seed, `node${n}.ini`));
    assert.deepEqual(
      [...ind.entries()],
      [
        ['127.0.0.1:2223', `127.0.0.1:200${n}`],
        ['127.0.0.1:8080', `127.0.0.1:808${n}`],
      ],
    );
    assert.equal(ind.file, join(seed, `node${n}.ini`));
  }
});

void test('node2 of the seed: SFTP and admin addresses resolve to its own ports', () => {
  const { config, warnings } = loadConfig({ file: join(seed, 'gatewayd.ini'), instance: 'node2', env: {} });
  assert.deepEqual(warnings, []);
  const ind = config.indirection;
  assert.equal(ind.resolve('127.0.0.1:2223'), '127.0.0.1:2002');
  assert.equal(ind.resolve(`${config.admin.host}:${config.admin.port}`), '127.0.0.1:8082');
  assert.equal(ind.resolve('127.0.0.1:22'), '127.0.0.1:22', 'no indirection: unchanged');
  assert.equal(ind.resolve('10.0.0.1:2223'), '10.0.0.1:2223');
});

void test('the seed files indented as in the tutorial parse the same', () => {
  const text = readFileSync(join(seed, 'node1.ini'), 'utf8')
    .split('\n')
    .map((l) => (l === '' ? l : `   ${l}`))
    .join('\n');
  const scan = scanOverride(text, 'node1.ini');
  assert.deepEqual(scan.problems, []);
  assert.equal(scan.indirection.resolve('127.0.0.1:8080'), '127.0.0.1:8081');
});

void test('lookup: exact host:port first, then the host alone keeping the port', () => {
  const ind = createIndirection(
    new Map([
      ['gw.example.com', '10.0.0.11'],
      ['gw.example.com:8080', '10.0.0.11:9090'],
      ['[::1]:22', '[fe80::1]:2022'],
      ['::2', '10.0.0.2'],
      ['10.9.9.9', '::3'],
    ]),
    undefined,
  );
  assert.equal(ind.resolve('gw.example.com:8080'), '10.0.0.11:9090');
  assert.equal(ind.resolve('gw.example.com:2223'), '10.0.0.11:2223');
  assert.equal(ind.resolve('GW.Example.com:2223'), '10.0.0.11:2223', 'host names are case-insensitive');
  assert.equal(ind.resolve('gw.example.com'), '10.0.0.11');
  assert.equal(ind.resolve('[::1]:22'), '[fe80::1]:2022');
  assert.equal(ind.resolve('[::2]:22'), '10.0.0.2:22');
  assert.equal(ind.resolve('10.9.9.9:21'), '[::3]:21', 'an IPv6 replacement is bracketed');
  assert.equal(ind.resolve('[::1]:23'), '[::1]:23');
  assert.equal(ind.resolve('not an address'), 'not an address');
});

void test('the empty indirection changes nothing', () => {
  const ind = emptyIndirection();
  assert.equal(ind.resolve('127.0.0.1:2223'), '127.0.0.1:2223');
  assert.equal(ind.entries().size, 0);
  assert.equal(ind.file, undefined);
});

/** Asserts `text` as an override file gives exactly one problem on `line` matching `re`. */
function rejects(text: string, line: number, re: RegExp): void {
  const dir = tempDir({ 'n.ini': text });
  const err = configError(() => parseOverrideFile(join(dir, 'n.ini')));
  assert.equal(err.problems.length, 1, err.message);
  assert.equal(err.problems[0]?.line, line);
  assert.match(err.message, new RegExp(`n\\.ini:${line}: .*${re.source}`));
}

void test('a line without "->" is an error naming file and line', () => {
  rejects('[Address Indirection]\nIndirectAddress = 127.0.0.1:2223 127.0.0.1:2001\n', 2, /missing "->"/);
});

void test('a line with two "->" is an error', () => {
  rejects('[Address Indirection]\n\nIndirectAddress = a -> b -> c\n', 3, /more than one "->"/);
});

void test('a duplicate target is an error, even spelt differently', () => {
  rejects(
    '[Address Indirection]\nIndirectAddress = Host:22 -> a:1\nIndirectAddress = host:22 -> b:2\n',
    3,
    /duplicate target "host:22" \(first at line 2\)/,
  );
});

void test('a port on one side only is an error, both ways', () => {
  rejects(
    '[Address Indirection]\nIndirectAddress = example.com -> 8.8.8.8:80\n',
    2,
    /has no port but "8\.8\.8\.8:80" has one/,
  );
  rejects(
    '[Address Indirection]\nIndirectAddress = a:1 -> b\n',
    2,
    /target "a:1" has a port but "b" has none/,
  );
});

void test('bad addresses, unknown keys and unknown sections are errors', () => {
  rejects(
    '[Address Indirection]\nIndirectAddress = a:99999 -> b:1\n',
    2,
    /target "a:99999" is not an address/,
  );
  rejects('[Address Indirection]\nIndirectAddress =  -> b:1\n', 2, /target \(empty\) is not an address/);
  rejects(
    '[Address Indirection]\nIndirectAdress = a -> b\n',
    2,
    /\[Address Indirection\] IndirectAdress: unknown key/,
  );
  rejects('[Address Indirection]\n[Paths]\nGatewayHome = x\n', 2, /\[Paths\]: unknown section/);
});

void test('an unreadable override file exits with the bad-file code', () => {
  const err = configError(() => parseOverrideFile(join(tempDir(), 'none.ini')));
  assert.equal(err.exitCode, ExitCode.badConfigFile);
  assert.match(err.message, /none\.ini: cannot read: no such file/);
});

void test('addIndirection appends to the section, keeping comments and other lines', () => {
  const dir = tempDir({
    'n1.ini':
      '; my node\n[Address Indirection]\n; sftp\nIndirectAddress = 127.0.0.1:2223 -> 127.0.0.1:2001\n\n; end\n',
  });
  const file = join(dir, 'n1.ini');
  chmodSync(file, 0o600);
  const ind = addIndirection(file, ' 127.0.0.1:8080 ', '127.0.0.1:8081');
  assert.equal(ind.resolve('127.0.0.1:8080'), '127.0.0.1:8081');
  assert.equal(
    readFileSync(file, 'utf8'),
    '; my node\n[Address Indirection]\n; sftp\nIndirectAddress = 127.0.0.1:2223 -> 127.0.0.1:2001\n' +
      'IndirectAddress = 127.0.0.1:8080 -> 127.0.0.1:8081\n\n; end\n',
  );
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the mode is kept');
  assert.deepEqual(readdirSync(dir), ['n1.ini'], 'no temp file left behind');
});

void test('addIndirection replaces the line of an existing target in place', () => {
  const dir = tempDir({
    'n.ini': '[Address Indirection]\nIndirectAddress = a:1 -> b:1\nIndirectAddress = c -> d\n',
  });
  const file = join(dir, 'n.ini');
  const ind = addIndirection(file, 'A:1', 'z:9');
  assert.equal(
    readFileSync(file, 'utf8'),
    '[Address Indirection]\nIndirectAddress = A:1 -> z:9\nIndirectAddress = c -> d\n',
  );
  assert.equal(ind.resolve('a:1'), 'z:9');
  assert.equal(ind.entries().size, 2);
});

void test('addIndirection creates a missing file and a missing section', () => {
  const dir = tempDir({ 'empty.ini': '; nothing yet\n' });
  addIndirection(join(dir, 'new.ini'), 'a', 'b');
  assert.equal(
    readFileSync(join(dir, 'new.ini'), 'utf8'),
    '[Address Indirection]\nIndirectAddress = a -> b\n',
  );
  addIndirection(join(dir, 'empty.ini'), 'a', 'b');
  assert.equal(
    readFileSync(join(dir, 'empty.ini'), 'utf8'),
    '; nothing yet\n\n[Address Indirection]\nIndirectAddress = a -> b\n',
  );
  const header = tempDir({ 'h.ini': '[Address Indirection]\n; later\n' });
  addIndirection(join(header, 'h.ini'), 'a', 'b');
  assert.equal(
    readFileSync(join(header, 'h.ini'), 'utf8'),
    '[Address Indirection]\nIndirectAddress = a -> b\n; later\n',
  );
});

void test('addIndirection refuses a bad indirection or a broken file, without touching it', () => {
  const dir = tempDir({
    'n.ini': '[Address Indirection]\nIndirectAddress = a -> b\n',
    'bad.ini': '[Oops]\n',
  });
  const file = join(dir, 'n.ini');
  const mix = configError(() => addIndirection(file, 'x:1', 'y'));
  assert.match(mix.message, /n\.ini: \[Address Indirection\] IndirectAddress: target "x:1" has a port/);
  configError(() => addIndirection(file, 'x;y', 'z'));
  assert.equal(readFileSync(file, 'utf8'), '[Address Indirection]\nIndirectAddress = a -> b\n');
  const broken = configError(() => addIndirection(join(dir, 'bad.ini'), 'a', 'b'));
  assert.match(broken.message, /bad\.ini:1: \[Oops\]: unknown section/);
});

void test('removeIndirection deletes only the target line; absent targets are reported', () => {
  const dir = tempDir({
    'n.ini': '[Address Indirection]\r\nIndirectAddress = a:1 -> b:1\r\nIndirectAddress = c -> d\r\n',
  });
  const file = join(dir, 'n.ini');
  const gone = removeIndirection(file, 'a:1');
  assert.equal(gone.removed, true);
  assert.deepEqual([...gone.indirection.entries()], [['c', 'd']]);
  assert.equal(
    readFileSync(file, 'utf8'),
    '[Address Indirection]\r\nIndirectAddress = c -> d\r\n',
    'CRLF kept',
  );
  const none = removeIndirection(file, 'zz');
  assert.equal(none.removed, false);
  assert.equal(none.indirection.entries().size, 1);
});
