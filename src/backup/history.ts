/**
 * The transfer history in the reference's format (pkg/backup history-export.go and
 * history-import.go): one JSON array of entries, written by its `purge --export-to` and read by
 * its `restore-history`. A restore replaces this gateway's history, in one transaction.
 *
 * The file is read twice, streamed both times: once to check every entry before the database is
 * touched, once to write. Times are kept to the millisecond (the reference has microseconds).
 */
import { createReadStream } from 'node:fs';
import type { SqlDatabase } from '../db/sql.js';
import { UniqueViolationError } from '../db/sql.js';
import { inLockedTransaction } from '../db/locked.js';
import { HistoryStore } from '../db/stores/history.js';
import { ExitCode } from '../errors.js';
import type { HistoryEntry } from '../model/entities.js';
import type { TransferErrorCode, TransferStep } from '../model/transfer-state.js';
import { errorCodes, historyStatuses, transferSteps } from '../model/transfer-state.js';
import { ImportFileError } from './file-error.js';
import { jsonArrayElements } from './json-array.js';
import type { ReferenceTransfer } from './reference-format.js';

const command = 'restore-history';
const lockName = 'waarp_gateway_history';
const lockTimeoutMs = 120_000;
const exportPageSize = 500;

type Entry = Omit<HistoryEntry, 'owner'>;

export interface HistoryRestore {
  /** Entries of this gateway's history deleted first. */
  readonly replaced: number;
  readonly restored: number;
  readonly dryRun: boolean;
}

/** Replaces this gateway's history with the file's entries (all or nothing). */
export async function restoreHistory(
  db: SqlDatabase,
  owner: string,
  source: string,
  options: { dryRun?: boolean } = {},
): Promise<HistoryRestore> {
  const dryRun = options.dryRun === true;
  let maxId = 0;
  for await (const { entry } of readEntries(source)) maxId = Math.max(maxId, entry.id);
  // MySQL: DDL commits, so before the transaction. Harmless if the restore then fails: ids are skipped.
  if (db.dialect === 'mysql' && !dryRun) await new HistoryStore(db, owner).advanceTransferIds(maxId);
  const result = inLockedTransaction(db, lockName, lockTimeoutMs, async (locked) => {
    const store = new HistoryStore(locked, owner);
    const replaced = await store.deleteAll();
    let restored = 0;
    for await (const { entry, at } of readEntries(source)) {
      try {
        await store.insert(entry);
      } catch (err) {
        if (!(err instanceof UniqueViolationError)) throw err;
        throw entryError(
          source,
          `${at}.id`,
          `${entry.id} is already an entry of the history (of another gateway on this database)`,
        );
      }
      restored++;
    }
    const clash = await store.clashWithLiveTransfer();
    if (clash !== undefined) {
      throw new ImportFileError(
        source,
        undefined,
        `the id ${clash} is also a transfer that is not finished here: restore the history into a gateway without live transfers`,
        ExitCode.badConfigValue,
        command,
      );
    }
    if (locked.dialect === 'sqlite') await store.advanceTransferIds(maxId);
    const outcome: HistoryRestore = { replaced, restored, dryRun };
    if (dryRun) throw new RolledBack(outcome);
    return outcome;
  });
  return result.catch((err: unknown) => {
    if (err instanceof RolledBack) return err.outcome;
    throw err;
  });
}

class RolledBack extends Error {
  constructor(readonly outcome: HistoryRestore) {
    super('dry run');
  }
}

/** Writes this gateway's history, page by page, as the reference's exporter lays it out. */
export async function exportHistory(
  db: SqlDatabase,
  owner: string,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const store = new HistoryStore(db, owner);
  await write('[\n');
  let count = 0;
  for (let after = 0; ;) {
    const page = await store.page(after, exportPageSize);
    if (page.length === 0) break;
    for (const h of page) {
      const json = JSON.stringify(toReferenceTransfer(h), null, 2).replace(/\n/g, '\n  ');
      await write((count++ === 0 ? '  ' : ',\n  ') + json);
    }
    after = page[page.length - 1]?.id ?? after;
  }
  await write('\n]\n');
  return count;
}

/** One of our history entries as the reference writes it (its `omitempty` fields left out when empty). */
export function toReferenceTransfer(h: HistoryEntry): ReferenceTransfer {
  const out: ReferenceTransfer = {
    id: h.id,
    ...(h.remoteTransferId === '' ? {} : { remoteId: h.remoteTransferId }),
    rule: h.rule,
    isSend: h.isSend,
    isServer: h.isServer,
    ...(h.client === '' ? {} : { client: h.client }),
    requester: h.account,
    requested: h.agent,
    protocol: h.protocol,
    ...(h.srcFilename === '' ? {} : { srcFilename: h.srcFilename }),
    ...(h.destFilename === '' ? {} : { destFilename: h.destFilename }),
    ...(h.localPath === '' ? {} : { localFilepath: h.localPath }),
    ...(h.remotePath === '' ? {} : { remoteFilepath: h.remotePath }),
    filesize: h.filesize,
    start: new Date(h.start).toISOString(),
    stop: new Date(h.stop).toISOString(),
    status: h.status,
    ...(h.step === 'StepNone' ? {} : { step: h.step }),
    ...(h.progress === 0 ? {} : { progress: h.progress }),
    ...(h.taskNumber === 0 ? {} : { taskNumber: h.taskNumber }),
    ...(h.errorCode === 'TeOk' ? {} : { errorCode: h.errorCode }),
    ...(h.errorDetails === '' ? {} : { errorMsg: h.errorDetails }),
    ...(Object.keys(h.info).length === 0 ? {} : { transferInfo: h.info }),
  };
  return out;
}

