/**
 * Task chains around server transfers: COPY, MOVE and EXEC post-tasks with substitutions, a
 * warning that lets the transfer end DONE (TeWarning), and a failing EXEC that leaves the
 * transfer in ERROR (TeExternalOperation) after the error chain ran. EXECMOVE and EXECOUTPUT:
 * the record follows the path their program reports, unless it is not a regular file or one of
 * the gateway's own; EXECOUTPUT's standard output is the error of a failed transfer.
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
    // A partner's program as migrated configurations have them: it moves the file and says where.
    const mover = script(
      work,
      'mover.sh',
      `mkdir -p "${work}/processed" && mv "$TRUEFULLPATH" "${work}/processed/$1" && echo "${work}/processed/$1"`,
    );
    await h.addRule({
      name: 'execmove',
      isSend: false,
      path: 'execmove',
      postTasks: [{ type: 'EXECMOVE', args: { path: mover, args: 'done-#TRUEFILENAME#' } }],
    });
    // Prints what it is given as the new path, without moving anything.
    const liar = script(work, 'liar.sh', 'echo "$1"');
    await h.addRule({
      name: 'execmove-bad',
      isSend: false,
      path: 'execmove-bad',
      postTasks: [{ type: 'EXECMOVE', args: { path: liar, args: join(work, 'not-there.txt') } }],
    });
    await h.addRule({
      name: 'execmove-key',
      isSend: false,
      path: 'execmove-key',
      postTasks: [{ type: 'EXECMOVE', args: { path: liar, args: h.ctx.config.database.aesPassphrase } }],
    });
    const refuse = script(work, 'refuse.sh', 'echo "Rejected by the ledger:"; echo "unknown IBAN"; exit 2');
    await h.addRule({
      name: 'execoutput-fail',
      isSend: false,
      path: 'execoutput-fail',
      postTasks: [{ type: 'EXECOUTPUT', args: { path: refuse } }],
    });
    const renamer = script(
      work,
      'renamer.sh',
      'mv "$TRUEFULLPATH" "$TRUEFULLPATH.checked" && echo "checked" && echo "NEWFILENAME:$TRUEFULLPATH.checked"',
    );
    await h.addRule({
      name: 'execoutput-rename',
      isSend: false,
      path: 'execoutput-rename',
      postTasks: [{ type: 'EXECOUTPUT', args: { path: renamer } }],
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

  async function failedRow(rule: string) {
    const [row] = await h.stores.transfers.listNormalized({ liveOnly: true, rule: [rule] });
    assert.ok(row, `a live record for ${rule}`);
    assert.equal(row.status, 'ERROR');
    return row;
  }

  it('runs EXECMOVE: the file and the record follow the path the program prints', async () => {
    await upload('/execmove/in.txt', Buffer.from('to process'));
    const [entry] = await h.stores.transfers.listNormalized({ historyOnly: true, rule: ['execmove'] });
    assert.ok(entry);
    assert.equal(entry.status, 'DONE');
    assert.equal(entry.localPath, join(work, 'processed', 'done-in.txt'));
    assert.equal(readFileSync(entry.localPath, 'utf8'), 'to process');
    assert.equal(existsSync(join(h.dirs.in, 'in.txt')), false);
  });

  it('fails an EXECMOVE whose program prints a path that does not exist, naming it', async () => {
    await assert.rejects(upload('/execmove-bad/x.txt', Buffer.from('x')), /not-there\.txt/);
    const row = await failedRow('execmove-bad');
    assert.equal(row.errorCode, 'TeExternalOperation');
    assert.match(row.errorDetails, /EXECMOVE.*not-there\.txt.*does not exist/);
    assert.equal(row.localPath, join(h.dirs.in, 'x.txt'), 'the record keeps the real file');
  });

  it("refuses an EXECMOVE that points the record at the gateway's own files", async () => {
    await assert.rejects(upload('/execmove-key/k.txt', Buffer.from('k')));
    const row = await failedRow('execmove-key');
    assert.equal(row.errorCode, 'TeForbidden');
    assert.match(row.errorDetails, /gateway's own files/);
    assert.notEqual(row.localPath, h.ctx.config.database.aesPassphrase);
  });

  it("fails with EXECOUTPUT's standard output as the error message", async () => {
    await assert.rejects(upload('/execoutput-fail/pay.xml', Buffer.from('<pay/>')), /unknown IBAN/);
    const row = await failedRow('execoutput-fail');
    assert.equal(row.errorCode, 'TeExternalOperation');
    assert.match(row.errorDetails, /exited with 2: Rejected by the ledger:\nunknown IBAN$/);
  });

  it('renames the transfer to the NEWFILENAME an EXECOUTPUT program prints', async () => {
    await upload('/execoutput-rename/r.txt', Buffer.from('rename me'));
    const [entry] = await h.stores.transfers.listNormalized({
      historyOnly: true,
      rule: ['execoutput-rename'],
    });
    assert.ok(entry);
    assert.equal(entry.status, 'DONE');
    assert.equal(entry.localPath, join(h.dirs.in, 'r.txt.checked'));
    assert.equal(readFileSync(entry.localPath, 'utf8'), 'rename me');
  });
});
