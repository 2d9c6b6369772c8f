/** paramiko and asyncssh, through one small driver script (sftp_client.py) run by Debian's python3. */
import { resolve } from 'node:path';
import { run } from '../run.js';
import type { ClientDriver, Session } from './driver.js';

/** Debian's interpreter, where python3-paramiko and python3-asyncssh are installed. */
const python = '/usr/bin/python3';
/** The script stays in the source tree (tsc does not copy it to dist). */
const script = resolve('test/interop/clients/sftp_client.py');

export type PythonLibrary = 'paramiko' | 'asyncssh';

export function python3(
  library: PythonLibrary,
  s: Session,
  op: string,
  args: string[],
  credentials: Record<string, string> = { INTEROP_KEY: s.key.file },
): ReturnType<typeof run> {
  return run(
    python,
    ['-W', 'ignore', script, library, String(s.endpoint.port), s.endpoint.user, op, ...args],
    {
      env: { INTEROP_KEY: '', INTEROP_PASSWORD: '', ...credentials },
      cwd: s.work,
    },
  );
}

function pythonDriver(library: PythonLibrary): ClientDriver {
  const op = (s: Session, name: string, ...args: string[]): ReturnType<typeof run> =>
    python3(library, s, name, args);
  return {
    name: library,
    async version() {
      const r = await run(python, ['-W', 'ignore', '-c', `import ${library}; print(${library}.__version__)`]);
      return `${library} ${r.stdout.trim()}`;
    },
    put: (s, local, remote, preserve = false) =>
      op(s, 'put', local, remote, ...(preserve ? ['preserve'] : [])),
    get: (s, remote, local, preserve = false) =>
      op(s, 'get', remote, local, ...(preserve ? ['preserve'] : [])),
    putTree: (s, localDir, remoteDir) => op(s, 'put-tree', localDir, remoteDir),
    getTree: (s, remoteDir, localDir) => op(s, 'get-tree', remoteDir, localDir),
    rename: (s, from, to) => op(s, 'rename', from, to),
    remove: (s, path) => op(s, 'remove', path),
    mkdir: (s, path) => op(s, 'mkdir', path),
    passwordLogin: (s, password) => python3(library, s, 'ls', ['.'], { INTEROP_PASSWORD: password }),
    lacks: { resume: `${library} has no resume of its own` },
  };
}

export const paramikoDriver = pythonDriver('paramiko');
export const asyncsshDriver = pythonDriver('asyncssh');