/** The checked entries of a history file, with their paths (`[3]`). */
export async function* readEntries(source: string): AsyncGenerator<{ entry: Entry; at: string }> {
  const ids = new Set<number>();
  let index = 0;
  try {
    const stream = createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 20 });
    for await (const text of jsonArrayElements(stream as AsyncIterable<string>)) {
      const at = `[${index++}]`;
      let json: unknown;
      try {
        json = JSON.parse(text) as unknown;
      } catch (err) {
        throw entryError(source, at, `not valid JSON: ${(err as Error).message}`);
      }
      const entry = parseEntry(json, at, source);
      if (ids.has(entry.id)) throw entryError(source, `${at}.id`, `${entry.id} is in the file twice`);
      ids.add(entry.id);
      yield { entry, at };
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOENT' ? 'cannot read: no such file' : e.code ? `cannot read: ${e.message}` : e.message;
    throw new ImportFileError(source, undefined, reason, ExitCode.badConfigFile, command);
  }
}

function entryError(source: string, at: string, reason: string): ImportFileError {
  return new ImportFileError(source, at, reason, ExitCode.badConfigValue, command);
}

const entryFields = [
  'id',
  'remoteId',
  'rule',
  'isSend',
  'isServer',
  'client',
  'requester',
  'requested',
  'protocol',
  'srcFilename',
  'destFilename',
  'localFilepath',
  'remoteFilepath',
  'filesize',
  'start',
  'stop',
  'status',
  'step',
  'progress',
  'taskNumber',
  'errorCode',
  'errorMsg',
  'transferInfo',
];

/** One entry, with the reference's own rules for a history entry (model.HistoryEntry.BeforeWrite). */
export function parseEntry(json: unknown, at: string, source: string): Entry {
  const fail = (field: string, reason: string): never => {
    throw entryError(source, field === '' ? at : `${at}.${field}`, reason);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('', 'must be an object');
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!entryFields.includes(key)) fail(key, 'unknown field');
  // Go writes zero values as null or leaves them out: both are "empty".
  const str = (key: string, required = false): string => {
    const v = o[key] ?? '';
    if (typeof v !== 'string') return fail(key, 'must be a string');
    if (required && v === '') fail(key, 'is required');
    return v;
  };
  const int = (key: string, min: number): number => {
    const v = o[key] ?? 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      fail(key, `must be an integer from ${min}`);
    return v as number;
  };
  const bool = (key: string): boolean => {
    const v = o[key] ?? false;
    if (typeof v !== 'boolean') fail(key, 'must be true or false');
    return v as boolean;
  };
  const time = (key: string): number | undefined => {
    const v = str(key);
    if (v === '' || v.startsWith('0001-01-01T00:00:00')) return undefined; // Go's zero time
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v)
      ? Date.parse(v)
      : Number.NaN;
    if (Number.isNaN(ms)) fail(key, `"${v}" is not an RFC 3339 date-time`);
    return ms;
  };
  const oneOf = <T extends string>(key: string, list: readonly T[], fallback?: T): T => {
    const v = str(key, fallback === undefined);
    if (v === '' && fallback !== undefined) return fallback;
    if (!(list as readonly string[]).includes(v)) fail(key, `"${v}" is not one of ${list.join(', ')}`);
    return v as T;
  };

  const id = int('id', 1);
  const isServer = bool('isServer');
  const isSend = bool('isSend');
  const client = str('client');
  if (!isServer && client === '') fail('client', 'is required for a transfer we made as a client');
  if (isServer && client !== '') fail('client', 'must be empty for a transfer a partner made to our server');
  const srcFilename = str('srcFilename');
  const destFilename = str('destFilename');
  if (isSend && srcFilename === '') fail('srcFilename', 'is required for a send transfer');
  if (!isSend && isServer && destFilename === '') fail('destFilename', 'is required for a received transfer');
  const start = time('start') ?? fail('start', 'is required');
  const stop = time('stop');
  if (stop !== undefined && stop < start) fail('stop', 'is before "start"');
  const info = o.transferInfo ?? {};
  if (typeof info !== 'object' || Array.isArray(info)) fail('transferInfo', 'must be an object');
  return {
    id,
    remoteTransferId: str('remoteId', true),
    isServer,
    isSend,
    account: str('requester', true),
    agent: str('requested', true),
    client,
    // Kept whatever it is: the history of R66 or FTP transfers is audit trail too.
    protocol: str('protocol', true),
    rule: str('rule', true),
    srcFilename,
    destFilename,
    localPath: str('localFilepath'),
    remotePath: str('remoteFilepath'),
    filesize: int('filesize', -1),
    start,
    // Our history always has an end; an entry without one ends when it started.
    stop: stop ?? start,
    status: oneOf('status', historyStatuses),
    step: oneOf<TransferStep>('step', transferSteps, 'StepNone'),
    progress: int('progress', 0),
    taskNumber: int('taskNumber', 0),
    errorCode: oneOf<TransferErrorCode>('errorCode', errorCodes, 'TeOk'),
    errorDetails: str('errorMsg'),
    node: null,
    info: info as Record<string, unknown>,
  };
}
