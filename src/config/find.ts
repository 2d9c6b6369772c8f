import { statSync } from 'node:fs';
import { join } from 'node:path';

/** Where the daemon looks for its configuration without `-c`, in order (the reference's Unix list). */
export function configFileCandidates(cwd: string): string[] {
  return [join(cwd, 'gatewayd.ini'), join(cwd, 'etc', 'gatewayd.ini'), '/etc/waarp-gateway/gatewayd.ini'];
}

/** The first candidate that is a file, or undefined. */
export function findConfigFile(
  cwd: string,
  candidates: readonly string[] = configFileCandidates(cwd),
): string | undefined {
  return candidates.find((path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}
