/** `status`, `version`, `override address …` and `cluster nodes`. */
import type { AboutOut, NodeOut, ServiceOut } from '../../schema/status.js';
import { version } from '../../version.js';
import { block, done, show } from '../output.js';
import type { Group, Leaf } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, need, seg } from '../values.js';
import { deleteLeaf } from './shared.js';

const serviceLine = (s: ServiceOut): string =>
  `    [${s.state}] ${s.name}${s.reason === '' ? '' : ` (${s.reason})`}`;

export const statusCommand: Leaf = leaf({
  name: 'status',
  summary: "show the answering node's services",
  run: async (inv) => {
    const r = await inv.client().request<AboutOut>('GET', '/api/about');
    show(inv.out, r.body, (a) => {
      inv.out.line(`== ${a.gatewayName} — node ${a.nodeName} (${a.serverName}) ==`);
      for (const [title, list] of [
        ['Core services', a.coreServices],
        ['Servers', a.servers],
        ['Clients', a.clients],
      ] as const) {
        inv.out.line(`  ${title}:`);
        if (list.length === 0) inv.out.line('    <none>');
        for (const s of list) inv.out.line(serviceLine(s));
      }
    });
  },
});

export const versionCommand: Leaf = leaf({
  name: 'version',
  summary: 'show the version of this program',
  run: (inv) => {
    show(inv.out, { version }, () => inv.out.line(`waarp-gateway ${version}`));
    return Promise.resolve();
  },
});

export const overrideCommand: Group = group({
  name: 'override',
  summary: "the answering node's own settings (call a node directly, not the load balancer)",
  children: [
    group({
      name: 'address',
      summary: 'address indirections of the node (effective when its listeners restart)',
      children: [
        leaf({
          name: 'set',
          summary: 'redirect TARGET to REAL on this node',
          options: {
            target: { type: 'string', short: 't', arg: 'HOST[:PORT]', doc: 'address as configured' },
            real: {
              type: 'string',
              short: 'r',
              arg: 'HOST[:PORT]',
              doc: 'address to use instead on this node',
            },
          },
          run: async (inv) => {
            const target = need(inv.values, 'target');
            const real = need(inv.values, 'real');
            const r = await inv
              .client()
              .request('POST', '/api/override/addresses', { body: { [target]: real } });
            done(inv.out, r.body, `The address "${target}" now leads to "${real}" on this node.`);
          },
        }),
        leaf({
          name: 'list',
          summary: 'list the indirections of this node',
          run: async (inv) => {
            const r = await inv.client().request<Record<string, string>>('GET', '/api/override/addresses');
            show(inv.out, r.body, (m) => {
              inv.out.line('== Address indirections ==');
              if (Object.keys(m).length === 0) inv.out.line('  <none>');
              for (const [t, real] of Object.entries(m)) inv.out.line(`  ${t} -> ${real}`);
            });
          },
        }),
        deleteLeaf({
          summary: 'remove the indirection of TARGET',
          args: ['target'],
          path: (inv) => `/api/override/addresses/${seg(arg(inv, 'target'))}`,
          message: (inv) => `The indirection of "${arg(inv, 'target')}" was removed.`,
        }),
      ],
    }),
  ],
});

export const clusterCommand: Group = group({
  name: 'cluster',
  summary: 'the nodes of the gateway',
  children: [
    leaf({
      name: 'nodes',
      summary: 'list every node, alive or not',
      run: async (inv) => {
        const r = await inv.client().request<{ nodes: NodeOut[] }>('GET', '/api/cluster/nodes');
        show(inv.out, r.body, (b) => {
          if (b.nodes.length === 0) inv.out.line('No nodes found.');
          for (const n of b.nodes) {
            block(inv.out, `Node "${n.name}"`, [
              ['State', n.state],
              ['Alive', n.alive],
              ['Last heartbeat', n.lastHeartbeat],
              ['Started', n.startedAt],
              ['Version', n.version],
              ['Host', n.host],
              ['Admin address', n.adminAddress],
              ['Running transfers', n.runningTransfers],
              ['Clock offset', n.clockOffsetMs === null ? '' : `${n.clockOffsetMs} ms`],
            ]);
          }
        });
      },
    }),
  ],
});
