/**
 * One SFTP session: the request handlers and the handle table. Each handler runs through
 * `#run`, which turns any error into an SFTP status (and a log line), so a bad request never
 * escapes as an unhandled rejection. Transfers are delegated to src/transfer: this file only
 * speaks SFTP.
 */
import { lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import type { GatewayContext } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { DownloadTransfer } from '../transfer/download.js';
import { normalizeVirtual } from '../transfer/paths.js';
import type { ServerPeer } from '../transfer/server-transfer.js';
import type { ServerTransfers } from '../transfer/server-transfers.js';
import type { UploadTransfer } from '../transfer/upload.js';
import { attrsOf, fileAttrs, longName } from './attrs.js';
import type { Flow } from './flow.js';
import { ReadPipeline } from './reader.js';
import type { Attributes, SFTPWrapper } from './ssh2.js';
import { OPEN_MODE, STATUS_CODE, sftpInternals } from './ssh2.js';
import { frameInput, recycleWriteData } from './input.js';
import { answerLimits, limitsExtension, maxOpenHandles, maxReadLength } from './limits.js';
import { failure, noSuchFile, permissionDenied, statusOf } from './status.js';
import type { DirEntry } from './vfs.js';
import { VirtualFs } from './vfs.js';

type Handle =
  | { readonly kind: 'upload'; readonly t: UploadTransfer }
  | { readonly kind: 'download'; readonly t: DownloadTransfer }
  | { readonly kind: 'dir'; readonly entries: DirEntry[]; pos: number };

/** Names per READDIR answer. */
const readdirBatch = 128;

export class SftpSession {
  readonly #handles = new Map<number, Handle>();
  readonly #vfs: VirtualFs;
  #nextHandle = 1;
  #closing: Promise<void> | undefined;
  readonly #reads: ReadPipeline;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly peer: ServerPeer,
    private readonly transfers: ServerTransfers,
    private readonly sftp: SFTPWrapper,
    private readonly flow: Flow,
    private readonly log: Logger,
  ) {
    this.#vfs = new VirtualFs(ctx, peer, transfers);
    this.#reads = new ReadPipeline(sftp, sftpInternals(sftp), flow, {
      reply: (send) => this.#reply(send),
      eof: (id) => this.#status(id, STATUS_CODE.EOF),
      fail: (id, err) => this.#fail(id, 'READ', err),
    });
  }

  attach(): void {
    const s = this.sftp;
    s.on('OPEN', (id: number, path: string, flags: number, attrs: Attributes) =>
      this.#run(id, 'OPEN', () => this.#open(id, path, flags, attrs)),
    );
    s.on('WRITE', (id: number, handle: Buffer, offset: number, data: Buffer) =>
      this.#sync(id, 'WRITE', () => this.#write(id, handle, offset, data)),
    );
    s.on('READ', (id: number, handle: Buffer, offset: number, length: number) =>
      this.#sync(id, 'READ', () => this.#read(id, handle, offset, length)),
    );
    s.on('CLOSE', (id: number, handle: Buffer) => this.#run(id, 'CLOSE', () => this.#close(id, handle)));
    s.on('FSTAT', (id: number, handle: Buffer) => this.#run(id, 'FSTAT', () => this.#fstat(id, handle)));
    s.on('FSETSTAT', (id: number) => this.#ok(id));
    s.on('SETSTAT', (id: number, path: string) => this.#run(id, 'SETSTAT', () => this.#setstat(id, path)));
    s.on('STAT', (id: number, path: string) => this.#run(id, 'STAT', () => this.#stat(id, path)));
    s.on('LSTAT', (id: number, path: string) => this.#run(id, 'LSTAT', () => this.#stat(id, path)));
    s.on('OPENDIR', (id: number, path: string) => this.#run(id, 'OPENDIR', () => this.#opendir(id, path)));
    s.on('READDIR', (id: number, handle: Buffer) =>
      this.#sync(id, 'READDIR', () => this.#readdir(id, handle)),
    );
    s.on('REALPATH', (id: number, path: string) =>
      this.#sync(id, 'REALPATH', () => this.#realpath(id, path)),
    );
    s.on('MKDIR', (id: number, path: string) => this.#run(id, 'MKDIR', () => this.#mkdir(id, path)));
    s.on('RMDIR', (id: number, path: string) => this.#run(id, 'RMDIR', () => this.#rmdir(id, path)));
    s.on('REMOVE', (id: number, path: string) => this.#run(id, 'REMOVE', () => this.#remove(id, path)));
    s.on('RENAME', (id: number, from: string, to: string) =>
      this.#run(id, 'RENAME', () => this.#rename(id, from, to)),
    );
    s.on('EXTENDED', (id: number, name: string) => this.#extended(id, name));
    // READLINK and SYMLINK have no handler: ssh2 answers OP_UNSUPPORTED.
    // Whole packets to ssh2, INIT answered with the limits extension, WRITEs in reused buffers.
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
      const results = await Promise.allSettled(
        open.map((h) => (h.kind === 'dir' ? Promise.resolve() : h.t.abort())),
      );
      for (const r of results)
        if (r.status === 'rejected') this.log.error({ err: r.reason }, 'cannot stop a transfer');
    })();
    return this.#closing;
  }

  // ---- plumbing ------------------------------------------------------------------------

  #run(id: number, op: string, fn: () => Promise<void>): void {
    let p: Promise<void>;
    try {
      p = fn();
    } catch (err) {
      this.#fail(id, op, err);
      return;
    }
    p.catch((err: unknown) => this.#fail(id, op, err));
  }

  #sync(id: number, op: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#fail(id, op, err);
    }
  }

  #fail(id: number, op: string, err: unknown): void {
    const s = statusOf(err);
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

  #extended(id: number, name: string): void {
    if (name !== limitsExtension) {
      this.#status(id, STATUS_CODE.OP_UNSUPPORTED);
      return;
    }
    this.flow.reply(() => {
      if (!answerLimits(this.sftp, id)) this.#status(id, STATUS_CODE.FAILURE, 'limits unavailable');
    });
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
    if (h === undefined) throw failure('invalid handle');
    return h;
  }

  // ---- files ---------------------------------------------------------------------------

  #checkHandleRoom(): void {
    if (this.#handles.size >= maxOpenHandles) throw failure(`too many open handles (${maxOpenHandles})`);
  }

  async #open(id: number, path: string, flags: number, attrs: Attributes): Promise<void> {
    this.#checkHandleRoom();
    const writing = (flags & OPEN_MODE.WRITE) !== 0;
    const r = await this.#vfs.resolve(path, writing ? 'receive' : 'send');
    if (r.kind === 'virtual' || r.rel === '') throw failure(`${r.path}: is a directory`);
    let h: Handle;
    if (writing) {
      if (r.rule.isSend) throw permissionDenied(`${r.path}: this folder is for downloads only`);
      const size = typeof attrs.size === 'number' && attrs.size >= 0 ? attrs.size : undefined;
      const t = await this.transfers.openUpload({
        peer: this.peer,
        rule: r.rule,
        rel: r.rel,
        truncate: (flags & OPEN_MODE.TRUNC) !== 0,
        ...(size === undefined ? {} : { sizeHint: size }),
      });
      h = { kind: 'upload', t };
    } else {
      if (!r.rule.isSend) throw noSuchFile(`${r.path}: no such file`);
      h = {
        kind: 'download',
        t: await this.transfers.openDownload({ peer: this.peer, rule: r.rule, rel: r.rel }),
      };
    }
    if (this.#closing !== undefined) {
      // The session ended while the transfer was being opened.
      await h.t.abort();
      return;
    }
    const handle = this.#newHandle(h);
    this.#reply(() => this.sftp.handle(id, handle));
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
    this.#reads.request({ id, t: h.t, offset, length: Math.max(0, Math.min(length, maxReadLength)) });
  }

  async #close(id: number, handle: Buffer): Promise<void> {
    const h = this.#handle(handle);
    // READs still waiting for room are read before the file closes.
    if (h.kind === 'download') this.#reads.flush(h.t);
    this.#handles.delete(this.#key(handle));
    if (h.kind !== 'dir') await h.t.finish();
    this.#ok(id);
  }

  async #fstat(id: number, handle: Buffer): Promise<void> {
    const h = this.#handle(handle);
    const now = this.ctx.now();
    let a: Attributes;
    if (h.kind === 'upload') a = fileAttrs(h.t.size, now);
    else if (h.kind === 'download') a = attrsOf(await h.t.stat());
    else throw failure('not a file handle');
    this.#reply(() => this.sftp.attrs(id, a));
  }

  async #setstat(id: number, path: string): Promise<void> {
    // Times and modes are not kept (files are the gateway's): accepted so clients carry on.
    await this.#vfs.stat(path);
    this.#ok(id);
  }

  // ---- names ---------------------------------------------------------------------------

  async #stat(id: number, path: string): Promise<void> {
    const a = await this.#vfs.stat(path);
    this.#reply(() => this.sftp.attrs(id, a));
  }

  async #opendir(id: number, path: string): Promise<void> {
    this.#checkHandleRoom();
    const entries = await this.#vfs.list(path);
    const handle = this.#newHandle({ kind: 'dir', entries, pos: 0 });
    this.#reply(() => this.sftp.handle(id, handle));
  }

  #readdir(id: number, handle: Buffer): void {
    const h = this.#handle(handle);
    if (h.kind !== 'dir') throw failure('not a directory handle');
    if (h.pos >= h.entries.length) {
      this.#status(id, STATUS_CODE.EOF);
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

  async #mkdir(id: number, path: string): Promise<void> {
    const r = await this.#vfs.resolve(path, 'receive');
    if (r.kind === 'virtual' || r.rel === '') throw failure(`${r.path}: already exists`);
    await mkdir(await this.#vfs.realPath(r), { mode: this.ctx.config.paths.directoryPermissions });
    this.#ok(id);
  }

  async #rmdir(id: number, path: string): Promise<void> {
    const { real } = await this.#vfs.existing(path);
    await rmdir(real);
    this.#ok(id);
  }

  async #remove(id: number, path: string): Promise<void> {
    const { real } = await this.#vfs.existing(path);
    if ((await lstat(real)).isDirectory()) throw failure(`${normalizeVirtual(path)}: is a directory`);
    await unlink(real);
    this.#ok(id);
  }

  async #rename(id: number, from: string, to: string): Promise<void> {
    const src = await this.#vfs.existing(from);
    const dst = await this.#vfs.resolve(to, src.r.rule.isSend ? 'send' : 'receive');
    if (dst.kind === 'virtual' || dst.rel === '' || dst.rule.id !== src.r.rule.id) {
      throw permissionDenied('files can only be renamed inside the folder of one rule');
    }
    const target = await this.#vfs.realPath(dst);
    // SFTP v3 rename never replaces an existing file.
    const exists = await lstat(target).then(
      () => true,
      () => false,
    );
    if (exists) throw failure(`${dst.path}: file exists`);
    await rename(src.real, target);
    this.#ok(id);
  }
}
