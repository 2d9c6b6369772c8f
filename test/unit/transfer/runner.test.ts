import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskTypeNames as acceptedTaskTypes } from '../../../src/model/task-types.js';
import type { GatewayContext } from '../../../src/gateway/context.js';
import { silentLogger } from '../../../src/log.js';
import type { TaskSpec } from '../../../src/model/entities.js';
import { execArguments, shellQuote, splitArgs } from '../../../src/transfer/tasks/program.js';
import { taskTypesFor } from '../../../src/transfer/tasks/index.js';
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

  it('runs every task type the admin API and the import accept', () => {
    // No context is used until a TRANSFER task runs.
    const runners = taskTypesFor({} as GatewayContext);
    const missing = acceptedTaskTypes.filter(
      (type) => (runners as Partial<typeof runners>)[type] === undefined,
    );
    assert.deepEqual(missing, []);
  });

  describe('EXECMOVE and EXECOUTPUT', () => {
    function script(name: string, body: string): string {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    }
    const run = (st: TaskState, type: string, args: Record<string, string>) =>
      runTaskChain('POST', [{ type, args }], st, 0, hooks([]));
    const failure = (st: TaskState, type: string, args: Record<string, string>) =>
      run(st, type, args).then(
        () => assert.fail(`${type} should have failed`),
        (e: unknown) => {
          assert.ok(e instanceof TaskChainError, String(e));
          return e;
        },
      );

    it('EXECMOVE: the transfer follows the path the program prints (its last line)', async () => {
      // The program moves the file where it likes and says where, after some chatter.
      const mover = script(
        'mover.sh',
        'mkdir -p "$2" && mv "$1" "$2/moved-$TRUEFILENAME" && echo "moving $1" && echo "$2/moved-$TRUEFILENAME" && echo',
      );
      const st = fileState('em.txt', 'twelve bytes');
      await run(st, 'EXECMOVE', { path: mover, args: `#TRUEFULLPATH# ${join(dir, 'em-out')}` });
      assert.equal(st.trueFullPath, join(dir, 'em-out', 'moved-em.txt'));
      assert.equal(readFileSync(st.trueFullPath, 'utf8'), 'twelve bytes');
      assert.equal(st.fileSize, 12);
      assert.equal(existsSync(join(dir, 'em.txt')), false);
    });

    it('EXECMOVE: a path that is not a regular file, or nothing printed, fails the task naming it', async () => {
      mkdirSync(join(dir, 'a-folder'), { recursive: true });
      symlinkSync(join(dir, 'link-target.txt'), join(dir, 'a-link.txt'));
      writeFileSync(join(dir, 'link-target.txt'), 'x');
      for (const [printed, reason] of [
        [join(dir, 'no-such-file'), /does not exist/],
        [join(dir, 'a-folder'), /not a regular file/],
        [join(dir, 'a-link.txt'), /not a regular file/],
      ] as const) {
        const st = fileState('bad.txt');
        const before = st.trueFullPath;
        const err = await failure(st, 'EXECMOVE', { path: script('print.sh', `echo "${printed}"`) });
        assert.equal(err.code, 'TeExternalOperation');
        assert.match(err.message, /EXECMOVE/);
        assert.ok(err.message.includes(printed), err.message);
        assert.match(err.message, reason);
        assert.equal(st.trueFullPath, before, 'the transfer does not follow a refused path');
      }
      const st = fileState('silent.txt');
      const err = await failure(st, 'EXECMOVE', { path: script('silent.sh', 'true') });
      assert.match(err.message, /EXECMOVE: .* printed no path/);
    });

    it('EXECMOVE: exit codes as EXEC (1 a warning, the file stays; others fail)', async () => {
      const st = fileState('emw.txt');
      const res = await run(st, 'EXECMOVE', { path: script('emw.sh', 'echo "not a path"; exit 1') });
      assert.equal(res.warnings.length, 1);
      assert.equal(st.trueFullPath, join(dir, 'emw.txt'));
      const fail = await failure(st, 'EXECMOVE', { path: script('emf.sh', 'echo oops >&2; exit 4') });
      assert.match(fail.message, /exited with 4: oops/);
    });

    it("EXECOUTPUT: on failure the program's standard output is the error message", async () => {
      const st = fileState('eo.txt');
      const err = await failure(st, 'EXECOUTPUT', {
        path: script(
          'eo.sh',
          'echo "noise on stderr" >&2; echo "Invoice 42 rejected:"; echo "bad VAT number"; exit 2',
        ),
      });
      assert.match(err.message, /EXECOUTPUT: .* exited with 2: Invoice 42 rejected:\nbad VAT number$/);
      assert.doesNotMatch(err.message, /noise on stderr/);
      assert.equal(st.trueFullPath, join(dir, 'eo.txt'));
    });

    it('EXECOUTPUT: a last line NEWFILENAME:<path> renames the transfer, on success or failure', async () => {
      const renamer = script(
        'renamer.sh',
        'mv "$1" "$1.done" && echo "converted" && echo "NEWFILENAME:$1.done" && exit "$2"',
      );
      const st = fileState('eor.txt', 'abc');
      await run(st, 'EXECOUTPUT', { path: renamer, args: '#TRUEFULLPATH# 0' });
      assert.equal(st.trueFullPath, join(dir, 'eor.txt.done'));
      assert.equal(readFileSync(st.trueFullPath, 'utf8'), 'abc');

      const failed = fileState('eof.txt');
      const err = await failure(failed, 'EXECOUTPUT', { path: renamer, args: '#TRUEFULLPATH# 3' });
      assert.match(
        err.message,
        /exited with 3: converted$/,
        'the NEWFILENAME line is not part of the message',
      );
      assert.equal(
        failed.trueFullPath,
        join(dir, 'eof.txt.done'),
        'the error chain sees the file where it is',
      );

      const bad = fileState('eob.txt');
      const refused = await failure(bad, 'EXECOUTPUT', {
        path: script('eob.sh', `echo "NEWFILENAME:${join(dir, 'nowhere.txt')}"`),
      });
      assert.match(refused.message, /EXECOUTPUT: .*nowhere\.txt.* does not exist/);
      assert.equal(bad.trueFullPath, join(dir, 'eob.txt'));
    });

    it("keeps a bounded part of a program's output", async () => {
      // 1 MiB of output before the path: the path still counts, the message stays short.
      const chatty = script(
        'chatty.sh',
        `head -c 1048576 /dev/zero | tr '\\0' 'x'; echo; mv "$1" "$1.moved"; echo "$1.moved"`,
      );
      const st = fileState('big.txt');
      await run(st, 'EXECMOVE', { path: chatty, args: '#TRUEFULLPATH#' });
      assert.equal(st.trueFullPath, join(dir, 'big.txt.moved'));
      const loud = script('loud.sh', `head -c 1048576 /dev/zero | tr '\\0' 'y'; exit 2`);
      const err = await failure(fileState('loud.txt'), 'EXECOUTPUT', { path: loud });
      assert.ok(err.message.length < 10_000, `message of ${err.message.length} characters`);
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
