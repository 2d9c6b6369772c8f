/**
 * curl's sftp:// (libssh2). `/~/` makes a path relative to the login folder. Several files go
 * in one run through a config on stdin (`-K -`), over one connection, as a script would do.
 */
import { join } from 'node:path';
import { run, start } from '../run.js';
import type { ClientDriver, Session } from './driver.js';
import { filesUnder, isAbsolute } from './driver.js';

function url(s: Session, remote: string): string {
  return `sftp://127.0.0.1:${s.endpoint.port}${isAbsolute(remote) ? '' : '/~/'}${remote}`;
}

/** Key login with no password (`-u user:`), no host key check (`-k`). */
function auth(s: Session): string[] {
  return ['-sS', '-k', '--key', s.key.file, '-u', `${s.endpoint.user}:`];
}

function curl(s: Session, args: string[], stdin?: string): ReturnType<typeof run> {
  return run('curl', [...auth(s), ...args], stdin === undefined ? {} : { stdin });
}

/** `-Q` commands run before the (listing) transfer of the login folder. */
function quote(s: Session, command: string): ReturnType<typeof run> {
  return curl(s, ['-Q', command, '-o', '/dev/null', url(s, '')]);
}

export const curlDriver: ClientDriver = {
  name: 'curl',
  async version() {
    const first = (await run('curl', ['-V'])).stdout.split('\n')[0] ?? '';
    return `curl ${first.split(' ')[1] ?? ''} (${/libssh2?\/[\d.]+/.exec(first)?.[0] ?? 'no ssh library'})`;
  },
  put: (s, local, remote) => curl(s, ['-T', local, url(s, remote)]),
  get: (s, remote, local, preserve = false) =>
    curl(s, [...(preserve ? ['-R'] : []), '-o', local, url(s, remote)]),
  putTree: (s, localDir, remoteDir) => {
    const config = filesUnder(localDir).map(
      (f) => `upload-file = "${join(localDir, f)}"\nurl = "${url(s, `${remoteDir}/${f}`)}"`,
    );
    return curl(s, ['--ftp-create-dirs', '-K', '-'], config.join('\n') + '\n');
  },
  getTree: (s, remoteDir, localDir, files) => {
    const config = files.map(
      (f) => `url = "${url(s, `${remoteDir}/${f}`)}"\noutput = "${join(localDir, f)}"`,
    );
    return curl(s, ['--create-dirs', '-K', '-'], config.join('\n') + '\n');
  },
  rename: (s, from, to) => quote(s, `rename ${from} ${to}`),
  remove: (s, path) => quote(s, `rm ${path}`),
  mkdir: (s, path) => quote(s, `mkdir ${path}`),
  passwordLogin: (s, password) =>
    run('curl', ['-sS', '-k', '-K', '-', url(s, '')], {
      stdin: `user = "${s.endpoint.user}:${password}"\n`,
    }),
  resume: {
    how: '-C - -T',
    start: (s, local, remote) => start('curl', [...auth(s), '-T', local, url(s, remote)]),
    finish: (s, local, remote) => curl(s, ['-C', '-', '-T', local, url(s, remote)]),
  },
  lacks: { preserveUpload: 'curl sets no modification time on an upload' },
};

/** A killed download, resumed with `curl -C -` (the issue's scenario). */
export const curlDownload = {
  start: (s: Session, remote: string, local: string) =>
    start('curl', [...auth(s), '-o', local, url(s, remote)]),
  finish: (s: Session, remote: string, local: string) => curl(s, ['-C', '-', '-o', local, url(s, remote)]),
};
