/** The HTML the live hub pushes: the running list's rows, one transfer's progress, the nodes. */
import type { GatewayContext } from '../../gateway/context.js';
import { apiButton } from '../forms.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { bytes, duration, tableHead, when } from '../layout.js';
import type { LiveNodes, LiveRender, LiveTransfer } from '../live.js';

export function percent(progress: number, size: number): string {
  if (size <= 0) return '';
  return `${Math.min(100, Math.floor((progress * 100) / size))} %`;
}

export function progressBar(id: number, progress: number, size: number): Html {
  // An upload's size is unknown until it ends: an indeterminate bar, not a full one.
  if (size <= 0) return html`<progress aria-label="Progress of transfer ${id}"></progress>`;
  return html`<progress
    value="${Math.min(progress, size)}"
    max="${size}"
    aria-label="Progress of transfer ${id}"
  >
    ${percent(progress, size)}
  </progress>`;
}

/** Pause, resume, cancel: those the status allows (the API refuses the others anyway). */
export function transferActions(id: number, status: string, isServer: boolean, then = 'none'): Html {
  const b = (action: string, label: string, confirm?: string): Html =>
    apiButton({
      method: 'PUT',
      path: `/api/transfers/${id}/${action}`,
      label,
      then,
      ariaLabel: `${label} transfer ${id}`,
      ...(confirm === undefined ? {} : { confirm }),
    });
  const out: Html[] = [];
  if (status === 'RUNNING' || status === 'PLANNED') out.push(b('pause', 'Pause'));
  if (!isServer && ['PAUSED', 'INTERRUPTED', 'ERROR'].includes(status)) out.push(b('resume', 'Resume'));
  if (!['DONE', 'CANCELLED'].includes(status)) out.push(b('cancel', 'Cancel', `Cancel transfer ${id}?`));
  return html`<span class="buttons">${out}</span>`;
}

function rate(r: LiveTransfer): string {
  return r.rate === undefined ? '' : `${bytes(Math.round(r.rate))}/s`;
}

export function liveRender(ctx: GatewayContext): LiveRender {
  const nodeTimeout = ctx.config.cluster.nodeTimeoutMs;
  return {
    transferRows(rows, canAct) {
      if (rows.length === 0) {
        return html`<tr>
          <td colspan="${canAct ? 9 : 8}" class="empty">No transfer is running or waiting.</td>
        </tr>`.text;
      }
      return rows
        .map(
          (r) =>
            html`<tr id="transfer-${r.t.id}" data-status="${r.t.status}">
              <td><a href="/webui/transfers/${r.t.id}">${r.t.id}</a></td>
              <td><span class="status s-${r.t.status.toLowerCase()}">${r.t.status}</span></td>
              <td>${r.t.rule} <small>${r.t.isSend ? 'send' : 'receive'}</small></td>
              <td>${r.t.account}@${r.t.agent}</td>
              <td class="file">${r.t.isSend ? r.t.srcFilename : r.t.destFilename}</td>
              <td class="num">
                ${progressBar(r.t.id, r.t.progress, r.t.filesize)}
                <span class="pct">${percent(r.t.progress, r.t.filesize)}</span>
                <small>${bytes(r.t.progress)}${r.t.filesize > 0 ? ` / ${bytes(r.t.filesize)}` : ''}</small>
              </td>
              <td class="num">
                ${rate(r)}${r.etaMs === undefined ? '' : html`<br /><small>ETA ${duration(r.etaMs)}</small>`}
              </td>
              <td>${r.t.node ?? ''}<br /><small>${r.t.step}</small></td>
              ${canAct ? html`<td>${r.ended === undefined ? transferActions(r.t.id, r.t.status, r.t.isServer) : ''}</td>` : ''}
            </tr>`.text,
        )
        .join('\n');
    },

    transferProgress(r) {
      return html`<dl class="facts">
        <dt>Status</dt>
        <dd><span class="status s-${r.t.status.toLowerCase()}">${r.t.status}</span></dd>
        <dt>Step</dt>
        <dd>${r.t.step}${r.t.taskNumber > 0 ? ` (task ${r.t.taskNumber})` : ''}</dd>
        <dt>Progress</dt>
        <dd>
          ${progressBar(r.t.id, r.t.progress, r.t.filesize)} ${percent(r.t.progress, r.t.filesize)} ·
          ${bytes(r.t.progress)}${r.t.filesize > 0 ? ` of ${bytes(r.t.filesize)}` : ''}
        </dd>
        <dt>Speed</dt>
        <dd>${rate(r) || '—'}${r.etaMs === undefined ? '' : ` · ETA ${duration(r.etaMs)}`}</dd>
        <dt>Node</dt>
        <dd>${r.t.node ?? '—'}</dd>
        ${
          r.t.errorCode === 'TeOk'
            ? ''
            : html`<dt>Error</dt>
                <dd>${r.t.errorCode}: ${r.t.errorDetails}</dd>`
        }
      </dl>`.text;
    },

    nodes(view: LiveNodes, now: number) {
      return html`<table class="data">
        ${tableHead('Nodes of the cluster', ['Node', 'State', 'Heartbeat', 'Version', 'Host', 'Running transfers', 'Started'])}
        <tbody>
          ${view.nodes.map((n) => {
            const alive = n.state !== 'stopped' && now - n.heartbeatAt < nodeTimeout;
            const state = !alive ? (n.state === 'stopped' ? 'stopped' : 'dead') : n.state;
            const label = state === 'running' ? 'ready' : state;
            return html`<tr data-node="${n.name}">
              <th scope="row">
                ${n.name}${n.name === ctx.nodeName ? html` <small>(this page)</small>` : ''}
              </th>
              <td><span class="status n-${state}">${label}</span></td>
              <td class="num">${duration(now - n.heartbeatAt)} ago</td>
              <td>${n.version}</td>
              <td>${n.host}<br /><small>${n.adminAddress}</small></td>
              <td class="num">${view.running.get(n.name) ?? 0}</td>
              <td>${when(n.startedAt)}</td>
            </tr>`;
          })}
        </tbody>
      </table>`.text;
    },
  };
}
