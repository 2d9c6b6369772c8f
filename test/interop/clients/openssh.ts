/** OpenSSH's `sftp` in batch mode (`-b -`): key login as test/support/openssh.ts runs it. */
import { sftpArgs } from '../../support/openssh.js';
import { run, start } from '../run.js';
import type { ClientDriver, Session } from './driver.js';
import { passwordOnlyOptions, sshQuietOptions } from './driver.js';

function batch(s: Session, commands: string[]): ReturnType<typeof run> {
  return run('sftp', options(s), { stdin: commands.join('\n') + '\n', cwd: s.work });
}

function options(s: Session): string[] {
  return sftpArgs({ port: s.endpoint.port, user: s.endpoint.user, key: s.key.file });
}

export const opensshSftp: ClientDriver = {
  name: 'sftp',
  async version() {
    const r = await run('ssh', ['-V']);
    return r.output.trim().split(/[, ]/)[0] ?? r.output;
  },
  put: (s, local, remote, preserve = false) => batch(s, [`put ${preserve ? '-p ' : ''}${local} ${remote}`]),
  get: (s, remote, local, preserve = false) => batch(s, [`get ${preserve ? '-p ' : ''}${remote} ${local}`]),
  putTree: (s, localDir, remoteDir) => batch(s, [`put -r ${localDir} ${remoteDir}`]),
  getTree: (s, remoteDir, localDir) => batch(s, [`get -r ${remoteDir} ${localDir}`]),
  rename: (s, from, to) => batch(s, [`rename ${from} ${to}`]),
  remove: (s, path) => batch(s, [`rm ${path}`]),
  mkdir: (s, path) => batch(s, [`mkdir ${path}`]),
  passwordLogin: (s, password) =>
    // sshpass answers the password prompt; `-b` would turn prompts off (BatchMode), hence BatchMode=no.
    run(
      'sshpass',
      [
        '-e',
        'sftp',
        '-o',
        'BatchMode=no',
        ...[...sshQuietOptions, ...passwordOnlyOptions].flatMap((o) => ['-o', o]),
        '-P',
        String(s.endpoint.port),
        `${s.endpoint.user}@127.0.0.1`,
      ],
      { env: { SSHPASS: password }, stdin: 'ls\n' },
    ),
  resume: {
    how: 'reput',
    start: (s, local, remote) =>
      start('sftp', options(s), { stdin: `put ${local} ${remote}\n`, cwd: s.work }),
    finish: (s, local, remote) => batch(s, [`reput ${local} ${remote}`]),
  },
  lacks: {},
};
