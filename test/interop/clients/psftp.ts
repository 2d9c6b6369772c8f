/** PuTTY's `psftp` with a batch file (`-b`; stops at the first failing command), host key pinned. */
import { run, start } from '../run.js';
import type { ClientDriver, Session } from './driver.js';
import { privateFile } from './driver.js';

let batches = 0;

function args(s: Session, commands: string[], login: string[] = ['-i', s.ppk]): string[] {
  const file = privateFile(s, `batch-${++batches}.psftp`, commands.join('\n') + '\n');
  return [
    '-batch',
    '-hostkey',
    s.endpoint.hostKey,
    ...login,
    '-P',
    String(s.endpoint.port),
    '-b',
    file,
    `${s.endpoint.user}@127.0.0.1`,
  ];
}

function psftp(s: Session, commands: string[]): ReturnType<typeof run> {
  return run('psftp', args(s, commands), { cwd: s.work });
}

export const psftpDriver: ClientDriver = {
  name: 'psftp',
  async version() {
    const r = await run('psftp', ['-V']);
    return `psftp ${/Release ([\d.]+)/.exec(r.output)?.[1] ?? r.output.trim()}`;
  },
  put: (s, local, remote) => psftp(s, [`put ${local} ${remote}`]),
  get: (s, remote, local) => psftp(s, [`get ${remote} ${local}`]),
  putTree: (s, localDir, remoteDir) => psftp(s, [`put -r ${localDir} ${remoteDir}`]),
  getTree: (s, remoteDir, localDir) => psftp(s, [`get -r ${remoteDir} ${localDir}`]),
  rename: (s, from, to) => psftp(s, [`mv ${from} ${to}`]),
  remove: (s, path) => psftp(s, [`rm ${path}`]),
  mkdir: (s, path) => psftp(s, [`mkdir ${path}`]),
  passwordLogin: (s, password) =>
    run('psftp', args(s, ['ls'], ['-pwfile', privateFile(s, 'password', password)])),
  resume: {
    how: 'reput',
    start: (s, local, remote) => start('psftp', args(s, [`put ${local} ${remote}`]), { cwd: s.work }),
    finish: (s, local, remote) => psftp(s, [`reput ${local} ${remote}`]),
  },
  lacks: {
    preserveUpload: 'psftp has no option to keep times (pscp -p has)',
    preserveDownload: 'psftp has no option to keep times (pscp -p has)',
  },
};
