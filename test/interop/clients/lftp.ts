/** lftp over its `sftp://` (it runs OpenSSH's `ssh -s sftp`), commands on stdin. */
import { run, start } from '../run.js';
import type { ClientDriver, Session } from './driver.js';
import { passwordOnlyOptions, privateFile, sshQuietOptions } from './driver.js';

function script(s: Session, commands: string[], password?: string): string {
  const ssh = [
    'ssh -a -x',
    ...(password === undefined
      ? [`-i ${s.key.file}`, '-o BatchMode=yes']
      : passwordOnlyOptions.map((o) => `-o ${o}`)),
    ...sshQuietOptions.map((o) => `-o ${o}`),
  ].join(' ');
  return [
    `set sftp:connect-program "${ssh}"`,
    'set cmd:fail-exit yes',
    'set net:max-retries 1',
    'set xfer:clobber on',
    `open -u ${s.endpoint.user},${password ?? ''} sftp://127.0.0.1:${s.endpoint.port}`,
    ...commands,
    '',
  ].join('\n');
}

export function lftp(s: Session, commands: string[]): ReturnType<typeof run> {
  return run('lftp', [], { stdin: script(s, commands), cwd: s.work });
}

export const lftpDriver: ClientDriver = {
  name: 'lftp',
  async version() {
    const first = (await run('lftp', ['--version'])).stdout.split('\n')[0] ?? '';
    return `lftp ${/Version ([\d.]+)/.exec(first)?.[1] ?? first}`;
  },
  // lftp sets the remote file's time after a put and the local one after a get.
  put: (s, local, remote) => lftp(s, [`put ${local} -o ${remote}`]),
  get: (s, remote, local) => lftp(s, [`get ${remote} -o ${local}`]),
  putTree: (s, localDir, remoteDir) => lftp(s, [`mirror -R ${localDir} ${remoteDir}`]),
  getTree: (s, remoteDir, localDir) => lftp(s, [`mirror ${remoteDir} ${localDir}`]),
  rename: (s, from, to) => lftp(s, [`mv ${from} ${to}`]),
  remove: (s, path) => lftp(s, [`rm ${path}`]),
  mkdir: (s, path) => lftp(s, [`mkdir ${path}`]),
  passwordLogin: (s, password) =>
    // The script holds the password: a private file, read by lftp with -f.
    run('lftp', ['-f', privateFile(s, 'login.lftp', script(s, ['ls'], password))]),
  resume: {
    how: 'put -c',
    start: (s, local, remote) =>
      start('lftp', [], { stdin: script(s, [`put ${local} -o ${remote}`]), cwd: s.work }),
    finish: (s, local, remote) => lftp(s, [`put -c ${local} -o ${remote}`]),
  },
  lacks: {},
};
