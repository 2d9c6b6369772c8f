/**
 * Task chains around server transfers: COPY, MOVE and EXEC post-tasks with substitutions, a
 * warning that lets the transfer end DONE (TeWarning), and a failing EXEC that leaves the
 * transfer in ERROR (TeExternalOperation) after the error chain ran.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir } from '../../support/tmp.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { startHarness } from './harness.js';

function script(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('task chains of server transfers', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let work: string;

  before(async () => {
    h = await startHarness();
    work = await makeTempDir('sftp-tasks');
    await h.addAccount('tina', { password: 'tina-secret' });
    const record = script(
      work,
      'record.sh',
      `echo "$1 $TRUEFILENAME $RULE $FILESIZE" > "${work}/exec-$TRUEFILENAME.txt"`,
    );
    const pre = script(work, 'pre.sh', `echo "$1 $TRUEFILENAME" > "${work}/pre.txt"`);
    const warn = script(work, 'warn.sh', 'echo "just a warning"; exit 1');
    const fail = script(work, 'fail.sh', 'echo "disk on fire" >&2; exit 3');
    const onError = script(work, 'on-error.sh', `echo "$1" > "${work}/error-chain.txt"`);
    await h.addRule({
      name: 'copy-exec',
      isSend: false,
      path: 'copyexec',
      preTasks: [{ type: 'EXEC', args: { path: pre, args: '#TRANSFERID#' } }],
      postTasks: [
        { type: 'COPY', args: { path: join(work, 'copies') } },
        { type: 'EXEC', args: { path: record, args: 'post-#ORIGINALFILENAME#', delay: '5000' } },
      ],
    });
    await h.addRule({
      name: 'move',
      isSend: false,
      path: 'move',
      postTasks: [{ type: 'MOVE', args: { path: join(work, 'archive', '#DATE#') } }],
    });
    await h.addRule({
      name: 'warning',
      isSend: false,
      path: 'warning',
      postTasks: [{ type: 'EXEC', args: { path: warn } }],
    });
    await h.addRule({
      name: 'failing',
      isSend: false,
      path: 'failing',
      postTasks: [
        { type: 'COPY', args: { path: join(work, 'before-failure') } },
        { type: 'EXEC', args: { path: fail } },
        { type: 'COPY', args: { path: join(work, 'never') } },
      ],
      errorTasks: [{ type: 'EXEC', args: { path: onError, args: '#ERRORCODE#:#TRUEFILENAME#' } }],
    });
  });
  after(() => h.stop());

  async function upload(path: string, data: Buffer): Promise<void> {
    const c = await connect(h.port, { username: 'tina', password: 'tina-secret' });
    try {
      await p.writeFile(c.sftp, path, data);
    } finally {
      await c.end();
    }
  }

  it('runs COPY and EXEC with substitutions, as arguments and as environment variables', async () => {
    await upload('/copyexec/report.csv', Buffer.from('a,b\n1,2\n'));
    assert.equal(readFileSync(join(work, 'copies', 'report.csv'), 'utf8'), 'a,b\n1,2\n');
    assert.ok(existsSync(join(h.dirs.in, 'report.csv')), 'COPY leaves the file in place');
    const out = readFileSync(join(work, 'exec-report.csv.txt'), 'utf8').trim();
    assert.equal(out, 'post-report.csv report.csv copy-exec 8');
    const [entry] = await h.stores.transfers.listNormalized({ historyOnly: true, rule: ['copy-exec'] });
    assert.equal(readFileSync(join(work, 'pre.txt'), 'utf8').trim(), `${entry?.id} report.csv`);
    assert.equal(entry?.status, 'DONE');
    assert.equal(entry?.errorCode, 'TeOk');
  });

  it('runs MOVE: the file and the transfer record follow it', async () => {
    await upload('/move/moved.txt', Buffer.from('moving'));
    const [entry] = await h.stores.transfers.listNormalized({ historyOnly: true, rule: ['move'] });
    assert.ok(entry);
    assert.equal(existsSync(join(h.dirs.in, 'moved.txt')), false);
    assert.match(entry.localPath, /archive\/\d{8}\/moved\.txt$/);
    assert.equal(readFileSync(entry.localPath, 'utf8'), 'moving');
  });

  it('ends DONE with TeWarning when an EXEC exits with 1', async () => {
    await upload('/warning/w.txt', Buffer.from('w'));
    const [entry] = await h.stores.transfers.listNormalized({ historyOnly: true, rule: ['warning'] });
    assert.equal(entry?.status, 'DONE');
    assert.equal(entry?.errorCode, 'TeWarning');
    assert.match(entry?.errorDetails ?? '', /just a warning/);
  });

  it('fails with TeExternalOperation when an EXEC fails, after running the error chain', async () => {
    await assert.rejects(upload('/failing/f.txt', Buffer.from('f')), /disk on fire|exited with 3/);
    const [row] = await h.stores.transfers.listNormalized({ liveOnly: true, rule: ['failing'] });
    assert.ok(row);
    assert.equal(row.status, 'ERROR');
    assert.equal(row.errorCode, 'TeExternalOperation');
    assert.equal(row.step, 'StepPostTasks');
    assert.equal(row.taskNumber, 1, 'the failed task is the one a resume would run again');
    assert.match(row.errorDetails, /exited with 3.*disk on fire/);
    assert.ok(existsSync(join(work, 'before-failure', 'f.txt')), 'tasks before the failure ran');
    assert.equal(existsSync(join(work, 'never', 'f.txt')), false, 'tasks after the failure did not');
    assert.equal(readFileSync(join(work, 'error-chain.txt'), 'utf8').trim(), 'TeExternalOperation:f.txt');
  });
});
