/**
 * The gateway's transfer records, read through REST as an operator would (`GET /api/transfers`
 * lists live and finished ones). Each check looks only at the records created since a mark.
 */
import assert from 'node:assert/strict';

export interface TransferRecord {
  id: number;
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

export class GatewayRecords {
  constructor(private readonly api: Api) {}

  /** The newest record id now: records made later have a greater one. */
  async mark(): Promise<number> {
    return (await this.list('limit=1'))[0]?.id ?? 0;
  }

  /** Records made after `mark`, once none of them is RUNNING any more (or after 10 s). */
  async since(mark: number): Promise<TransferRecord[]> {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const fresh = (await this.list('limit=1000')).filter((r) => r.id > mark);
      if (!fresh.some((r) => r.status === 'RUNNING') || Date.now() > deadline) return fresh;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Exactly one DONE record per file, of the right size and SHA-256; no other record; none RUNNING. */
  async expectTransfers(mark: number, expected: readonly ExpectedTransfer[]): Promise<void> {
    const fresh = await this.since(mark);
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

  private async list(query: string): Promise<TransferRecord[]> {
    const res = await this.api(`/api/transfers?sort=id-&${query}`);
    assert.equal(res.status, 200, `GET /api/transfers: ${res.status}`);
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
