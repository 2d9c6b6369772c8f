/**
 * rclone with an on-the-fly `:sftp,…:` remote (no configuration file). `shell_type=none`: rclone
 * must not try shell commands (md5sum…) over SSH; neither server offers a shell.
 */
import { run } from '../run.js';
import type { ClientDriver, Session } from './driver.js';

/** An rclone path on the session's server (key login unless `withKey` is false). */
export function rcloneRemote(s: Session, path: string, withKey = true): string {
  const key = withKey ? `,key_file=${s.key.file}` : '';
  return `:sftp,host=127.0.0.1,port=${s.endpoint.port},user=${s.endpoint.user}${key},shell_type=none:${path}`;
}

export function rclone(args: string[], env: Record<string, string> = {}): ReturnType<typeof run> {
  return run('rclone', ['--config', '/dev/null', '--retries', '1', '--low-level-retries', '1', ...args], {
    env,
  });
}

export const rcloneDriver: ClientDriver = {
  name: 'rclone',
  async version() {
    return (await run('rclone', ['version'])).stdout.split('\n')[0]?.trim() ?? '';
  },
  // rclone always sets the modification time, both ways (sftp backend `set_modtime`).
  put: (s, local, remote) => rclone(['copyto', local, rcloneRemote(s, remote)]),
  get: (s, remote, local) => rclone(['copyto', rcloneRemote(s, remote), local]),
  putTree: (s, localDir, remoteDir) => rclone(['copy', localDir, rcloneRemote(s, remoteDir)]),
  getTree: (s, remoteDir, localDir) => rclone(['copy', rcloneRemote(s, remoteDir), localDir]),
  rename: (s, from, to) => rclone(['moveto', rcloneRemote(s, from), rcloneRemote(s, to)]),
  remove: (s, path) => rclone(['deletefile', rcloneRemote(s, path)]),
  mkdir: (s, path) => rclone(['mkdir', rcloneRemote(s, path)]),
  async passwordLogin(s, password) {
    // rclone takes passwords obscured, from its environment.
    const obscured = (await run('rclone', ['obscure', '-'], { stdin: password })).stdout.trim();
    return rclone(['lsf', rcloneRemote(s, '', false)], { RCLONE_SFTP_PASS: obscured });
  },
  lacks: { resume: 'rclone sends a cut upload again from the start (no partial upload on sftp)' },
};
