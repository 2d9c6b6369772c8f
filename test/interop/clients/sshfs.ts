/**
 * sshfs (FUSE 3): the login folder mounted once per server and port, then plain `cp`, `mv`, `rm`,
 * `mkdir` on the mount, as a user does. Needs /dev/fuse and root; without them the tier fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '../run.js';
import { run, succeeded } from '../run.js';
import type { ClientDriver, Session } from './driver.js';
import { passwordOnlyOptions, sshQuietOptions } from './driver.js';

const mounts = new Map<string, Promise<Run>>();

function mountOptions(s: Session): string {
  // dir_cache=no: every listing asks the server (files appear there behind the client's back).
  return [...sshQuietOptions, `port=${s.endpoint.port}`, 'dir_cache=no'].join(',');
}

/** The mount point of the session's server, mounted on first use (a failed mount fails every operation). */
async function mounted(s: Session): Promise<{ dir: string; failed?: Run }> {
  const dir = join(s.work, `mnt-${s.endpoint.port}`);
  let mounting = mounts.get(dir);
  if (mounting === undefined) {
    mkdirSync(dir, { recursive: true });
    mounting = run('sshfs', [
      '-o',
      `${mountOptions(s)},IdentityFile=${s.key.file},BatchMode=yes`,
      `${s.endpoint.user}@127.0.0.1:`,
      dir,
    ]);
    mounts.set(dir, mounting);
  }
  const r = await mounting;
  return succeeded(r) ? { dir } : { dir, failed: r };
}

async function onMount(s: Session, fn: (at: (remote: string) => string) => Promise<Run>): Promise<Run> {
  const m = await mounted(s);
  return m.failed ?? fn((remote) => join(m.dir, remote));
}

export const sshfsDriver: ClientDriver = {
  name: 'sshfs',
  async version() {
    const r = await run('sshfs', ['-V']);
    return `sshfs ${/SSHFS version ([\d.]+)/.exec(r.output)?.[1] ?? '?'} (FUSE ${/FUSE library version ([\d.]+)/.exec(r.output)?.[1] ?? '?'})`;
  },
  put: (s, local, remote, preserve = false) =>
    onMount(s, (at) => run('cp', [...(preserve ? ['-p'] : []), local, at(remote)])),
  get: (s, remote, local, preserve = false) =>
    onMount(s, (at) => run('cp', [...(preserve ? ['-p'] : []), at(remote), local])),
  putTree: (s, localDir, remoteDir) => onMount(s, (at) => run('cp', ['-r', localDir, at(remoteDir)])),
  getTree: (s, remoteDir, localDir) => onMount(s, (at) => run('cp', ['-r', at(remoteDir), localDir])),
  rename: (s, from, to) => onMount(s, (at) => run('mv', [at(from), at(to)])),
  remove: (s, path) => onMount(s, (at) => run('rm', [at(path)])),
  mkdir: (s, path) => onMount(s, (at) => run('mkdir', [at(path)])),
  async passwordLogin(s, password) {
    const dir = join(s.work, `mnt-password-${s.endpoint.port}`);
    mkdirSync(dir, { recursive: true });
    const r = await run(
      'sshfs',
      [
        '-o',
        `${mountOptions(s)},password_stdin,${passwordOnlyOptions.join(',')}`,
        `${s.endpoint.user}@127.0.0.1:`,
        dir,
      ],
      { stdin: `${password}\n` },
    );
    if (succeeded(r)) await run('fusermount3', ['-u', dir]);
    return r;
  },
  lacks: { resume: 'a copy through the mount starts over' },
  async close() {
    for (const [dir, mounting] of mounts) {
      if (succeeded(await mounting) && existsSync(dir)) await run('fusermount3', ['-u', '-z', dir]);
    }
    mounts.clear();
  },
};

/** Fails (never skips) when sshfs cannot work here. */
export function checkFuse(): void {
  if (!existsSync('/dev/fuse'))
    throw new Error('/dev/fuse is missing: sshfs cannot mount (the interop tier needs FUSE)');
  if (process.getuid?.() !== 0)
    throw new Error('the interop tier runs sshfs as root (FUSE mounts by the test user)');
}
