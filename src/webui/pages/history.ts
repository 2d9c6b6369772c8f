/**
 * History search: finished transfers (DONE, CANCELLED) with filters on status, rule, partner or
 * server, account, node, start dates and file name, paged on the server (one query per page,
 * on the history's (owner, start) index), and the same search as CSV (every matching row,
 * streamed in keyset pages, so 100 000 rows cost no more memory than 1000).
 */
import { Readable } from 'node:stream';
import type { TransferFilter, NormalizedTransfer } from '../../db/stores/transfers.js';
import { historyStatuses } from '../../model/transfer-state.js';
import type { TransferStatus } from '../../model/transfer-state.js';
import type { Console, WebContext, WebRouter } from '../context.js';
import { PageError, need, send, who } from '../context.js';
import { inputField } from '../forms.js';
import type { Html } from '../html.js';
import { html, query } from '../html.js';
import { bytes, page, tableHead, when } from '../layout.js';

export const historyPageSize = 50;
const csvPage = 1000;

interface Search {
  status: string;
  rule: string;
  partner: string;
  account: string;
  node: string;
  from: string;
  to: string;
  file: string;
  offset: number;
}

const fields = ['status', 'rule', 'partner', 'account', 'node', 'from', 'to', 'file'] as const;

function one(c: WebContext, name: string): string {
  const v = c.query[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
}

const day = /^\d{4}-\d{2}-\d{2}$/;

export function readSearch(c: WebContext): Search {
  const s = { offset: 0 } as Search;
  for (const f of fields) s[f] = one(c, f);
  const offset = one(c, 'offset');
  if (offset !== '') {
    if (!/^\d{1,9}$/.test(offset))
      throw new PageError(400, `"offset" must be a whole number, got "${offset}"`);
    s.offset = Number(offset);
  }
  if (s.status !== '' && !(historyStatuses as readonly string[]).includes(s.status)) {
    throw new PageError(400, `"status" must be one of ${historyStatuses.join(', ')}, got "${s.status}"`);
  }
  for (const d of ['from', 'to'] as const) {
    if (s[d] !== '' && (!day.test(s[d]) || Number.isNaN(Date.parse(`${s[d]}T00:00:00Z`)))) {
      throw new PageError(400, `"${d}" must be a date (YYYY-MM-DD), got "${s[d]}"`);
    }
  }
  return s;
}

export function searchFilter(s: Search): TransferFilter {
  const f: TransferFilter = { historyOnly: true };
  if (s.status !== '') f.status = [s.status as TransferStatus];
  if (s.rule !== '') f.rule = [s.rule];
  if (s.partner !== '') f.agent = [s.partner];
  if (s.account !== '') f.account = [s.account];
  if (s.node !== '') f.node = [s.node];
  if (s.file !== '') f.fileContains = s.file;
  if (s.from !== '') f.startAfter = Date.parse(`${s.from}T00:00:00Z`);
  if (s.to !== '') f.startBefore = Date.parse(`${s.to}T00:00:00Z`) + 86_400_000;
  return f;
}

function searchQuery(s: Search, offset?: number): string {
  const p: Record<string, string | number> = {};
  for (const f of fields) p[f] = s[f];
  if (offset !== undefined && offset > 0) p.offset = offset;
  return query(p);
}

function row(t: NormalizedTransfer): Html {
  return html`<tr>
    <td><a href="/webui/transfers/${t.id}">${t.id}</a></td>
    <td><span class="status s-${t.status.toLowerCase()}">${t.status}</span></td>
    <td>${when(t.start)}</td>
    <td>${when(t.stop)}</td>
    <td>${t.rule} <small>${t.isSend ? 'send' : 'receive'}</small></td>
    <td>${t.account}@${t.agent}</td>
    <td class="file">${t.isSend ? t.srcFilename : t.destFilename}</td>
    <td class="num">${t.filesize < 0 ? '' : bytes(t.filesize)}</td>
    <td>${t.node ?? ''}</td>
  </tr>`;
}

function input(id: string, label: string, value: string, type = 'text'): Html {
  return inputField(label, { id: `h-${id}`, name: id, type, value });
}

export function historyPages(router: WebRouter, cons: Console): void {
  const { ctx } = cons;

  router.get('/webui/history', async (c) => {
    need(c, 'transfers', 'r');
    const s = readSearch(c);
    const list = await ctx.stores.transfers.listNormalized(searchFilter(s), {
      limit: historyPageSize + 1,
      offset: s.offset,
      sort: { key: 'start', desc: true },
    });
    const more = list.length > historyPageSize;
    const rows = list.slice(0, historyPageSize);
    const first = rows.length === 0 ? 0 : s.offset + 1;
    send(
      c,
      page(ctx, {
        title: 'History',
        section: 'history',
        who: who(c),
        body: html`<form
            class="search"
            method="get"
            action="/webui/history"
            hx-get="/webui/history"
            hx-target="#results"
            hx-select="#results"
            hx-swap="outerHTML"
            hx-push-url="true"
          >
            <div class="grid">
              <div class="field">
                <label for="h-status">Status</label
                ><select id="h-status" name="status">
                  <option value="">any</option>
                  ${historyStatuses.map(
                    (st) => html`<option${st === s.status ? html` selected` : ''}>${st}</option>`,
                  )}
                </select>
              </div>
              ${input('rule', 'Rule', s.rule)} ${input('partner', 'Partner or server', s.partner)}
              ${input('account', 'Account', s.account)} ${input('node', 'Node', s.node)}
              ${input('file', 'File name contains', s.file)}
              ${input('from', 'Started on or after', s.from, 'date')}
              ${input('to', 'Started on or before', s.to, 'date')}
            </div>
            <div class="actions">
              <button type="submit">Search</button>
              <a class="button secondary" href="/webui/history.csv${searchQuery(s)}" download>Export CSV</a>
            </div>
          </form>
          <div id="results">
            <p class="muted" role="status">
              ${rows.length === 0 ? 'No finished transfer matches.' : `Transfers ${first}–${s.offset + rows.length}${more ? '' : ' (the last page)'}, newest first.`}
            </p>
            <div class="scroll">
              <table class="data">
                ${tableHead('Finished transfers', ['Id', 'Status', 'Start', 'End', 'Rule', 'Account', 'File', 'Size', 'Node'])}
                <tbody>
                  ${rows.map(row)}
                </tbody>
              </table>
            </div>
            <nav
              class="pager"
              aria-label="Pages"
              hx-boost="true"
              hx-target="#results"
              hx-select="#results"
              hx-swap="outerHTML"
            >
              ${s.offset > 0 ? html`<a href="/webui/history${searchQuery(s, Math.max(0, s.offset - historyPageSize))}" rel="prev">Newer</a>` : ''}
              ${more ? html`<a href="/webui/history${searchQuery(s, s.offset + historyPageSize)}" rel="next">Older</a>` : ''}
            </nav>
          </div>`,
      }),
    );
  });

  router.get('/webui/history.csv', (c) => {
    need(c, 'transfers', 'r');
    const filter = searchFilter(readSearch(c));
    const store = ctx.stores.transfers;
    async function* lines(): AsyncGenerator<string> {
      yield csvLine(csvHeader);
      let after: TransferFilter['after'];
      for (;;) {
        const rows = await store.listNormalized(after === undefined ? filter : { ...filter, after }, {
          limit: csvPage,
          sort: { key: 'start', desc: true },
        });
        if (rows.length > 0) yield rows.map((t) => csvLine(csvRow(t))).join('');
        const last = rows[rows.length - 1];
        if (rows.length < csvPage || last === undefined) return;
        after = { start: last.start, id: last.id };
      }
    }
    c.type = 'text/csv; charset=utf-8';
    c.set(
      'Content-Disposition',
      `attachment; filename="history-${new Date(ctx.now()).toISOString().slice(0, 10)}.csv"`,
    );
    c.body = Readable.from(lines());
  });
}

const csvHeader = [
  'id',
  'status',
  'start',
  'stop',
  'rule',
  'direction',
  'side',
  'account',
  'partner_or_server',
  'protocol',
  'src_file',
  'dest_file',
  'size',
  'node',
  'error_code',
  'error',
  'sha256',
  'remote_id',
];

function csvRow(t: NormalizedTransfer): (string | number)[] {
  return [
    t.id,
    t.status,
    when(t.start),
    when(t.stop),
    t.rule,
    t.isSend ? 'send' : 'receive',
    t.isServer ? 'server' : 'client',
    t.account,
    t.agent,
    t.protocol,
    t.srcFilename,
    t.destFilename,
    t.filesize,
    t.node ?? '',
    t.errorCode,
    t.errorDetails,
    typeof t.info.sha256 === 'string' ? t.info.sha256 : '',
    t.remoteTransferId,
  ];
}

/**
 * RFC 4180 quoting; a cell starting with = + - @ gets a leading quote so a spreadsheet never
 * runs a partner's file name as a formula.
 */
export function csvLine(cells: readonly (string | number)[]): string {
  return (
    cells
      .map((v) => {
        let s = String(v);
        if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
        return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      })
      .join(',') + '\r\n'
  );
}
