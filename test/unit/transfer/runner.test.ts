import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import type { TaskSpec } from '../../../src/model/entities.js';
import { execArguments, shellQuote, splitArgs } from '../../../src/transfer/tasks/program.js';
import { runTaskChain, TaskChainError } from '../../../src/transfer/tasks/runner.js';
import type { TaskState } from '../../../src/transfer/tasks/types.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';

describe('runTaskChain', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('tasks');
  });
  after(() => removeTempDir(dir));

  function fileState(name: string, content = 'content'): TaskState {
    const path = join(dir, name);
    writeFileSync(path, content);
    return {
      transferId: 7,
      remoteTransferId: 'r7',
      ruleName: 'rule',
      isSend: false,
      isServer: true,
      trueFullPath: path,
      originalFullPath: name,
      fileSize: content.length,
      remoteHost: '127.0.0.1',
      localHost: 'srv',
      requester: 'acc',
      requested: 'srv',
      info: {},
      errorCode: 'TeOk',
      errorMsg: '',
      dirs: { home: dir, in: dir, out: dir, tmp: dir },
      configFile: join(dir, 'gatewayd.ini'),
    };
  }

  function hooks(checkpoints: number[]) {
    return {
      log: silentLogger(),
      now: () => Date.now(),
      checkpoint: (next: number) => {
        checkpoints.push(next);
        return Promise.resolve();
      },
    };
  }

  it('runs the tasks in order and checkpoints the next index after each', async () => {
    const st = fileState('a.txt');
    const cps: number[] = [];
    const tasks: TaskSpec[] = [
      { type: 'COPY', args: { path: 'copies' } },
      { type: 'COPYRENAME', args: { path: join(dir, 'renamed', '#TRANSFERID#-#TRUEFILENAME#') } },
      { type: 'MOVERENAME', args: { path: join(dir, 'moved', 'final.txt') } },
      { type: 'MOVE', args: { path: join(dir, 'archive') } },
    ];
    await runTaskChain('POST', tasks, st, 0, hooks(cps));
    assert.deepEqual(cps, [1, 2, 3, 4]);
    assert.ok(existsSync(join(dir, 'copies', 'a.txt')), 'relative paths are under the home');
    assert.ok(existsSync(join(dir, 'renamed', '7-a.txt')));
    assert.equal(st.trueFullPath, join(dir, 'archive', 'final.txt'));
    assert.equal(readFileSync(st.trueFullPath, 'utf8'), 'content');
    assert.equal(existsSync(join(dir, 'a.txt')), false);
    assert.equal(existsSync(join(dir, 'moved', 'final.txt')), false);
  });

  it('starts from the given index (a resume skips finished tasks)', async () => {
    const st = fileState('b.txt');
    const cps: number[] = [];
    await runTaskChain(
      'POST',
      [
        { type: 'DELETE', args: {} },
        { type: 'COPY', args: { path: join(dir, 'b-copies') } },
      ],
      st,
      1,
      hooks(cps),
    );
    assert.deepEqual(cps, [2]);
    assert.ok(existsSync(join(dir, 'b.txt')), 'the DELETE before the index did not run');
  });

  it('stops at a failing task with TeExternalOperation and its index', async () => {
    const st = fileState('c.txt');
    const cps: number[] = [];
    const err = await runTaskChain(
      'PRE',
      [
        { type: 'RENAME', args: { path: join(dir, 'c.txt') } },
        { type: 'RENAME', args: { path: join(dir, 'does-not-exist') } },
        { type: 'DELETE', args: {} },
      ],
      st,
      0,
      hooks(cps),
    ).catch((e: unknown) => e);
    assert.ok(err instanceof TaskChainError);
    assert.equal(err.code, 'TeExternalOperation');
    assert.equal(err.index, 1);
    assert.deepEqual(cps, [1]);
    assert.ok(existsSync(join(dir, 'c.txt')));
  });

  it('fails unknown task types clearly (TRANSFER needs the gateway: taskTypesFor)', async () => {
    const st = fileState('d.txt');
    await assert.rejects(
      runTaskChain('POST', [{ type: 'NOPE', args: {} }], st, 0, hooks([])),
      /unknown task type/,
    );
    await assert.rejects(
      runTaskChain('POST', [{ type: 'TRANSFER', args: {} }], st, 0, hooks([])),
      (e: unknown) => e instanceof TaskChainError && /unknown task type/.test(e.message),
    );
  });

  describe('EXEC', () => {
    function script(name: string, body: string): string {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    }

    it('passes arguments and exports the substitution values', async () => {
      const out = join(dir, 'exec-out.txt');
      const prog = script(
        'env.sh',
        `printf '%s|%s|%s|%s' "$1" "$2" "$TRUEFILENAME" "$WAARP_CONFIG_DIR" > "${out}"`,
      );
      const st = fileState('e.txt');
      await runTaskChain(
        'POST',
        [{ type: 'EXEC', args: { path: prog, args: `'two words' #RULE#` } }],
        st,
        0,
        hooks([]),
      );
      assert.equal(readFileSync(out, 'utf8'), `two words|rule|e.txt|${dir}`);
    });

    it('continues with a warning on exit 1 and fails on other codes', async () => {
      const warn = script('warn.sh', 'echo careful; exit 1');
      const fail = script('fail.sh', 'echo broken >&2; exit 2');
      const st = fileState('f.txt');
      const res = await runTaskChain('POST', [{ type: 'EXEC', args: { path: warn } }], st, 0, hooks([]));
      assert.equal(res.warnings.length, 1);
      assert.equal(st.errorCode, 'TeWarning');
      await assert.rejects(
        runTaskChain('POST', [{ type: 'EXEC', args: { path: fail } }], st, 0, hooks([])),
        /exited with 2: broken/,
      );
    });

    it('kills a program that outlives its delay', async () => {
      const slow = script('slow.sh', 'sleep 10');
      const st = fileState('g.txt');
      const started = Date.now();
      await assert.rejects(
        runTaskChain('POST', [{ type: 'EXEC', args: { path: slow, delay: '200' } }], st, 0, hooks([])),
        /timed out after 200 ms/,
      );
      assert.ok(Date.now() - started < 5000);
    });

    it('splits arguments like a shell, without running one', () => {
      assert.deepEqual(splitArgs(`a  "b c" 'd "e"' f\\ g $(rm -rf /)`), [
        'a',
        'b c',
        'd "e"',
        'f g',
        '$(rm',
        '-rf',
        '/)',
      ]);
      assert.deepEqual(splitArgs(''), []);
      assert.deepEqual(splitArgs(`""`), ['']);
      assert.throws(() => splitArgs(`"open`), /unbalanced/);
    });

    it('substitutes each argument after splitting, quoting values only in a shell script', () => {
      const values: Record<string, string> = { TRUEFILENAME: `it's a "file"; rm -rf ~` };
      const env = {
        substitute: (text: string, wrap: (v: string) => string = (v) => v) =>
          text.replace(/#(\w+)#/g, (whole, name: string) =>
            name in values ? wrap(values[name] ?? '') : whole,
          ),
      };
      const name = values.TRUEFILENAME ?? '';
      assert.deepEqual(execArguments('/usr/bin/notify', '--file #TRUEFILENAME# "x #TRUEFILENAME#"', env), [
        '--file',
        name,
        `x ${name}`,
      ]);
      assert.deepEqual(execArguments('/bin/sh', `-ec 'echo #TRUEFILENAME#' arg0 #TRUEFILENAME#`, env), [
        '-ec',
        `echo ${shellQuote(name)}`,
        'arg0',
        name,
      ]);
      assert.equal(shellQuote(`a'b`), `'a'\\''b'`);
    });
  });

  it('creates destination folders for COPY', async () => {
    const st = fileState('h.txt');
    mkdirSync(join(dir, 'exists'), { recursive: true });
    await runTaskChain(
      'POST',
      [{ type: 'COPY', args: { path: join(dir, 'new', 'deep') } }],
      st,
      0,
      hooks([]),
    );
    assert.ok(existsSync(join(dir, 'new', 'deep', 'h.txt')));
  });
});
