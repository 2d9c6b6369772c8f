/**
 * The checks of the tier, each run for every client against every target: what the client
 * reports, what the server holds afterwards (the real files), and on the gateway the transfer
 * records read through REST. Then the named scenarios, each for the one client it is
 * about.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../support/files.js';
import type { ClientDriver, Session } from './clients/driver.js';
import { curlDownload } from './clients/curl.js';
import { lftp } from './clients/lftp.js';
import { python3 } from './clients/python.js';
import { rclone, rcloneRemote } from './clients/rclone.js';
import type { Fixtures, LocalFile } from './fixtures.js';
import { listTree, MiB, oldTime } from './fixtures.js';
import type { ExpectedTransfer, GatewayRecords } from './records.js';
import { startStallingRelay } from './relay.js';
import type { Run, Started } from './run.js';
import { describeRun, succeeded } from './run.js';
import type { Target } from './targets.js';
import { outsidePath } from './targets.js';

export interface Check {
  readonly client: ClientDriver;
  readonly target: Target;
  readonly s: Session;
  /** The gateway's records of this client's account; undefined on OpenSSH. */
  readonly records: GatewayRecords | undefined;
  readonly fx: Fixtures;
  /** A fresh local folder for this check. */
  readonly local: string;
  /** Records what the client printed for an error (the summary shows it). */
  showed(error: string, r: Run): void;
}

export interface Operation {
  readonly name: string;
  /** Only for these clients (the scenarios); default every client. */
  readonly clients?: readonly string[];
  /** Why this client cannot do it (n/a), or undefined. */
  lacking?(client: ClientDriver): string | undefined;
  run(c: Check): Promise<void>;
}

function expectOk(r: Run, what: string): void {
  assert.ok(succeeded(r), `${what} failed: ${describeRun(r)}`);
}

/**
 * Waits up to 10 s for `settled`: sshfs sends the CLOSE after `cp` has returned (FUSE releases a
 * file asynchronously), and the gateway delivers an upload into its folder only at that close.
 */
async function afterLateClose(settled: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !settled(); i++) await new Promise((r) => setTimeout(r, 100));
}

async function expectSameFile(path: string, f: LocalFile, where: string): Promise<void> {
  await afterLateClose(() => existsSync(path));
  assert.ok(existsSync(path), `${where}: ${f.name} is missing`);
  assert.equal(statSync(path).size, f.size, `${where}: size of ${f.name}`);
  assert.equal(await sha256File(path), f.sha256, `${where}: ${f.name} differs from what was sent`);
}

async function expectSameTree(dir: string, fx: Fixtures, where: string): Promise<void> {
  assert.ok(existsSync(dir), `${where}: ${dir} is missing`);
  const differing = (got: ReturnType<typeof listTree>): string[] =>
    fx.tree.files.filter((f) => got.get(f.name)?.sha256 !== f.sha256).map((f) => f.name);
  let got = listTree(dir);
  await afterLateClose(() => differing((got = listTree(dir))).length === 0);
  const missing = differing(got);
  assert.deepEqual(
    missing.slice(0, 5),
    [],
    `${where}: ${missing.length} of ${fx.tree.files.length} files missing or different`,
  );
  assert.equal(got.size, fx.tree.files.length, `${where}: file count`);
}

async function mark(c: Check): Promise<number> {
  return (await c.records?.mark()) ?? 0;
}

async function expectRecords(c: Check, since: number, expected: ExpectedTransfer[]): Promise<void> {
  await c.records?.expectTransfers(since, expected);
}

const mine = (c: Check, what: string): string => `${c.client.name}-${what}`;

/**
 * Puts `remote` on the server through the client itself: in a receive folder a partner sees and
 * changes only what it delivered (partner isolation, docs/security.md), not files an operator
 * dropped there.
 */
