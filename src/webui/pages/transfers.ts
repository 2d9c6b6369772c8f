/**
 * Transfers: the running list (live over SSE from any node), one transfer's page (steps, tasks,
 * error, SHA-256, node history, live progress), a form to plan a client transfer, and the actions
 * (pause, resume, cancel, retry, retry at a date) as calls of the REST API.
 */
import { transferOut } from '../../admin/dto/transfers.js';
import type { NodeHistoryEntry } from '../../db/stores/transfer-nodes.js';
import type { NormalizedTransfer } from '../../db/stores/transfers.js';
import type { Console, WebRouter } from '../context.js';
import { PageError, need, send, who } from '../context.js';
import { apiButton, renderForm } from '../forms.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { bytes, can, page, tableHead, when } from '../layout.js';
import { openStream } from './stream.js';
import { percent, progressBar, transferActions } from './live-render.js';

export function transferPages(router: WebRouter, cons: Console): void {
  const { ctx } = cons;

  router.get('/webui/transfers', (c) => {
    need(c, 'transfers', 'r');
    const me = who(c);
    const canAct = can(me.user, 'transfers', 'w');
    send(
      c,
      page(ctx, {
        title: 'Transfers',
        section: 'transfers',
        who: me,
        body: html`<p class="muted">
            Running and waiting transfers of every node, updated live (about once a second); finished ones
            stay for a minute. Finished transfers: <a href="/webui/history">History</a>.
          </p>
          <div class="notice-slot" role="alert" aria-live="assertive"></div>
          <div class="scroll" hx-ext="sse" sse-connect="/webui/live/transfers">
            <table class="data" id="running">
              ${tableHead('Running and waiting transfers', ['Id', 'Status', 'Rule', 'Account', 'File', 'Progress', 'Speed', 'Node / step', ...(canAct ? ['Actions'] : [])])}
              <tbody sse-swap="running">
                <tr>
                  <td colspan="9" class="muted">Loading…</td>
                </tr>
              </tbody>
            </table>
          </div>
          ${
            canAct
              ? html`<details class="panel">
                  <summary>Plan a client transfer</summary>
                  ${renderForm({
                    id: 'new-transfer',
                    schema: 'TransferIn',
                    method: 'POST',
                    action: '/api/transfers',
                    then: 'location',
                    submit: 'Plan the transfer',
                  })}
                </details>`
              : ''
          }`,
      }),
    );
  });

  router.get('/webui/live/transfers', (c) => {
    const user = need(c, 'transfers', 'r');
    const only =
      typeof c.query.id === 'string' && /^\d{1,15}$/.test(c.query.id) ? Number(c.query.id) : undefined;
    openStream(c, cons, {
      topic: 'transfers',
      canAct: can(user, 'transfers', 'w'),
      ...(only === undefined ? {} : { only }),
    });
  });

  router.get('/webui/transfers/:id', async (c) => {
    need(c, 'transfers', 'r');
    const me = who(c);
    const raw = c.params.id ?? '';
    if (!/^\d{1,15}$/.test(raw))
      throw new PageError(400, `the transfer id must be a positive integer, got "${raw}"`);
    const id = Number(raw);
    const t = await ctx.stores.transfers.getNormalized(id);
    if (t === undefined) throw new PageError(404, `transfer ${id} not found`);
    const nodes = withStart(t, await ctx.stores.transferNodes.list(id));
    const rule = await ctx.stores.rules.get(t.rule, t.isSend);
    const canAct = can(me.user, 'transfers', 'w');
    send(
      c,
      page(ctx, {
        title: `Transfer ${id}`,
        section: t.isHistory ? 'history' : 'transfers',
        who: me,
        body: html`<div class="notice-slot" role="alert" aria-live="assertive"></div>
          ${canAct ? actions(t) : ''}
          <section aria-labelledby="live-h">
            <h2 id="live-h">State</h2>
            ${
              t.isHistory
                ? staticState(t)
                : html`<div
                    hx-ext="sse"
                    sse-connect="/webui/live/transfers?id=${id}"
                    sse-swap="progress"
                    data-reload-on="ended"
                  >
                    ${staticState(t)}
                  </div>`
            }
          </section>
          <section aria-labelledby="what-h">
            <h2 id="what-h">Transfer</h2>
            ${facts(t)}
          </section>
          <section aria-labelledby="tasks-h">
            <h2 id="tasks-h">Tasks of rule ${t.rule} (${t.isSend ? 'send' : 'receive'})</h2>
            ${
              rule === undefined
                ? html`<p class="muted">The rule no longer exists.</p>`
                : html`<ol class="steps">
                    ${(
                      [
                        ['Pre-tasks', rule.preTasks],
                        ['Post-tasks', rule.postTasks],
                        ['Error tasks', rule.errorTasks],
                      ] as const
                    ).map(([label, list]) => {
                      return html`<li>
                        <strong>${label}</strong>${
                          list.length === 0
                            ? html` <span class="muted">none</span>`
                            : html`<ol>
                                ${list.map((x) => html`<li><code>${x.type}</code> <code>${JSON.stringify(x.args)}</code></li>`)}
                              </ol>`
                        }
                      </li>`;
                    })}
                  </ol>`
            }
          </section>
          <section aria-labelledby="nodes-h">
            <h2 id="nodes-h">Node history</h2>
            ${
              nodes.length === 0
                ? html`<p class="muted">No node has taken it yet.</p>`
                : html`<table class="data">
                    ${tableHead(undefined, ['When', 'Node', 'What'])}
                    <tbody>
                      ${nodes.map(
                        (n) =>
                          html`<tr>
                            <td>${when(n.at)}</td>
                            <td>${n.node}</td>
                            <td>${n.event}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
            }
          </section>`,
      }),
    );
  });
}

/**
 * The node history with where the transfer started: the store notes only changes of node (no
 * statement more per file), so the start is the row's node, or the first one to lose it.
 */
function withStart(t: NormalizedTransfer, changes: NodeHistoryEntry[]): NodeHistoryEntry[] {
  const first = changes[0];
  if (first?.event === 'claimed') return changes; // a planned client transfer: no node before
  const startNode = first?.event === 'lease lapsed' ? first.node : first === undefined ? t.node : undefined;
  if (startNode === undefined || startNode === null || startNode === '') return changes;
  return [{ node: startNode, event: 'started', at: t.start }, ...changes];
}

function staticState(t: NormalizedTransfer): Html {
  return html`<dl class="facts">
    <dt>Status</dt>
    <dd><span class="status s-${t.status.toLowerCase()}">${t.status}</span></dd>
    <dt>Step</dt>
    <dd>${t.step}${t.taskNumber > 0 ? ` (task ${t.taskNumber})` : ''}</dd>
    <dt>Progress</dt>
    <dd>
      ${progressBar(t.id, t.progress, t.filesize)} ${percent(t.progress, t.filesize)} ·
      ${bytes(t.progress)}${t.filesize > 0 ? ` of ${bytes(t.filesize)}` : ''}
    </dd>
    <dt>Node</dt>
    <dd>${t.node ?? '—'}</dd>
    ${
      t.errorCode === 'TeOk'
        ? ''
        : html`<dt>Error</dt>
            <dd>${t.errorCode}: ${t.errorDetails}</dd>`
    }
  </dl>`;
}

function facts(t: NormalizedTransfer): Html {
  const out = transferOut(t);
  const sha = typeof t.info.sha256 === 'string' ? t.info.sha256 : '';
  const info = Object.fromEntries(Object.entries(t.info).filter(([k]) => k !== 'sha256'));
  return html`<dl class="facts">
    <dt>Rule</dt>
    <dd>${t.rule} (${t.isSend ? 'send' : 'receive'})</dd>
    <dt>Side</dt>
    <dd>${t.isServer ? 'server (the partner connected to us)' : 'client (we connect to the partner)'}</dd>
    <dt>Account</dt>
    <dd>${t.account} on ${t.agent} (${t.protocol})</dd>
    <dt>Source file</dt>
    <dd class="file">${t.srcFilename}</dd>
    <dt>Destination file</dt>
    <dd class="file">${t.destFilename}</dd>
    <dt>Local path</dt>
    <dd class="file">${t.localPath}</dd>
    ${
      t.remotePath === ''
        ? ''
        : html`<dt>Remote path</dt>
            <dd class="file">${t.remotePath}</dd>`
    }
    <dt>Size</dt>
    <dd>${t.filesize < 0 ? 'unknown' : bytes(t.filesize)}</dd>
    <dt>SHA-256</dt>
    <dd><code class="hash">${sha === '' ? '—' : sha}</code></dd>
    <dt>Start</dt>
    <dd>${when(t.start)}</dd>
    <dt>End</dt>
    <dd>${when(t.stop) || '—'}</dd>
    ${
      out.nextAttempt === undefined
        ? ''
        : html`<dt>Next attempt</dt>
            <dd>${out.nextAttempt} (${t.remainingTries} left)</dd>`
    }
    <dt>Remote id</dt>
    <dd><code>${t.remoteTransferId}</code></dd>
    ${
      Object.keys(info).length === 0
        ? ''
        : html`<dt>Transfer info</dt>
            <dd><code>${JSON.stringify(info)}</code></dd>`
    }
  </dl>`;
}

function actions(t: NormalizedTransfer): Html {
  const retry = !t.isServer;
  return html`<div class="toolbar">
    ${t.isHistory ? '' : transferActions(t.id, t.status, t.isServer, 'reload')}
    ${
      retry
        ? html`${apiButton({ method: 'PUT', path: `/api/transfers/${t.id}/retry`, label: 'Retry now', then: 'location', ariaLabel: `Retry transfer ${t.id} now` })}
            <form
              class="inline"
              data-api-method="PUT"
              data-api-path="/api/transfers/${t.id}/retry"
              data-api-query="date"
              data-then="location"
            >
              <div class="notice-slot" role="alert" aria-live="assertive"></div>
              <label for="retry-at">Retry at (your time)</label>
              <input id="retry-at" name="date" type="datetime-local" step="1" data-type="datetime" required />
              <button type="submit" class="secondary">Reschedule</button>
            </form>`
        : ''
    }
  </div>`;
}
