/** Test and benchmark files: random contents, and their SHA-256. */
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const blockSize = 4 << 20;

/**
 * Writes `size` bytes of fresh random data. Every block differs, so a block written at the wrong
 * offset (a resume off by a multiple of the block) changes the checksum.
 */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w', 0o644);
  try {
    const block = Buffer.alloc(Math.min(size, blockSize));
    for (let off = 0; off < size; off += block.length) {
      randomFillSync(block);
      await fh.write(block, 0, Math.min(block.length, size - off), off);
    }
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
