/**
 * One SFTP session: the request handlers and the handle table. Each handler runs through
 * `#run`, which turns any error into an SFTP status with a message naming the cause (and a log
 * line), so a bad request never escapes as an unhandled rejection. Requests on names run in
 * the order the client sent them (ordering.ts). Transfers are delegated to src/transfer, tree
 * changes to tree.ts, extensions to extensions.ts: this file only speaks SFTP.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Logger } from '../log.js';
import { DownloadHandle } from '../transfer/download-handle.js';
import { normalizeVirtual } from '../transfer/paths.js';
import type { ServerPeer } from '../transfer/server-transfer.js';
import type { ServerTransfers } from '../transfer/server-transfers.js';
import type { UploadTransfer } from '../transfer/upload.js';
import { TransferError } from '../model/transfer-state.js';
import { attrsOf, changeOf, fileAttrs, longName } from './attrs.js';
import type { ExtensionSession, StatvfsTarget } from './extensions.js';
import { extended } from './extensions.js';
import type { Flow } from './flow.js';
import { frameInput, recycleWriteData } from './input.js';
import { answerExtended, maxOpenHandles, maxReadLength } from './limits.js';
import { RequestOrder } from './ordering.js';
import { ReadPipeline } from './reader.js';
import type { Attributes, SFTPWrapper } from './ssh2.js';
import { OPEN_MODE, STATUS_CODE, sftpInternals } from './ssh2.js';
import { failure, noSuchFile, permissionDenied, statusOf, withPath } from './status.js';
import { TreeChanges } from './tree.js';
import type { DirEntry, InRule } from './vfs.js';
import { VirtualFs } from './vfs.js';

type Handle =
  | { readonly kind: 'upload'; readonly t: UploadTransfer; readonly r: InRule }
  | {
      readonly kind: 'download';
      readonly d: DownloadHandle;
      readonly r: InRule;
      /** READs waiting for the record the first read makes, in their order. */
      queue: Promise<void> | undefined;
    }
  | { readonly kind: 'dir'; readonly path: string; readonly entries: DirEntry[]; pos: number };

/** Names per READDIR answer. */
const readdirBatch = 128;

