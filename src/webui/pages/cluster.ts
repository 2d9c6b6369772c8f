/** The console's home: every node of the cluster, live (state, heartbeat age, version, load). */
import type { TransferStatus } from '../../model/transfer-state.js';
import type { Console, WebRouter } from '../context.js';
import { need, send, who } from '../context.js';
import { html } from '../html.js';
import { can, page } from '../layout.js';
import { openStream } from './stream.js';

export function clusterPages(router: WebRouter, cons: Console): void {
  const { ctx } = cons;

  router.get(['/webui', '/webui/'], async (c) => {
    const me = who(c);
    const counts: Record<string, number> = can(me.user, 'transfers', 'r')
      ? await ctx.stores.transfers.countByStatus()
      : {};
    const statuses: TransferStatus[] = ['RUNNING', 'PLANNED', 'PAUSED', 'INTERRUPTED', 'ERROR'];
    send(
      c,
      page(ctx, {
        title: 'Cluster',
        section: 'cluster',
        who: me,
        body: html` ${
          can(me.user, 'administration', 'r')
            ? html`<section aria-labelledby="nodes-h">
                <h2 id="nodes-h">Nodes</h2>
                <div
                  class="scroll"
                  hx-ext="sse"
                  sse-connect="/webui/live/nodes"
                  sse-swap="nodes"
                  aria-live="off"
                >
                  <p class="muted">Loading…</p>
                </div>
              </section>`
            : html`<p class="muted">
                Your rights do not include "read" on "administration": the nodes are not shown.
              </p>`
        }
        ${
          can(me.user, 'transfers', 'r')
            ? html`<section aria-labelledby="counts-h">
                <h2 id="counts-h">Transfers now</h2>
                <ul class="counts">
                  ${statuses.map(
                    (s) =>
                      html`<li>
                        <a href="/webui/transfers"
                          ><span class="status s-${s.toLowerCase()}">${s}</span>
                          <strong>${counts[s] ?? 0}</strong></a
                        >
                      </li>`,
                  )}
                </ul>
              </section>`
            : ''
        }`,
      }),
    );
  });

  router.get('/webui/live/nodes', (c) => {
    need(c, 'administration', 'r');
    openStream(c, cons, { topic: 'nodes', canAct: false });
  });
}
