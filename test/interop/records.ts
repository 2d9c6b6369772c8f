/**
 * The gateway's transfer records of one account, read through REST as an operator would
 * (`GET /api/transfers` lists live and finished ones, newest first). Each check looks only at the
 * account's records made since a mark, so clients with their own accounts can run side by side.
 */
import assert from 'node:assert/strict';

export interface TransferRecord {
  id: number;
  /** The local account that logged in. */
  requester: string;
  isSend: boolean;
  srcFilename: string;
  destFilename: string;
  filesize: number;
  progress: number;
  status: string;
  errorMsg?: string;
  transferInfo: { sha256?: unknown };
}

/** A file the client moved, by its path inside the rule's folder (`part0/file-000.dat`). */
export interface ExpectedTransfer {
  direction: 'upload' | 'download';
  file: string;
  size: number;
  sha256: string;
}

type Api = (path: string, init?: RequestInit) => Promise<Response>;

const settleMs = 10_000;
const pageSize = 250;

export class GatewayRecords {
  constructor(
    private readonly api: Api,
    private readonly requester: string,
  ) {}

  /** The newest record id now (of any account): records made later have a greater one. */
  async mark(): Promise<number> {
    return (await this.page(0, 1))[0]?.id ?? 0;
  }

  /**
   * The account's records made after `mark`, once there are at least `atLeast` of them and none
   * is RUNNING any more (or after 10 s). sshfs sends its CLOSE after `cp` has returned: the
   * record of an empty file it downloads is made only then.
   */
  async since(mark: number, atLeast = 0): Promise<TransferRecord[]> {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const fresh = (await this.newerThan(mark)).filter((r) => r.requester === this.requester);
      const settled = fresh.length >= atLeast && !fresh.some((r) => r.status === 'RUNNING');
      if (settled || Date.now() > deadline) return fresh;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Exactly one DONE record per file, of the right size and SHA-256; no other record; none RUNNING. */
  async expectTransfers(mark: number, expected: readonly ExpectedTransfer[]): Promise<void> {
    const fresh = await this.since(mark, expected.length);
    const problems: string[] = [];
    const running = fresh.filter((r) => r.status === 'RUNNING');
    if (running.length > 0) problems.push(`left RUNNING: ${running.map(show).join(', ')}`);
    const matched = new Set<number>();
    for (const e of expected) {
      const mine = fresh.filter((r) => r.isSend === (e.direction === 'download') && fileOf(r) === e.file);
      for (const r of mine) matched.add(r.id);
      if (mine.length !== 1) {
        problems.push(`${e.direction} of ${e.file}: ${mine.length} records (${mine.map(show).join(', ')})`);
        continue;
      }
      const r = mine[0]!;
      if (
        r.status !== 'DONE' ||
        r.filesize !== e.size ||
        r.progress !== e.size ||
        r.transferInfo.sha256 !== e.sha256
      ) {
        problems.push(
          `${e.direction} of ${e.file}: expected DONE ${e.size} B sha256 ${e.sha256.slice(0, 12)}…, got ${show(r)}`,
        );
      }
    }
    const extra = fresh.filter((r) => !matched.has(r.id));
    if (extra.length > 0) problems.push(`records of no transferred file: ${extra.map(show).join(', ')}`);
    assert.ok(problems.length === 0, `gateway records: ${summarize(problems)}`);
  }

  /** A refused or failed operation: no record DONE, none RUNNING. */
  async expectNoTransfer(mark: number): Promise<void> {
    const bad = (await this.since(mark)).filter((r) => r.status === 'DONE' || r.status === 'RUNNING');
    assert.deepEqual(bad.map(show), [], 'a refused operation left a DONE or RUNNING record');
  }

  /** Pages newest first down to `mark`; records other clients add meanwhile shift the pages, hence the Map. */
  private async newerThan(mark: number): Promise<TransferRecord[]> {
    const out = new Map<number, TransferRecord>();
    for (let offset = 0; ; offset += pageSize) {
      const rows = await this.page(offset, pageSize);
      for (const r of rows) if (r.id > mark) out.set(r.id, r);
      if (rows.length < pageSize || rows.some((r) => r.id <= mark)) return [...out.values()];
    }
  }

  private async page(offset: number, limit: number): Promise<TransferRecord[]> {
    const path = `/api/transfers?sort=id-&limit=${limit}&offset=${offset}`;
    let res: Response;
    try {
      res = await this.api(path);
    } catch {
      // A kept-alive connection the server closed as we reused it ("other side closed"): a GET
      // is safe to send again.
      res = await this.api(path);
    }
    assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
    return ((await res.json()) as { transfers: TransferRecord[] }).transfers;
  }
}

function fileOf(r: TransferRecord): string {
  return r.isSend ? r.srcFilename : r.destFilename;
}

function show(r: TransferRecord): string {
  const sha =
    typeof r.transferInfo.sha256 === 'string'
      ? ` sha256 ${r.transferInfo.sha256.slice(0, 12)}…`
      : ' no sha256';
  const error = r.errorMsg !== undefined && r.errorMsg !== '' ? ` (${r.errorMsg})` : '';
  return `#${r.id} ${r.isSend ? 'download' : 'upload'} ${fileOf(r)} ${r.status} ${r.progress}/${r.filesize} B${sha}${error}`;
}

/** The first problems, and how many more (a 200-file tree can fail 200 times alike). */
function summarize(problems: string[]): string {
  const shown = problems.slice(0, 4).join('; ');
  return problems.length > 4 ? `${shown}; and ${problems.length - 4} more` : shown;
}
