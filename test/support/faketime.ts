/**
 * A process whose clock is wrong, as on a VM resumed from suspend or a host without NTP:
 * Debian's libfaketime (package `faketime`) preloaded with a fixed offset. Only that process
 * sees the offset (its wall clock and its monotonic clock move together, so its timers keep
 * their pace); the database and the other nodes keep the real time.
 */
import { existsSync } from 'node:fs';

const candidates = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];

/** Environment for a child process whose clock is `offsetSeconds` ahead (negative: behind). */
export function skewedClockEnv(offsetSeconds: number): Record<string, string> {
  const lib = candidates.find((p) => existsSync(p));
  if (lib === undefined) {
    throw new Error('libfaketime is not installed: apt-get install faketime (Debian) — .ci/run does it');
  }
  const sign = offsetSeconds < 0 ? '-' : '+';
  return { LD_PRELOAD: lib, FAKETIME: `${sign}${Math.abs(offsetSeconds)}s` };
}
