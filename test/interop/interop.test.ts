/**
 * `npm run test:interop`: eight real SFTP clients from Debian (OpenSSH sftp, rclone, lftp, curl,
 * PuTTY psftp, sshfs, paramiko, asyncssh) against a gateway node and, in the same run, against
 * OpenSSH's internal-sftp, so that a client's quirk is told from a gateway defect. One named
 * test per client × check × target; the matrix is printed at the end (issue #13).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asComment } from '../support/compose.js';
import type { SshKey } from '../support/openssh.js';
import { generateKey } from '../support/openssh.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { clients } from './clients/index.js';
import type { ClientDriver, Session } from './clients/driver.js';
import { checkFuse } from './clients/sshfs.js';
import type { Fixtures } from './fixtures.js';
import { makeFixtures } from './fixtures.js';
import { Matrix } from './matrix.js';
import type { Check, Operation } from './operations.js';
import { operations } from './operations.js';
import type { Target, TargetName } from './targets.js';
import { startGatewayTarget, startOpensshTarget, targetNames } from './targets.js';

/** WAARP_INTEROP_CLIENTS=sftp,curl runs only those clients (while working on them; CI runs all). */
const only = process.env.WAARP_INTEROP_CLIENTS?.split(',');
/**
 * Clients run four at a time, each against both servers at once: most of a client's time is
 * waiting (process start, handshakes, round trips), and each has its own gateway account.
 */
const concurrency = Number(process.env.WAARP_INTEROP_CONCURRENCY ?? '4');
const chosen = clients.filter((c) => only === undefined || only.includes(c.name));
const matrix = new Matrix(
  targetNames,
  chosen.map((c) => c.name),
  operations.map((o) => o.name),
);

describe(
  'interop: eight SFTP clients against the gateway and OpenSSH',
  { timeout: 40 * 60_000, concurrency },
  () => {
    let root: string;
    let fx: Fixtures;
    let key: SshKey;
    let ppk: string;
    const targets = new Map<TargetName, Target>();

    before(async () => {
      checkFuse();
      root = await makeTempDir('interop');
      for (const c of chosen) matrix.versions.set(c.name, await c.version());
      key = await generateKey(root, 'client_ed25519');
      ppk = join(root, 'client_ed25519.ppk');
      execFileSync('puttygen', [key.file, '-O', 'private', '-o', ppk]);
      fx = await makeFixtures(join(root, 'fixtures'));
      const openssh = await startOpensshTarget(key);
      targets.set('openssh', openssh);
      const logins = chosen.map((c) => c.name);
      targets.set('gateway', await startGatewayTarget(key, 'the-right-password', logins));
      for (const t of targets.values()) {
        for (const f of [fx.zero, fx.small, fx.big, fx.dated]) t.offer(f.path, f.name);
        for (const f of fx.tree.files) t.offer(join(fx.tree.path, f.name), `tree/${f.name}`);
      }
    });

    after(async () => {
      console.log(asComment(matrix.text()));
      for (const c of chosen) await c.close?.();
      for (const t of targets.values()) await t.stop();
      if (root !== undefined) await removeTempDir(root);
    });

    // A client's checks against the two targets run side by side, each target's in order.
    for (const client of chosen) {
      describe(client.name, { concurrency: targetNames.length }, () => {
        for (const name of targetNames) {
          describe(`${client.name} → ${name}`, { concurrency: 1 }, () => {
            for (const op of operations) {
              if (op.clients !== undefined && !op.clients.includes(client.name)) continue;
              const lacking = op.lacking?.(client);
              if (lacking !== undefined) matrix.notApplicable(client.name, op.name, lacking);
              else cell(client, op, name);
            }
          });
        }
      });
    }

    function cell(client: ClientDriver, op: Operation, name: TargetName): void {
      it(`${client.name} → ${name}: ${op.name}`, { timeout: 300_000 }, async () => {
        const target = targets.get(name)!;
        const work = join(root, client.name, name);
        mkdirSync(work, { recursive: true });
        const s: Session = { endpoint: target.endpoint(client.name), key, ppk, work };
        const local = await makeTempDir(`interop-${client.name}`);
        const check: Check = {
          client,
          target,
          s,
          records: target.records(client.name),
          fx,
          local,
          showed: (error, r) => matrix.showed(client.name, error, name, r.output),
        };
        try {
          await op.run(check);
          matrix.set(client.name, op.name, name, { kind: 'ok' });
        } catch (err) {
          const reason = (err as Error).message.split('\n')[0] ?? '';
          matrix.set(client.name, op.name, name, { kind: 'FAIL', reason });
          throw err;
        } finally {
          await removeTempDir(local);
        }
      });
    }
  },
);
