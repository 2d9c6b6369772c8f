import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rule } from '../../../src/model/entities.js';
import {
  BadPathError,
  branch,
  joinInside,
  leaf,
  matchRule,
  normalizeVirtual,
  resolveChain,
  serverReceiveDir,
  serverSendDir,
  serverTmpDir,
  tmpFileName,
  chooseTmpDir,
  hiddenAreas,
  isFolderSafe,
  isHidden,
  ruleForAccount,
  virtualChildren,
} from '../../../src/transfer/paths.js';

const defaults = {
  gatewayHome: '/gw',
  defaultInDir: '/gw/in',
  defaultOutDir: '/gw/out',
  defaultTmpDir: '/gw/tmp',
};
const noDirs = { rootDir: '', receiveDir: '', sendDir: '', tmpReceiveDir: '' };

function rule(name: string, isSend: boolean, path = name, extra: Partial<Rule> = {}): Rule {
  return {
    id: Math.floor(Math.random() * 1e6),
    name,
    isSend,
    comment: '',
    path,
    localDir: '',
    remoteDir: '',
    tmpLocalRcvDir: '',
    sharedFolder: false,
    partnerChanges: null,
    preTasks: [],
    postTasks: [],
    errorTasks: [],
    ...extra,
  };
}

describe('resolveChain (the reference GetPath)', () => {
  it('uses the first leaf and prepends branches until a path is absolute', () => {
    assert.equal(
      resolveChain([leaf('a'), leaf('b'), branch('/root'), leaf('/x'), branch('/home')]),
      '/root/a',
    );
    assert.equal(resolveChain([leaf(''), leaf('b'), branch(''), leaf('/x'), branch('/home')]), '/home/b');
    // A branch is not a choice of leaf: the next leaf still applies under it.
    assert.equal(resolveChain([leaf(''), leaf(''), branch('rel'), leaf('/x'), branch('/home')]), '/x/rel');
    assert.equal(resolveChain([leaf('/abs'), branch('/root')]), '/abs');
  });
});

describe('server directories', () => {
  it('fall back to the configured defaults', () => {
    const r = rule('r', true);
    assert.equal(serverSendDir(r, noDirs, defaults), '/gw/out');
    assert.equal(serverReceiveDir(r, noDirs, defaults), '/gw/in');
    assert.equal(serverTmpDir(r, noDirs, defaults), '/gw/tmp');
  });

  it('give a server root dir in/out/tmp sub-folders', () => {
    const s = { ...noDirs, rootDir: '/srv/sftp' };
    const r = rule('r', false);
    assert.equal(serverSendDir(r, s, defaults), '/srv/sftp/out');
    assert.equal(serverReceiveDir(r, s, defaults), '/srv/sftp/in');
    assert.equal(serverTmpDir(r, s, defaults), '/srv/sftp/tmp');
    assert.equal(serverReceiveDir(r, { ...s, rootDir: 'relative' }, defaults), '/gw/relative/in');
  });

  it('prefer the rule directories, relative ones under the server root or the home', () => {
    const r = rule('r', false, 'r', { localDir: 'rule-in', tmpLocalRcvDir: '/fast/tmp' });
    assert.equal(serverReceiveDir(r, noDirs, defaults), '/gw/rule-in');
    assert.equal(serverReceiveDir(r, { ...noDirs, rootDir: '/srv' }, defaults), '/srv/rule-in');
    assert.equal(serverTmpDir(r, noDirs, defaults), '/fast/tmp');
    // Never the rule's own folder (partners list it): the gateway's tmp folder.
    assert.equal(serverTmpDir({ ...r, tmpLocalRcvDir: '' }, noDirs, defaults), '/gw/tmp');
    assert.equal(
      serverTmpDir({ ...r, tmpLocalRcvDir: '' }, { ...noDirs, receiveDir: '/srv/in' }, defaults),
      '/gw/tmp',
    );
  });

  it('choose a tmp folder outside every listed folder', () => {
    assert.equal(chooseTmpDir(['/gw/in/.tmp', '/gw/tmp'], ['/gw/in', '/gw/out']), '/gw/tmp');
    assert.equal(chooseTmpDir(['/fast/tmp', '/gw/tmp'], ['/gw/in']), '/fast/tmp');
    assert.equal(chooseTmpDir(['/gw/tmp'], ['/gw']), undefined);
  });

  it('name tmp files after the destination and the transfer id', () => {
    assert.equal(tmpFileName('sub/file.txt', 42), 'sub/file.txt.42.part');
  });
});

describe('virtual paths', () => {
  it('are absolute, normalised, and never climb above the root', () => {
    assert.equal(normalizeVirtual(''), '/');
    assert.equal(normalizeVirtual('.'), '/');
    assert.equal(normalizeVirtual('in/'), '/in');
    assert.equal(normalizeVirtual('/in/../../../etc/passwd'), '/etc/passwd');
    assert.equal(normalizeVirtual('in//./a/../b'), '/in/b');
    assert.throws(() => normalizeVirtual('in/a\0b'), BadPathError);
  });
});

