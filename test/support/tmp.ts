/**
 * Temporary directories for tests: one per test or suite, removed by the test, and swept at
 * process exit as a safety net (a failed assertion must not leave files behind).
 * Set WAARP_TEST_KEEP_TMP=1 to keep them for a post-mortem.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
let exitHookInstalled = false;

function keep(): boolean {
  return process.env.WAARP_TEST_KEEP_TMP === '1';
}

function track(dir: string): string {
  live.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', removeAllTempDirsSync);
  }
  return dir;
}

function base(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '-');
  return join(tmpdir(), `waarp-test-${safe}-`);
}

/** Creates a fresh, empty directory under the OS temp dir: `<tmp>/waarp-test-<prefix>-XXXXXX`. */
export async function makeTempDir(prefix: string): Promise<string> {
  return track(await mkdtemp(base(prefix)));
}

/** Synchronous `makeTempDir`, for module-level fixtures. */
export function makeTempDirSync(prefix: string): string {
  return track(mkdtempSync(base(prefix)));
}

/** Removes a directory made by `makeTempDir` (recursively; missing is fine). */
export async function removeTempDir(dir: string): Promise<void> {
  live.delete(dir);
  if (keep()) return;
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/** Removes every directory made by this process and not removed yet (runs at exit too). */
export function removeAllTempDirsSync(): void {
  for (const dir of live) {
    live.delete(dir);
    if (keep()) continue;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    } catch {
      // Best effort at exit: a leftover temp dir is not worth a failing exit.
    }
  }
}

/** A temp directory that removes itself: `await using dir = await tempDir('sftp')`. */
export interface TempDir extends AsyncDisposable {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await makeTempDir(prefix);
  const remove = (): Promise<void> => removeTempDir(path);
  return { path, remove, [Symbol.asyncDispose]: remove };
}

/** Runs `fn` with a fresh temp directory, removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await removeTempDir(dir);
  }
}
