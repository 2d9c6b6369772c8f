/**
 * The hash worker's thread (started by hash-worker.ts, one per process): for each upload it
 * reads the file back, from the page cache, up to the contiguous mark it is told, and keeps
 * the running SHA-256. Synchronous reads: this thread has nothing else to do.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-worker.js';

interface Job {
  fd: number;
  readonly hash: Hash;
  /** Bytes [0, pos) are hashed. */
  pos: number;
  /** The first failure: the job then only waits for `finish` to report it. */
  error: string | undefined;
}

const jobs = new Map<number, Job>();
const buffer = Buffer.allocUnsafe(1 << 20);

function open(path: string): Job {
  const job: Job = { fd: -1, hash: createHash('sha256'), pos: 0, error: undefined };
  try {
    job.fd = openSync(path, 'r');
  } catch (err) {
    job.error = String(err);
  }
  return job;
}

function hashUpTo(job: Job, to: number): void {
  if (job.error !== undefined) return;
  try {
    while (job.pos < to) {
      const n = readSync(job.fd, buffer, 0, Math.min(buffer.length, to - job.pos), job.pos);
      if (n === 0) throw new Error('the file is shorter than written');
      job.hash.update(buffer.subarray(0, n));
      job.pos += n;
    }
  } catch (err) {
    job.error = String(err);
  }
}

function close(job: Job): void {
  if (job.fd < 0) return;
  try {
    closeSync(job.fd);
  } catch {
    // Nothing to do: the job is over either way.
  }
}

function reply(port: NonNullable<typeof parentPort>, m: HashReply): void {
  port.postMessage(m);
}

function serve(port: NonNullable<typeof parentPort>): void {
  port.on('message', (m: HashRequest) => {
    if (m.op === 'start') {
      jobs.set(m.id, open(m.path));
      return;
    }
    const job = jobs.get(m.id);
    if (job === undefined) {
      if (m.op === 'finish') reply(port, { id: m.id, error: 'unknown job' });
      return;
    }
    if (m.op === 'cancel') {
      jobs.delete(m.id);
      close(job);
      return;
    }
    hashUpTo(job, m.to);
    if (m.op === 'finish') {
      jobs.delete(m.id);
      close(job);
      reply(
        port,
        job.error === undefined ? { id: m.id, hex: job.hash.digest('hex') } : { id: m.id, error: job.error },
      );
    }
  });
}

if (parentPort === null)
  throw new Error('hash-worker-thread.js runs only as a worker thread (see hash-worker.ts)');
serve(parentPort);
