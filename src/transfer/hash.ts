/** SHA-256 of files, read in large chunks through one fd. */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { read } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const readFd = promisify(read);
const chunk = 1 << 20;

/** Feeds bytes [0, length) of the open file `fd` to `hash` (length undefined: to the end). */
export async function hashFd(fd: number, hash: Hash = createHash('sha256'), length?: number): Promise<Hash> {
  const buf = Buffer.allocUnsafe(chunk);
  let pos = 0;
  for (;;) {
    const want = length === undefined ? chunk : Math.min(chunk, length - pos);
    if (want <= 0) break;
    const { bytesRead } = await readFd(fd, buf, 0, want, pos);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash;
}

/** Feeds bytes [0, length) of the file to `hash` (length undefined: to the end). */
export async function hashFile(
  path: string,
  hash: Hash = createHash('sha256'),
  length?: number,
): Promise<Hash> {
  const fh = await open(path, 'r');
  try {
    return await hashFd(fh.fd, hash, length);
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  return (await hashFile(path)).digest('hex');
}
