/**
 * Finding 4 of #15: EXEC tasks were injectable. File names were substituted into the argument
 * string before it was split, so `a b --flag` arrived as three arguments, a name with `'` made
 * the task fail, and with an `sh -c` rule the partner's name `z;cd;touch pwned;` ran commands.
 * Programs also inherited the daemon's environment, WAARP_GATEWAY_ADMIN_PASSWORD included.
 * Partners name the files here, over SFTP, as they would.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { connect, p } from '../integration/sftp/client.js';
import type { SftpHarness } from '../integration/sftp/harness.js';
import { eventually, startHarness } from '../integration/sftp/harness.js';

describe('EXEC tasks are not injectable (finding 4)', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let work: string;
  let home: string;
  const saved = {
    HOME: process.env.HOME,
    admin: process.env.WAARP_GATEWAY_ADMIN_PASSWORD,
    other: process.env.SOME_API_TOKEN,
  };

  before(async () => {
    h = await startHarness();
    work = await makeTempDir('exec-inject');
    home = await makeTempDir('exec-home');
    // What a daemon's environment may hold: none of it may reach a task's program.
    process.env.HOME = home;
    process.env.WAARP_GATEWAY_ADMIN_PASSWORD = 'leaked-admin-password';
    process.env.SOME_API_TOKEN = 'leaked-token';
    const record = join(work, 'record.sh');
    writeFileSync(
      record,
      `#!/bin/sh\n{ echo "$#"; for a in "$@"; do echo "[$a]"; done; } > "${work}/args-$TRANSFERID"\nenv > "${work}/env-$TRANSFERID"\n`,
    );
    chmodSync(record, 0o755);
    await h.addAccount('mallory', { password: 'mallory-long-password' });
    await h.addRule({
      name: 'record',
      isSend: false,
      path: 'record',
      postTasks: [{ type: 'EXEC', args: { path: record, args: 'name=#TRUEFILENAME#' } }],
    });
    await h.addRule({
      name: 'shell',
      isSend: false,
      path: 'shell',
      postTasks: [
        {
          type: 'EXEC',
          args: { path: '/bin/sh', args: `-c 'printf "%s" #TRUEFILENAME# > ${work}/shell-#TRANSFERID#'` },
        },
      ],
    });
  });
  after(async () => {
    for (const [k, v] of [
      ['HOME', saved.HOME],
      ['WAARP_GATEWAY_ADMIN_PASSWORD', saved.admin],
      ['SOME_API_TOKEN', saved.other],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await h.stop();
    await removeTempDir(work);
    await removeTempDir(home);
  });

  async function upload(path: string): Promise<number> {
    const c = await connect(h.port, { username: 'mallory', password: 'mallory-long-password' });
    try {
      await p.writeFile(c.sftp, path, Buffer.from('data'));
    } finally {
      await c.end();
    }
    const rule = path.split('/')[1] ?? '';
    return eventually(async () => {
      const rows = await h.stores.transfers.listNormalized({ rule: [rule] });
      const row = rows.find((t) => t.destFilename === path.split('/').pop());
      return row?.isHistory === true || row?.status === 'ERROR' ? row.id : undefined;
    });
  }

  it('gives a name with spaces and dashes as one argument', async () => {
    const id = await upload('/record/a b --flag');
    assert.equal(readFileSync(join(work, `args-${id}`), 'utf8'), '1\n[name=a b --flag]\n');
  });

  it("runs the task for a name holding a quote ('), as one argument", async () => {
    const id = await upload("/record/it's.txt");
    assert.equal(readFileSync(join(work, `args-${id}`), 'utf8'), "1\n[name=it's.txt]\n");
  });

  it('quotes names given to a shell the rule names: no command runs', async () => {
    const id = await upload('/shell/z;cd;touch pwned;');
    assert.deepEqual(readdirSync(home), [], 'nothing ran in $HOME');
    assert.equal(readFileSync(join(work, `shell-${id}`), 'utf8'), 'z;cd;touch pwned;');
  });

  it('gives programs a minimal environment: no WAARP_GATEWAY_* variable, no secret', async () => {
    const id = await upload('/record/env.txt');
    const env = readFileSync(join(work, `env-${id}`), 'utf8');
    assert.doesNotMatch(env, /WAARP_GATEWAY_/);
    assert.doesNotMatch(env, /leaked/);
    assert.match(env, /^TRUEFILENAME=env\.txt$/m, 'the substitution values are still exported');
    assert.match(env, /^PATH=/m);
    assert.ok(existsSync(join(work, `args-${id}`)));
  });
});