async function delivered(c: Check, remote: string, content: string): Promise<void> {
  const local = join(c.local, `deliver-${remote.replaceAll('/', '_')}`);
  writeFileSync(local, content);
  expectOk(await c.client.put(c.s, local, remote), `upload of ${remote}`);
  await waitForFile(c.target.localPath(remote));
}

/** A file the client wrote appears on the server. */
async function waitForFile(path: string): Promise<void> {
  await afterLateClose(() => existsSync(path));
  assert.ok(existsSync(path), `${path} never appeared on the server`);
}
const moved =
  (direction: ExpectedTransfer['direction']) =>
  (file: string, f: LocalFile): ExpectedTransfer => ({ direction, file, size: f.size, sha256: f.sha256 });
const upload = moved('upload');
const download = moved('download');
const seconds = (path: string): number => Math.floor(statSync(path).mtimeMs / 1000);

function uploadOf(pick: (fx: Fixtures) => LocalFile): Operation['run'] {
  return async (c) => {
    const f = pick(c.fx);
    const name = mine(c, f.name);
    const since = await mark(c);
    const server = c.target.localPath(`in/${name}`);
    try {
      expectOk(await c.client.put(c.s, f.path, `in/${name}`), 'upload');
      await expectSameFile(server, f, 'on the server');
      await expectRecords(c, since, [upload(name, f)]);
    } finally {
      if (f.size > MiB) rmSync(server, { force: true });
    }
  };
}

function downloadOf(pick: (fx: Fixtures) => LocalFile): Operation['run'] {
  return async (c) => {
    const f = pick(c.fx);
    const local = join(c.local, f.name);
    const since = await mark(c);
    expectOk(await c.client.get(c.s, `out/${f.name}`, local), 'download');
    await expectDownloaded(c, since, local, f);
  };
}

/** The downloaded copy is the file offered; one DONE download record of it. */
async function expectDownloaded(c: Check, since: number, local: string, f: LocalFile): Promise<void> {
  await expectSameFile(local, f, 'downloaded');
  rmSync(local);
  await expectRecords(c, since, [download(f.name, f)]);
}

/** Expects the client to fail and to say so in words matching `expected`. */
function expectRefusal(c: Check, error: string, r: Run, expected: RegExp): void {
  c.showed(error, r);
  assert.ok(!succeeded(r), `the client reported success: ${describeRun(r)}`);
  assert.ok(!r.timedOut, `the client hung: ${describeRun(r)}`);
  const wanted = quirks[c.client.name]?.[error] ?? expected;
  assert.match(r.output, wanted, `${error}: the message does not say why`);
}

/** Words that say a write was refused: the status's own text, the library's class, or the server's reason. */
const refusedWrite =
  /permission denied|PermissionError|PermissionDenied|downloads only|read-only|not allowed/i;
const noSuchFile = /no such file|not found|does not exist|no file/i;

/**
 * Messages a client shows against OpenSSH too (so not the server's doing), used instead of the
 * general expectation for that client and error.
 */
const quirks: Record<string, Record<string, RegExp>> = {
  // sshfs reports any failed login as the connection closing under it.
  sshfs: { 'wrong password': /read: Connection reset by peer/ },
};

async function cutUploadThenResume(c: Check): Promise<void> {
  const resume = c.client.resume!;
  const f = c.fx.big;
  const name = mine(c, 'resumed.bin');
  const remote = `in/${name}`;
  const since = await mark(c);
  await startCut(c.s, 'upload', (through) => resume.start(through, f.path, remote));
  await c.records?.since(since); // waits until the gateway has seen the cut (no record RUNNING)
  const server = c.target.localPath(remote);
  try {
    let finished = await resume.finish(c.s, f.path, remote);
    if (finished.timedOut && c.target.name === 'openssh') {
      // The baseline, not the gateway: psftp's reput hung once against OpenSSH's own server
      // (one run in three, before it even logged in). Retried once, and said, on that side only.
      console.log(`# ${c.client.name} -> openssh: ${resume.how} timed out, retried once`);
      finished = await resume.finish(c.s, f.path, remote);
    }
    expectOk(finished, resume.how);
    await expectSameFile(server, f, 'on the server');
    await expectRecords(c, since, [upload(name, f)]);
  } finally {
    rmSync(server, { force: true });
  }
}