describe('matchRule', () => {
  const rules = [
    rule('in', false, 'in'),
    rule('out', true, 'out'),
    rule('both-r', false, 'both'),
    rule('both-s', true, 'both'),
    rule('deep', true, '/a/b/c'),
    rule('noslash', false, ''),
  ];

  it('takes the rule whose path prefixes the request on segment boundaries', () => {
    assert.deepEqual(
      {
        rule: matchRule(rules, '/in/x/y.txt', 'receive')?.rule.name,
        rel: matchRule(rules, '/in/x/y.txt', 'receive')?.rel,
      },
      { rule: 'in', rel: 'x/y.txt' },
    );
    assert.equal(matchRule(rules, '/inbox/x', 'receive'), undefined);
    assert.equal(matchRule(rules, '/a/b/c/d', 'send')?.rel, 'd');
    assert.equal(matchRule(rules, '/a/b', 'send'), undefined);
    assert.equal(matchRule(rules, '/in', 'receive')?.rel, '');
  });

  it('prefers the asked direction when both share a path, else takes the other', () => {
    assert.equal(matchRule(rules, '/both/f', 'send')?.rule.name, 'both-s');
    assert.equal(matchRule(rules, '/both/f', 'receive')?.rule.name, 'both-r');
    assert.equal(matchRule(rules, '/out/f', 'receive')?.rule.name, 'out');
  });

  it('uses the rule name for an empty path', () => {
    assert.equal(matchRule(rules, '/noslash/f', 'receive')?.rule.name, 'noslash');
  });

  it('cannot be escaped with ..', () => {
    assert.equal(matchRule(rules, '/in/../out/f', 'receive')?.rule.name, 'out');
    assert.equal(matchRule(rules, '/in/../../etc/passwd', 'receive'), undefined);
    assert.equal(matchRule(rules, '/in/a/../../../in/f', 'receive')?.rel, 'f');
  });
});

describe('virtualChildren', () => {
  const rules = [rule('a', true, 'data/reports'), rule('b', false, 'data/uploads'), rule('c', false, 'in')];
  it('lists the next segment of the rules below a folder', () => {
    assert.deepEqual(virtualChildren(rules, '/'), ['data', 'in']);
    assert.deepEqual(virtualChildren(rules, '/data'), ['reports', 'uploads']);
    assert.equal(virtualChildren(rules, '/data/reports'), undefined);
    assert.equal(virtualChildren(rules, '/nothing'), undefined);
    assert.deepEqual(virtualChildren([], '/'), []);
  });
});

describe('joinInside', () => {
  it('joins relative paths and refuses any that would leave the directory', () => {
    assert.equal(joinInside('/gw/in', 'a/b.txt'), '/gw/in/a/b.txt');
    assert.equal(joinInside('/gw/in', ''), '/gw/in');
    assert.equal(joinInside('/gw/in', '/etc/passwd'), '/gw/in/etc/passwd');
    assert.throws(() => joinInside('/gw/in', '../in2/x'), BadPathError);
    assert.throws(() => joinInside('/gw/in', 'a/../../x'), BadPathError);
    assert.throws(() => joinInside('/gw/in', 'a\0'), BadPathError);
  });
});

describe('folders per account and hidden areas', () => {
  it('replace #ACCOUNT# by the login, refusing logins that cannot name a folder', () => {
    const r = rule('r', true, 'r', { localDir: 'out/#ACCOUNT#/today' });
    assert.equal(serverSendDir(ruleForAccount(r, 'alice'), noDirs, defaults), '/gw/out/alice/today');
    for (const bad of ['..', '.', 'a/b', 'a\\b', '']) {
      assert.equal(isFolderSafe(bad), false, bad);
      assert.throws(() => ruleForAccount(r, bad), BadPathError);
    }
    const plain = rule('p', true);
    assert.equal(ruleForAccount(plain, '..'), plain);
  });

  it("hide what a send rule the account may not use offers, other accounts' folders and tmp folders", () => {
    const open = rule('open', true, 'open');
    const restricted = rule('restricted', true, 'restricted');
    const mine = rule('mine', true, 'mine', { localDir: 'box/#ACCOUNT#' });
    const inbox = rule('inbox', false, 'inbox');
    const all = [open, restricted, mine, inbox];
    const bobs = hiddenAreas(all, new Set([open.id, mine.id, inbox.id]), 'bob', noDirs, defaults);
    // restricted reads the default out folder, as open does: nothing there for bob.
    assert.equal(isHidden('/gw/out/x.txt', false, bobs), true);
    assert.equal(isHidden('/gw/out', true, bobs), true);
    assert.equal(isHidden('/gw/box/bob/x.txt', false, bobs), false);
    assert.equal(isHidden('/gw/box/alice/x.txt', false, bobs), true);
    assert.equal(isHidden('/gw/box/alice', true, bobs), true);
    assert.equal(isHidden('/gw/box/readme.txt', false, bobs), false);
    assert.equal(isHidden('/gw/tmp/x.1.part', false, bobs), true);
    assert.equal(isHidden('/gw/in/x.txt', false, bobs), false);
    // Where bob sees only his own files, what alice is offered does not hide the folder.
    assert.equal(isHidden('/gw/out/x.txt', false, bobs, true), false);
    assert.equal(isHidden('/gw/box/alice/x.txt', false, bobs, true), true);
    // A tmp folder that is also a listed folder is not hidden (uploads refuse it instead).
    const same = hiddenAreas(
      [rule('r', false, 'r', { localDir: '/gw/tmp' })],
      new Set(),
      'bob',
      noDirs,
      defaults,
    );
    assert.equal(isHidden('/gw/tmp/x', false, same), false);
    const alices = hiddenAreas(all, new Set(all.map((r) => r.id)), 'alice', noDirs, defaults);
    assert.equal(isHidden('/gw/out/x.txt', false, alices), false);
    assert.equal(isHidden('/gw/box/bob', true, alices), true);
  });
});
