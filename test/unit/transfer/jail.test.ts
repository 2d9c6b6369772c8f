import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TransferError } from '../../../src/model/transfer-state.js';
import { resolveInside } from '../../../src/transfer/jail.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';

describe('resolveInside', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = realpathSync(await makeTempDir('jail'));
    root = join(dir, 'root');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'secret'), 's');
    writeFileSync(join(root, 'sub', 'file'), 'f');
    symlinkSync(join(dir, 'outside'), join(root, 'out-link'));
    symlinkSync(join(dir, 'outside', 'secret'), join(root, 'secret-link'));
    symlinkSync(join(root, 'sub'), join(root, 'in-link'));
    symlinkSync(join(dir, 'outside', 'nothing-yet'), join(root, 'dangling'));
  });
  after(() => removeTempDir(dir));

  const forbidden = (err: unknown): boolean => err instanceof TransferError && err.code === 'TeForbidden';

  it('resolves existing and new paths inside the root', async () => {
    assert.equal(await resolveInside(root, 'sub/file'), join(root, 'sub', 'file'));
    assert.equal(await resolveInside(root, 'sub/new/deeper.txt'), join(root, 'sub', 'new', 'deeper.txt'));
    assert.equal(await resolveInside(root, 'in-link/file'), join(root, 'sub', 'file'));
  });

  it('refuses links that lead outside, dangling links, and .. escapes', async () => {
    await assert.rejects(resolveInside(root, 'out-link/secret'), forbidden);
    await assert.rejects(resolveInside(root, 'out-link/new-file'), forbidden);
    await assert.rejects(resolveInside(root, 'secret-link'), forbidden);
    await assert.rejects(resolveInside(root, 'dangling'), forbidden);
    await assert.rejects(resolveInside(root, '../outside/secret'), /outside its directory/);
  });

  it('creates a missing root when asked', async () => {
    const fresh = join(dir, 'fresh', 'root');
    assert.equal(await resolveInside(fresh, 'a.txt', { create: true }), join(fresh, 'a.txt'));
    await assert.rejects(resolveInside(join(dir, 'missing'), 'a.txt'), /ENOENT/);
  });
});
