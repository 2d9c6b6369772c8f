/**
 * What the tier asks of every SFTP client, each driven by its own command line (or a small
 * script for the Python libraries), the way a user or a script would drive it. Remote paths are
 * relative to the login folder (`in/x`), or absolute (`/nowhere/x`).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SshKey } from '../../support/openssh.js';
import type { Run, Started } from '../run.js';
import type { Endpoint } from '../targets.js';

export interface Session {
  readonly endpoint: Endpoint;
  readonly key: SshKey;
  /** The same key in PuTTY's format. */
  readonly ppk: string;
  /** The client's own scratch folder (scripts, password files, mount points). */
  readonly work: string;
}

/** The client's own way to finish an upload that was cut. */
export interface Resume {
  /** The command, for the summary (`reput`). */
  readonly how: string;
  /** A plain upload, to be killed part way. */
  start(s: Session, local: string, remote: string): Started;
  finish(s: Session, local: string, remote: string): Promise<Run>;
}

export interface ClientDriver {
  /** Short name, as in the matrix (`sftp`, `rclone`…). */
  readonly name: string;
  /** Name and version as the client prints them. */
  version(): Promise<string>;
  /** `preserve`: keep the modification time (clients that always do ignore it). */
  put(s: Session, local: string, remote: string, preserve?: boolean): Promise<Run>;
  get(s: Session, remote: string, local: string, preserve?: boolean): Promise<Run>;
  putTree(s: Session, localDir: string, remoteDir: string): Promise<Run>;
  /** `files`: the tree's files, for a client that cannot list recursively (curl). */
  getTree(s: Session, remoteDir: string, localDir: string, files: readonly string[]): Promise<Run>;
  rename(s: Session, from: string, to: string): Promise<Run>;
  remove(s: Session, path: string): Promise<Run>;
  mkdir(s: Session, path: string): Promise<Run>;
  /** Logs in with this password alone (no key) and lists the login folder. */
  passwordLogin(s: Session, password: string): Promise<Run>;
  readonly resume?: Resume;
  /** What the client cannot do, and why (printed as n/a in the summary; never a passing test). */
  readonly lacks: {
    readonly preserveUpload?: string;
    readonly preserveDownload?: string;
    readonly resume?: string;
  };
  /** Unmounts, closes what the driver keeps open. */
  close?(): Promise<void>;
}

/** `-o` options of OpenSSH's `ssh` for clients that run it (sftp, lftp, sshfs): no host key checks. */
export const sshQuietOptions = [
  'StrictHostKeyChecking=no',
  'UserKnownHostsFile=/dev/null',
  'LogLevel=ERROR',
] as const;

/** OpenSSH options for a login by password only. */
export const passwordOnlyOptions = [
  'PubkeyAuthentication=no',
  'PreferredAuthentications=password',
  'NumberOfPasswordPrompts=1',
] as const;

/** Writes a private file (a script or a password) into the session's folder; returns its path. */
export function privateFile(s: Session, name: string, content: string): string {
  const path = join(s.work, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** A remote path as an absolute one under the login folder is written by clients that need it. */
export function isAbsolute(remote: string): boolean {
  return remote.startsWith('/');
}

/** Every file under `dir`, by path relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}
