/**
 * The OpenSSH SFTP extensions clients use (announced in VERSION, see limits.ts):
 * `posix-rename@openssh.com` (rename replacing the target, atomically), `statvfs@openssh.com`
 * and `fstatvfs@openssh.com` (`df`), `fsync@openssh.com` (`put -f`), `limits@openssh.com`.
 * `hardlink@openssh.com` and anything else are refused with a message saying so.
 */
import { statfs } from 'node:fs/promises';
import type { GatewayContext } from '../gateway/context.js';
import { limitsExtension, limitsReply, uint64s } from './limits.js';
import { STATUS_CODE } from './ssh2.js';
import { failure, SftpError } from './status.js';
import type { TreeChanges } from './tree.js';
import type { VirtualFs } from './vfs.js';

/** statvfs f_flag bits. */
const ST_RDONLY = 0x1;
const ST_NOSUID = 0x2;
/** The longest file name (bytes) on the file systems the gateway runs on. */
const nameMax = 255;

/** The folder a statvfs is about: a real one, and whether partners may write there. */
export interface StatvfsTarget {
  readonly dir: string;
  readonly readOnly: boolean;
}

/** What the extensions need of the session. */
export interface ExtensionSession {
  readonly ctx: GatewayContext;
  readonly vfs: VirtualFs;
  readonly tree: TreeChanges;
  /** Runs a request on names in the session's order (see ordering.ts). */
  change(fn: () => Promise<void>): Promise<void>;
  look(fn: () => Promise<void>): Promise<void>;
  /** Sends an EXTENDED_REPLY (a FAILURE status if it cannot be sent). */
  replyExtended(id: number, body: Buffer): void;
  ok(id: number): void;
  /** The folder of an open handle, for fstatvfs. */
  handleFolder(handle: Buffer): Promise<StatvfsTarget>;
  /** fsync of an open handle. */
  sync(handle: Buffer): Promise<void>;
}

/** `count` SFTP strings at the start of an extension's data; throws on a malformed packet. */
function strings(data: Buffer | undefined, count: number, raw = false): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (data === undefined || p + 4 > data.length) throw failure('malformed extended request');
    const n = data.readUInt32BE(p);
    if (p + 4 + n > data.length) throw failure('malformed extended request');
    const bytes = data.subarray(p + 4, p + 4 + n);
    out.push(raw ? Buffer.from(bytes) : bytes.toString('utf8'));
    p += 4 + n;
  }
  return out;
}

const text = (v: string | Buffer | undefined): string => (typeof v === 'string' ? v : '');

/** Answers one EXTENDED request; the promise settles once answered (errors are the caller's). */
export async function extended(
  s: ExtensionSession,
  id: number,
  name: string,
  data: Buffer | undefined,
): Promise<void> {
  switch (name) {
    case limitsExtension:
      s.replyExtended(id, limitsReply());
      return;
    case 'posix-rename@openssh.com': {
      const [from, to] = strings(data, 2);
      await s.change(() => s.tree.rename(text(from), text(to), true));
      s.ok(id);
      return;
    }
    case 'statvfs@openssh.com': {
      const [path] = strings(data, 1);
      await s.look(async () => statvfs(s, id, await folderOf(s, text(path))));
      return;
    }
    case 'fstatvfs@openssh.com': {
      const [handle] = strings(data, 1, true);
      await statvfs(s, id, await s.handleFolder(handle as Buffer));
      return;
    }
    case 'fsync@openssh.com': {
      const [handle] = strings(data, 1, true);
      await s.sync(handle as Buffer);
      s.ok(id);
      return;
    }
    case 'hardlink@openssh.com':
      throw new SftpError(
        STATUS_CODE.OP_UNSUPPORTED,
        'hard links are not supported: every file is delivered or fetched as a transfer of its own',
      );
    default:
      throw new SftpError(STATUS_CODE.OP_UNSUPPORTED, `the extension "${name}" is not supported`);
  }
}

async function folderOf(s: ExtensionSession, path: string): Promise<StatvfsTarget> {
  const r = await s.vfs.resolve(path, 'send');
  // A virtual folder holds only rule folders: report the gateway's own file system, read-only.
  if (r.kind === 'virtual') return { dir: s.ctx.config.paths.gatewayHome, readOnly: true };
  const other = await s.vfs.otherSide(r);
  return { dir: await s.vfs.realPath({ ...r, rel: '' }), readOnly: r.rule.isSend && other === undefined };
}

async function statvfs(s: ExtensionSession, id: number, target: StatvfsTarget): Promise<void> {
  const st = await statfs(target.dir);
  const body = uint64s([
    st.bsize,
    st.bsize,
    st.blocks,
    st.bfree,
    st.bavail,
    st.files,
    st.ffree,
    st.ffree,
    0,
    ST_NOSUID | (target.readOnly ? ST_RDONLY : 0),
    nameMax,
  ]);
  s.replyExtended(id, body);
}
