/**
 * The files every client sends and fetches, made once per run: 0 B, 1 KiB, one 64 MiB file and
 * a 200-file tree (four folders, sizes from 0 to a few KiB), plus a file with a known old
 * modification time for the time checks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256File, writeRandomFile } from '../support/files.js';

export const MiB = 1 << 20;

/** A modification time far from now, whole seconds (what every client can carry). */
export const oldTime = new Date('2021-03-04T05:06:07Z');

export interface LocalFile {
  /** Name in the fixtures folder, and under the targets' download folder. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface Fixtures {
  readonly dir: string;
  readonly zero: LocalFile;
  readonly small: LocalFile;
  readonly big: LocalFile;
  /** Has `oldTime` as its modification time. */
  readonly dated: LocalFile;
  readonly tree: { readonly name: string; readonly path: string; readonly files: readonly LocalFile[] };
}

export const treeFileCount = 200;

export async function makeFixtures(dir: string): Promise<Fixtures> {
  mkdirSync(dir, { recursive: true });
  const small = (name: string, data: Buffer): LocalFile => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, data);
    return { name, path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  };
  const bigPath = join(dir, 'big.bin');
  await writeRandomFile(bigPath, 64 * MiB);
  const dated = small('dated.txt', Buffer.from('a file with an old modification time\n'));
  utimesSync(dated.path, oldTime, oldTime);
  const files: LocalFile[] = [];
  for (let i = 0; i < treeFileCount; i++) {
    const folder = `part${i % 4}`;
    files.push(small(`tree/${folder}/file-${String(i).padStart(3, '0')}.dat`, randomBytes((i * 97) % 4096)));
  }
  return {
    dir,
    zero: small('zero.bin', Buffer.alloc(0)),
    small: small('small.bin', randomBytes(1024)),
    big: { name: 'big.bin', path: bigPath, size: 64 * MiB, sha256: await sha256File(bigPath) },
    dated,
    tree: {
      name: 'tree',
      path: join(dir, 'tree'),
      files: files.map((f) => ({ ...f, name: f.name.slice('tree/'.length) })),
    },
  };
}

/** Every regular file under `root`, by path relative to it, with size and SHA-256. */
export function listTree(root: string): Map<string, { size: number; sha256: string }> {
  const out = new Map<string, { size: number; sha256: string }>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const p = join(folder, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const data = readFileSync(p);
        out.set(relative(root, p), {
          size: statSync(p).size,
          sha256: createHash('sha256').update(data).digest('hex'),
        });
      }
    }
  };
  walk(root);
  return out;
}
