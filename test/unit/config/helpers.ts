import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/errors.js';
import { makeTempDirSync } from '../../support/tmp.js';

/** test/fixtures/config, found from the compiled test in dist/test/unit/config. */
export const fixtures = fileURLToPath(new URL('../../../../test/fixtures/config/', import.meta.url));

/** A fresh temp folder holding `files` (name -> content), removed at exit; returns its path. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = makeTempDirSync('config');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Runs `fn`, asserts it throws a ConfigError, returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}
