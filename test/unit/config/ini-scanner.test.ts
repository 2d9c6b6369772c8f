import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanIni } from '../../../src/config/ini-scanner.js';

void test('records file, line, section and key of each entry, case-folded ids', () => {
  const scan = scanIni('; comment\n[Admin]\n\n  Port = 8080 ; inline comment\n# other\nHOST=::1\n', 'g.ini');
  assert.deepEqual(scan.problems, []);
  assert.deepEqual(
    scan.entries.map((e) => [e.file, e.line, e.section, e.sectionId, e.key, e.keyId, e.value]),
    [
      ['g.ini', 4, 'Admin', 'admin', 'Port', 'port', '8080'],
      ['g.ini', 6, 'Admin', 'admin', 'HOST', 'host', '::1'],
    ],
  );
  assert.deepEqual(scan.sections, [{ file: 'g.ini', line: 2, name: 'Admin', id: 'admin' }]);
});

void test('quoted and escaped values keep ; and #', () => {
  const scan = scanIni('[db]\na = "p;w#d"\nb = x\\;y\nc = \'q\'\nd =\n', 'f');
  assert.deepEqual(
    scan.entries.map((e) => e.value),
    ['p;w#d', 'x;y', 'q', ''],
  );
});

void test('repeated keys are all kept, in order', () => {
  const scan = scanIni('[s]\nk = 1\nk = 2\n', 'f');
  assert.deepEqual(
    scan.entries.map((e) => [e.line, e.value]),
    [
      [2, '1'],
      [3, '2'],
    ],
  );
});

void test('counts lines the same for CRLF files and a BOM', () => {
  const scan = scanIni('\uFEFF[s]\r\n\r\nk = v\r\n', 'f');
  assert.equal(scan.entries[0]?.line, 3);
  assert.equal(scan.entries[0]?.value, 'v');
});

void test('a line that is not an entry, an empty section and a key before any section are problems', () => {
  const scan = scanIni('orphan = 1\n[s]\njust words\n[]\n= v\n', 'bad.ini');
  assert.deepEqual(
    scan.problems.map((p) => [p.line, p.kind]),
    [
      [1, 'file'],
      [3, 'file'],
      [4, 'file'],
      [5, 'file'],
    ],
  );
  assert.match(scan.problems[1]?.message ?? '', /"just words".*key = value/);
  assert.equal(scan.entries.length, 0);
});