export class SftpSession {
  readonly #handles = new Map<number, Handle>();
  readonly #vfs: VirtualFs;
  readonly #tree: TreeChanges;
  readonly #order = new RequestOrder();
  #nextHandle = 1;
  #closing: Promise<void> | undefined;
  readonly #reads: ReadPipeline;
  readonly #ext: ExtensionSession;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly peer: ServerPeer,
    private readonly transfers: ServerTransfers,
    private readonly sftp: SFTPWrapper,
    private readonly flow: Flow,
    private readonly log: Logger,
  ) {
    this.#vfs = new VirtualFs(ctx, peer, transfers);
    this.#tree = new TreeChanges(ctx, peer, this.#vfs, log);
    this.#reads = new ReadPipeline(sftp, sftpInternals(sftp), flow, {
      reply: (send) => this.#reply(send),
      eof: (id) => this.#status(id, STATUS_CODE.EOF, 'end of file'),
      fail: (id, err) => this.#fail(id, 'READ', err),
    });
    this.#ext = {
      ctx,
      vfs: this.#vfs,
      tree: this.#tree,
      change: (fn) => this.#order.change(fn),
      look: (fn) => this.#order.look(fn),
      replyExtended: (id, body) =>
        this.flow.reply(() => {
          if (!answerExtended(this.sftp, id, body))
            this.#status(id, STATUS_CODE.FAILURE, 'cannot send the reply');
        }),
      ok: (id) => this.#ok(id),
      handleFolder: (handle) => this.#handleFolder(handle),
      sync: (handle) => this.#sync(handle),
    };
  }

  attach(): void {
    const s = this.sftp;
    s.on('OPEN', (id: number, path: string, flags: number, attrs: Attributes) =>
      this.#run(id, 'OPEN', () => this.#open(id, path, flags, attrs), path),
    );
    s.on('WRITE', (id: number, handle: Buffer, offset: number, data: Buffer) =>
      this.#now(id, 'WRITE', () => this.#write(id, handle, offset, data)),
    );
    s.on('READ', (id: number, handle: Buffer, offset: number, length: number) =>
      this.#now(id, 'READ', () => this.#read(id, handle, offset, length)),
    );
    s.on('CLOSE', (id: number, handle: Buffer) => this.#run(id, 'CLOSE', () => this.#close(id, handle)));
    s.on('FSTAT', (id: number, handle: Buffer) => this.#run(id, 'FSTAT', () => this.#fstat(id, handle)));
    s.on('FSETSTAT', (id: number, handle: Buffer, attrs: Attributes) =>
      this.#run(id, 'FSETSTAT', () => this.#fsetstat(id, handle, attrs)),
    );
    s.on('SETSTAT', (id: number, path: string, attrs: Attributes) =>
      this.#run(id, 'SETSTAT', () => this.#change(id, () => this.#tree.setstat(path, changeOf(attrs))), path),
    );
    s.on('STAT', (id: number, path: string) => this.#run(id, 'STAT', () => this.#stat(id, path), path));
    s.on('LSTAT', (id: number, path: string) => this.#run(id, 'LSTAT', () => this.#stat(id, path), path));
    s.on('OPENDIR', (id: number, path: string) =>
      this.#run(id, 'OPENDIR', () => this.#opendir(id, path), path),
    );
    s.on('READDIR', (id: number, handle: Buffer) =>
      this.#now(id, 'READDIR', () => this.#readdir(id, handle)),
    );
    s.on('REALPATH', (id: number, path: string) => this.#now(id, 'REALPATH', () => this.#realpath(id, path)));
    s.on('MKDIR', (id: number, path: string) =>
      this.#run(id, 'MKDIR', () => this.#change(id, () => this.#tree.mkdir(path)), path),
    );
    s.on('RMDIR', (id: number, path: string) =>
      this.#run(id, 'RMDIR', () => this.#change(id, () => this.#tree.rmdir(path)), path),
    );
    s.on('REMOVE', (id: number, path: string) =>
      this.#run(id, 'REMOVE', () => this.#change(id, () => this.#tree.remove(path)), path),
    );
    s.on('RENAME', (id: number, from: string, to: string) =>
      this.#run(id, 'RENAME', () => this.#change(id, () => this.#tree.rename(from, to, false)), from),
    );
    s.on('READLINK', (id: number) =>
      this.#status(id, STATUS_CODE.OP_UNSUPPORTED, 'symbolic links are not supported: there is none to read'),
    );
    s.on('SYMLINK', (id: number) =>
      this.#status(id, STATUS_CODE.OP_UNSUPPORTED, 'symbolic links are not supported: none can be made'),
    );
    s.on('EXTENDED', (id: number, name: string, data: Buffer | undefined) =>
      this.#run(id, name, () => extended(this.#ext, id, name, data)),
    );
    // Whole packets to ssh2, INIT answered with the extensions, WRITEs in reused buffers.
    if (!frameInput(s)) this.log.debug('ssh2 internals not as expected: SFTP input left to ssh2');
  }

  /**
   * The session is over (channel or connection closed): every transfer still open is
   * interrupted with its progress saved, resumable by any node. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#reads.close();
      const open = [...this.#handles.values()];
      this.#handles.clear();
      const results = await Promise.allSettled(open.map((h) => this.#abandon(h)));
      for (const r of results)
        if (r.status === 'rejected') this.log.error({ err: r.reason }, 'cannot stop a transfer');
    })();
    return this.#closing;
  }

  async #abandon(h: Handle): Promise<void> {
    if (h.kind === 'upload') await h.t.abort();
    else if (h.kind === 'download') {
      await h.queue;
      await h.d.abort();
    }
  }

  // ---- plumbing ------------------------------------------------------------------------

  /** An asynchronous request; `path` names the file a failure is about. */
  #run(id: number, op: string, fn: () => Promise<void>, path?: string): void {
    let p: Promise<void>;
    try {
      p = fn();
    } catch (err) {
      this.#fail(id, op, err, path);
      return;
    }
    p.catch((err: unknown) => this.#fail(id, op, err, path));
  }

  #now(id: number, op: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#fail(id, op, err);
    }
  }

  #fail(id: number, op: string, err: unknown, path?: string): void {
    const s = statusOf(path === undefined ? err : withPath(err, path));
    if (s.internal) this.log.error({ err, op }, 'SFTP request failed');
    else this.log.debug({ op, code: s.code, reason: s.message }, 'SFTP request refused');
    this.#status(id, s.code, s.message);
  }

  #status(id: number, code: number, message?: string): void {
    this.flow.reply(() => {
      try {
        this.sftp.status(id, code, message);
      } catch (err) {
        this.log.debug({ err }, 'cannot answer: channel closed');
      }
    });
  }

  #ok(id: number): void {
    this.#status(id, STATUS_CODE.OK);
  }

  #reply(send: () => void): void {
    this.flow.reply(() => {
      try {
        send();
      } catch (err) {
        this.log.debug({ err }, 'cannot answer: channel closed');
      }
    });
  }

  /** A tree change, in the session's order, answered OK once done. */
  async #change(id: number, fn: () => Promise<void>): Promise<void> {
    await this.#order.change(fn);
    this.#ok(id);
  }

  #newHandle(h: Handle): Buffer {
    let n = this.#nextHandle;
    while (this.#handles.has(n)) n = (n + 1) >>> 0 || 1;
    this.#nextHandle = (n + 1) >>> 0 || 1;
    this.#handles.set(n, h);
    const buf = Buffer.allocUnsafe(4);
    buf.writeUInt32BE(n, 0);
    return buf;
  }

  #key(handle: Buffer): number {
    return handle.length === 4 ? handle.readUInt32BE(0) : -1;
  }

  #handle(handle: Buffer): Handle {
    const h = this.#handles.get(this.#key(handle));
    if (h === undefined) throw failure('invalid handle: not open in this session');
    return h;
  }

  // ---- files ---------------------------------------------------------------------------

  #checkHandleRoom(): void {
    if (this.#handles.size >= maxOpenHandles) throw failure(`too many open handles (${maxOpenHandles})`);
  }

  async #open(id: number, path: string, flags: number, attrs: Attributes): Promise<void> {
    this.#checkHandleRoom();
    const writing = (flags & OPEN_MODE.WRITE) !== 0;
    const h = writing
      ? await this.#order.change(() => this.#openUpload(path, flags, attrs))
      : await this.#order.look(() => this.#openDownload(path));
    if (this.#closing !== undefined) {
      // The session ended while the file was being opened.
      await this.#abandon(h);
      return;
    }
    const handle = this.#newHandle(h);
    this.#reply(() => this.sftp.handle(id, handle));
  }

  async #openUpload(path: string, flags: number, attrs: Attributes): Promise<Handle> {
    const r = await this.#vfs.resolve(path, 'receive');
    if (r.kind === 'virtual' || r.rel === '') throw failure(`${r.path}: is a directory`);
    if (r.rule.isSend)
      throw permissionDenied(`${r.path}: this folder is for downloads only (rule "${r.rule.name}")`);
    await this.#vfs.realPath(r);
    const size = typeof attrs.size === 'number' && attrs.size >= 0 ? attrs.size : undefined;
    const t = await this.transfers.openUpload({
      peer: this.peer,
      rule: r.rule,
      rel: r.rel,
      truncate: (flags & OPEN_MODE.TRUNC) !== 0,
      append: (flags & OPEN_MODE.APPEND) !== 0,
      exclusive: (flags & OPEN_MODE.EXCL) !== 0 && (flags & OPEN_MODE.CREAT) !== 0,
      create: (flags & OPEN_MODE.CREAT) !== 0,
      listed: await this.#vfs.listed(),
      ...(size === undefined ? {} : { sizeHint: size }),
    });
    return { kind: 'upload', t, r };
  }

  async #openDownload(path: string): Promise<Handle> {
    const r = await this.#vfs.resolve(path, 'send');
    if (r.kind === 'virtual' || r.rel === '') throw failure(`${r.path}: is a directory`);
    if (!r.rule.isSend)
      throw permissionDenied(
        `${r.path}: this folder is for uploads: files cannot be downloaded from it (rule "${r.rule.name}")`,
      );
    await this.#vfs.realPath(r);
    try {
      const src = await this.transfers.prepareDownload({ peer: this.peer, rule: r.rule, rel: r.rel });
      return { kind: 'download', d: new DownloadHandle(this.transfers, src), r, queue: undefined };
    } catch (err) {
      // A two-way folder lists what the account sent too: those files cannot be downloaded.
      const other = err instanceof TransferError ? await this.#vfs.otherSide(r) : undefined;
      if (other !== undefined && (await this.#vfs.find(r.path).catch(() => undefined)) !== undefined)
        throw permissionDenied(`${r.path}: this file was received: received files cannot be downloaded`);
      throw err instanceof TransferError && err.code === 'TeFileNotFound'
        ? noSuchFile(`${r.path}: no such file`)
        : err;
    }
  }

  #write(id: number, handle: Buffer, offset: number, data: Buffer): void {
    const h = this.#handle(handle);
    if (h.kind !== 'upload') throw permissionDenied('file not open for writing');
    const n = data.length;
    this.flow.take(n);
    h.t.write(offset, data, (err) => {
      this.flow.give(n);
      // On disk (or failed): the packet buffer goes back to the pool.
      recycleWriteData(data);
      if (err !== null) this.#fail(id, 'WRITE', err);
      else this.#status(id, STATUS_CODE.OK);
    });
  }

  #read(id: number, handle: Buffer, offset: number, length: number): void {
    const h = this.#handle(handle);
    if (h.kind !== 'download') throw permissionDenied('file not open for reading');
    const req = { id, offset, length: Math.max(0, Math.min(length, maxReadLength)) };
    const t = h.d.transfer;
    if (t !== undefined && h.queue === undefined) {
      this.#reads.request({ ...req, t });
      return;
    }
    // The first read makes the record: the reads after it wait for it, in order.
    const started = h.d.start(offset);
    const queue = (h.queue ?? Promise.resolve())
      .then(() => started)
      .then(
        (rec) => this.#reads.request({ ...req, t: rec }),
        (err: unknown) => this.#fail(id, 'READ', err),
      );
    h.queue = queue;
    void queue.then(() => {
      if (h.queue === queue) h.queue = undefined;
    });
  }

  async #close(id: number, handle: Buffer): Promise<void> {
    const h = this.#handle(handle);
    this.#handles.delete(this.#key(handle));
    if (h.kind === 'upload') await h.t.finish();
    else if (h.kind === 'download') {
      await h.queue;
      // READs still waiting for room are read before the file closes.
      if (h.d.transfer !== undefined) this.#reads.flush(h.d.transfer);
      await h.d.close();
    }
    this.#ok(id);
  }

  async #fstat(id: number, handle: Buffer): Promise<void> {
    const h = this.#handle(handle);
    let a: Attributes;
    if (h.kind === 'upload') {
      const now = this.ctx.now();
      a = fileAttrs(h.t.size, now);
      const set = h.t.attrs;
      if (set?.mtime !== undefined) a.mtime = set.mtime;
      if (set?.atime !== undefined) a.atime = set.atime;
    } else if (h.kind === 'download') a = attrsOf(await h.d.stat());
    else throw failure('not a file handle');
    this.#reply(() => this.sftp.attrs(id, a));
  }

  async #fsetstat(id: number, handle: Buffer, attrs: Attributes): Promise<void> {
    const h = this.#handle(handle);
    const change = changeOf(attrs);
    // On a file being received: kept for the final file (part of that upload's record).
    if (h.kind === 'upload') h.t.setAttrs(change);
    else if (h.kind === 'download') await this.#tree.setstatOpenFile(h.r, h.d.source.path, change);
    else throw failure('not a file handle: set the attributes of a folder by its path');
    this.#ok(id);
  }

  async #handleFolder(handle: Buffer): Promise<StatvfsTarget> {
    const h = this.#handle(handle);
    if (h.kind === 'dir') throw failure('fstatvfs needs a file handle: use statvfs with the path');
    const other = await this.#vfs.otherSide(h.r);
    return { dir: this.#vfs.ruleDir(h.r.rule), readOnly: h.r.rule.isSend && other === undefined };
  }

  async #sync(handle: Buffer): Promise<void> {
    const h = this.#handle(handle);
    if (h.kind === 'upload') await h.t.sync();
    else if (h.kind === 'dir') throw failure('not a file handle');
    // A file open for reading has nothing to flush.
  }

  // ---- names ---------------------------------------------------------------------------

  async #stat(id: number, path: string): Promise<void> {
    const a = await this.#order.look(() => this.#vfs.stat(path));
    this.#reply(() => this.sftp.attrs(id, a));
  }

  async #opendir(id: number, path: string): Promise<void> {
    this.#checkHandleRoom();
    const entries = await this.#order.look(() => this.#vfs.list(path));
    const handle = this.#newHandle({ kind: 'dir', path, entries, pos: 0 });
    this.#reply(() => this.sftp.handle(id, handle));
  }

  #readdir(id: number, handle: Buffer): void {
    const h = this.#handle(handle);
    if (h.kind !== 'dir') throw failure('not a directory handle');
    if (h.pos >= h.entries.length) {
      this.#status(id, STATUS_CODE.EOF, 'end of the listing');
      return;
    }
    const batch = h.entries.slice(h.pos, h.pos + readdirBatch);
    h.pos += batch.length;
    const now = this.ctx.now();
    const names = batch.map((e) => ({
      filename: e.name,
      longname: longName(e.name, e.attrs, now),
      attrs: e.attrs,
    }));
    this.#reply(() => this.sftp.name(id, names));
  }

  #realpath(id: number, path: string): void {
    const v = normalizeVirtual(path);
    this.#reply(() => this.sftp.name(id, [{ filename: v, longname: v, attrs: {} as Attributes }]));
  }
}