/**
 * Starts a client through a relay that stalls after 16 MiB of the 64 MiB file have gone the
 * given way, kills the client there and cuts its connection.
 */
async function startCut(
  s: Session,
  direction: 'upload' | 'download',
  begin: (through: Session) => Started,
): Promise<void> {
  const relay = await startStallingRelay(s.endpoint.port, direction, 16 * MiB);
  try {
    const started = begin({ ...s, endpoint: { ...s.endpoint, port: relay.port } });
    const first = await Promise.race([relay.stalled.then(() => undefined), started.done]);
    if (first !== undefined)
      assert.fail(`the ${direction} ended before it could be cut: ${describeRun(first)}`);
    await started.kill();
  } finally {
    await relay.close();
  }
}

export const operations: readonly Operation[] = [
  { name: 'upload 0 B', run: uploadOf((fx) => fx.zero) },
  { name: 'upload 1 KiB', run: uploadOf((fx) => fx.small) },
  { name: 'upload 64 MiB', run: uploadOf((fx) => fx.big) },
  {
    name: 'upload 200-file tree',
    async run(c) {
      const name = mine(c, 'tree');
      const since = await mark(c);
      expectOk(await c.client.putTree(c.s, c.fx.tree.path, `in/${name}`), 'tree upload');
      await expectSameTree(c.target.localPath(`in/${name}`), c.fx, 'on the server');
      await expectRecords(
        c,
        since,
        c.fx.tree.files.map((f) => upload(`${name}/${f.name}`, f)),
      );
    },
  },
  { name: 'download 0 B', run: downloadOf((fx) => fx.zero) },
  { name: 'download 1 KiB', run: downloadOf((fx) => fx.small) },
  { name: 'download 64 MiB', run: downloadOf((fx) => fx.big) },
  {
    name: 'download 200-file tree',
    async run(c) {
      const local = join(c.local, 'tree');
      const since = await mark(c);
      const files = c.fx.tree.files.map((f) => f.name);
      expectOk(await c.client.getTree(c.s, 'out/tree', local, files), 'tree download');
      await expectSameTree(local, c.fx, 'downloaded');
      await expectRecords(
        c,
        since,
        c.fx.tree.files.map((f) => download(`tree/${f.name}`, f)),
      );
    },
  },
  {
    name: 'resume a cut upload',
    lacking: (client) => client.lacks.resume,
    run: cutUploadThenResume,
  },
  {
    name: 'rename',
    async run(c) {
      const [from, to] = [`in/${mine(c, 'before.txt')}`, `in/${mine(c, 'after.txt')}`];
      await delivered(c, from, 'rename me\n');
      const since = await mark(c);
      expectOk(await c.client.rename(c.s, from, to), 'rename');
      assert.equal(existsSync(c.target.localPath(from)), false, 'the old name is still there');
      assert.equal(readFileSync(c.target.localPath(to), 'utf8'), 'rename me\n');
      await expectRecords(c, since, []);
    },
  },
  {
    name: 'delete',
    async run(c) {
      const path = `in/${mine(c, 'delete-me.txt')}`;
      await delivered(c, path, 'delete me\n');
      const since = await mark(c);
      expectOk(await c.client.remove(c.s, path), 'delete');
      assert.equal(existsSync(c.target.localPath(path)), false, 'the file is still there');
      await expectRecords(c, since, []);
    },
  },
  {
    name: 'mkdir',
    async run(c) {
      const path = `in/${mine(c, 'folder')}`;
      const since = await mark(c);
      expectOk(await c.client.mkdir(c.s, path), 'mkdir');
      assert.ok(
        statSync(c.target.localPath(path), { throwIfNoEntry: false })?.isDirectory(),
        'no folder made',
      );
      await expectRecords(c, since, []);
    },
  },
  {
    name: 'mtime kept on upload',
    lacking: (client) => client.lacks.preserveUpload,
    async run(c) {
      const f = c.fx.dated;
      const name = mine(c, f.name);
      const since = await mark(c);
      expectOk(await c.client.put(c.s, f.path, `in/${name}`, true), 'upload keeping the time');
      await expectSameFile(c.target.localPath(`in/${name}`), f, 'on the server');
      assert.equal(
        seconds(c.target.localPath(`in/${name}`)),
        oldTime.getTime() / 1000,
        'modification time on the server',
      );
      await expectRecords(c, since, [upload(name, f)]);
    },
  },
  {
    name: 'mtime kept on download',
    lacking: (client) => client.lacks.preserveDownload,
    async run(c) {
      const f = c.fx.dated;
      const local = join(c.local, f.name);
      const since = await mark(c);
      expectOk(await c.client.get(c.s, `out/${f.name}`, local, true), 'download keeping the time');
      await expectSameFile(local, f, 'downloaded');
      assert.equal(seconds(local), oldTime.getTime() / 1000, 'modification time of the downloaded file');
      await expectRecords(c, since, [download(f.name, f)]);
    },
  },
  {
    name: 'error: upload to a send-only folder',
    async run(c) {
      const remote = `out/${mine(c, 'refused.bin')}`;
      const since = await mark(c);
      const r = await c.client.put(
        { ...c.s, endpoint: c.target.sendOnly(c.client.name) },
        c.fx.small.path,
        remote,
      );
      expectRefusal(c, 'send-only folder', r, refusedWrite);
      assert.equal(existsSync(c.target.localPath(remote)), false, 'the refused file exists on the server');
      await c.records?.expectNoTransfer(since);
    },
  },
  {
    name: 'error: missing file',
    async run(c) {
      const since = await mark(c);
      const r = await c.client.get(c.s, `out/${mine(c, 'missing.bin')}`, join(c.local, 'missing.bin'));
      expectRefusal(c, 'missing file', r, noSuchFile);
      await c.records?.expectNoTransfer(since);
    },
  },
  {
    name: 'error: path outside every rule',
    async run(c) {
      const since = await mark(c);
      const r = await c.client.get(c.s, outsidePath, join(c.local, 'outside.txt'));
      expectRefusal(c, 'outside path', r, new RegExp(`${noSuchFile.source}|${refusedWrite.source}`, 'i'));
      await c.records?.expectNoTransfer(since);
    },
  },
  {
    name: 'error: wrong password',
    async run(c) {
      const r = await c.client.passwordLogin(c.s, 'not-the-password');
      expectRefusal(c, 'wrong password', r, /permission denied|authenticat|access denied|not accepted/i);
    },
  },

  // The scenarios, for the client each is about.
  {
    name: 'second sync of an unchanged tree sends nothing',
    clients: ['rclone'],
    async run(c) {
      const remote = rcloneRemote(c.s, 'in/rclone-sync');
      expectOk(await rclone(['sync', c.fx.tree.path, remote]), 'first sync');
      const since = await mark(c);
      const second = await rclone(['sync', '-v', c.fx.tree.path, remote]);
      expectOk(second, 'second sync');
      const copied = second.output.split('\n').filter((l) => /: Copied \(/.test(l));
      assert.deepEqual(copied.slice(0, 3), [], `the second sync copied ${copied.length} files again`);
      await expectRecords(c, since, []);
    },
  },
  {
    name: 'cp of a new file works the first time',
    clients: ['sshfs'],
    async run(c) {
      const f = c.fx.small;
      const name = mine(c, 'first-cp.bin');
      const since = await mark(c);
      expectOk(await c.client.put(c.s, f.path, `in/${name}`), 'cp');
      await expectSameFile(c.target.localPath(`in/${name}`), f, 'on the server');
      await expectRecords(c, since, [upload(name, f)]);
    },
  },
  {
    name: "append twice gives 'hello world'",
    clients: ['paramiko'],
    async run(c) {
      const remote = 'in/paramiko-append.txt';
      const since = await mark(c);
      expectOk(await python3('paramiko', c.s, 'append', [remote, 'hello ']), 'first append');
      expectOk(await python3('paramiko', c.s, 'append', [remote, 'world']), 'second append');
      const content = readFileSync(c.target.localPath(remote), 'utf8');
      assert.equal(content, 'hello world', `after two appends the file holds ${JSON.stringify(content)}`);
      const running = (await c.records?.since(since))?.filter((r) => r.status === 'RUNNING') ?? [];
      assert.deepEqual(running, [], 'records left RUNNING');
    },
  },
  {
    name: 'pget -n 4 leaves one DONE record of full size',
    clients: ['lftp'],
    async run(c) {
      const f = c.fx.big;
      const local = join(c.local, 'pget.bin');
      const since = await mark(c);
      expectOk(await lftp(c.s, [`pget -n 4 out/${f.name} -o ${local}`]), 'pget -n 4');
      await expectDownloaded(c, since, local, f);
    },
  },
  {
    name: 'open and close without reading leaves no record',
    clients: ['paramiko'],
    async run(c) {
      const since = await mark(c);
      expectOk(await python3('paramiko', c.s, 'probe', [`out/${c.fx.small.name}`]), 'open and close');
      await expectRecords(c, since, []);
    },
  },
  {
    name: 'a cut download resumed with -C - continues its record',
    clients: ['curl'],
    async run(c) {
      const f = c.fx.big;
      const local = join(c.local, 'resumed.bin');
      const since = await mark(c);
      await startCut(c.s, 'download', (through) => curlDownload.start(through, `out/${f.name}`, local));
      await c.records?.since(since);
      assert.ok(statSync(local).size < f.size, 'the cut download is already complete');
      expectOk(await curlDownload.finish(c.s, `out/${f.name}`, local), 'curl -C -');
      await expectDownloaded(c, since, local, f);
    },
  },
  {
    name: 'a listed file can be stat-ed and read',
    clients: ['paramiko'],
    async run(c) {
      // Its own uploads and the files offered; other clients' files come and go while it runs.
      const offered = [c.fx.zero, c.fx.small, c.fx.big, c.fx.dated, c.fx.tree].map((f) => `out/${f.name}`);
      const r = await python3('paramiko', c.s, 'check-listing', ['in/paramiko-', ...offered]);
      expectOk(r, 'listing');
      const report = JSON.parse(r.stdout) as { path: string; stat: string; read?: string }[];
      assert.ok(report.length > 0, 'nothing listed');
      // A read the rule forbids may be refused, as "permission denied": never "no such file".
      const wrong = report.filter(
        (e) =>
          e.stat !== 'ok' ||
          !(e.read === 'ok' || e.read === 'directory' || /^PermissionError/.test(e.read ?? '')),
      );
      const shown = wrong.slice(0, 3).map((e) => `${e.path}: stat ${e.stat}, read ${e.read ?? '-'}`);
      assert.equal(
        wrong.length,
        0,
        `${wrong.length} of ${report.length} listed entries fail: ${shown.join('; ')}`,
      );
    },
  },
  {
    name: 'rm in a send-only folder is refused',
    clients: ['sftp'],
    async run(c) {
      const name = mine(c, 'keep.txt');
      c.target.offer(c.fx.small.path, name);
      const r = await c.client.remove({ ...c.s, endpoint: c.target.sendOnly(c.client.name) }, `out/${name}`);
      expectRefusal(c, 'rm in send-only folder', r, refusedWrite);
      assert.ok(existsSync(c.target.localPath(`out/${name}`)), 'the file offered for download was deleted');
    },
  },
];
