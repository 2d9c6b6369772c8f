/**
 * One handle a partner opened for reading. The file is checked at the open; the download
 * record is made (or joined, or resumed) at the first read, so an open closed without a read
 * leaves no record. Reading an empty file means closing it: that is a whole download too.
 */
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { DownloadTransfer, Release } from './download.js';
import type { DownloadSource, ServerTransfers } from './server-transfers.js';

export class DownloadHandle {
  #started: Promise<DownloadTransfer> | undefined;
  #transfer: DownloadTransfer | undefined;
  #released = false;

  constructor(
    private readonly transfers: ServerTransfers,
    readonly source: DownloadSource,
  ) {}

  /** The record, once the first read made it. */
  get transfer(): DownloadTransfer | undefined {
    return this.#transfer;
  }

  /** The record for a read at `offset` (made or joined by the first call). */
  start(offset: number): Promise<DownloadTransfer> {
    this.#started ??= this.transfers.startDownload(this.source, offset).then((t) => {
      this.#transfer = t;
      return t;
    });
    return this.#started;
  }

  /** The attributes of the open file. */
  stat(): Promise<Stats> {
    return this.#transfer?.stat() ?? stat(this.source.path);
  }

  /** The partner closed the handle: the record ends if it was its last reader (thrown on failure). */
  async close(): Promise<void> {
    if (this.#started === undefined && this.source.identity.size === 0) await this.start(0);
    await this.#release('close');
  }

  /** The session went away with the handle open. */
  abort(): Promise<void> {
    return this.#release('abort');
  }

  async #release(how: Release): Promise<void> {
    if (this.#released || this.#started === undefined) return;
    this.#released = true;
    const t = await this.#started.catch(() => undefined);
    if (t === undefined) return;
    await t.release(how, () => this.transfers.mergeParts(t, this.source));
  }
}
