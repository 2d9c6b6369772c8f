/** `waarp-gateway server …`: local agents. */
import type { ServerOut } from '../../schema/agents.js';
import type { Output } from '../output.js';
import { block } from '../output.js';
import type { Group } from '../tree.js';
import { group } from '../tree.js';
import { arg, opt, seg } from '../values.js';
import { agentLeaves } from './crud.js';
import { accessLeaves, actionLeaves, credentialGroup, rulesField } from './shared.js';

const base = '/api/servers';

function display(out: Output, s: ServerOut): void {
  block(out, `Server "${s.name}"`, [
    ['Protocol', s.protocol],
    ['Address', s.address],
    ['Enabled', s.enabled],
    ['Root directory', s.rootDir],
    ['Receive directory', s.receiveDir],
    ['Send directory', s.sendDir],
    ['Temp receive directory', s.tmpReceiveDir],
    ['Configuration', s.protoConfig],
    ['Credentials', s.credentials],
    ...rulesField(s.authorizedRules),
  ]);
}

export const serverCommand: Group = group({
  name: 'server',
  summary: 'manage the servers (local agents)',
  children: [
    ...agentLeaves<ServerOut>({
      what: 'server',
      options: {
        address: { type: 'string', short: 'a', arg: 'HOST:PORT', doc: 'address to listen on' },
        'root-dir': { type: 'string', arg: 'DIR', doc: 'root directory' },
        'receive-dir': { type: 'string', arg: 'DIR', doc: 'receive directory' },
        'send-dir': { type: 'string', arg: 'DIR', doc: 'send directory' },
        'tmp-dir': { type: 'string', arg: 'DIR', doc: 'temporary receive directory' },
      },
      body: (inv) => ({
        address: opt(inv.values, 'address'),
        rootDir: opt(inv.values, 'root-dir'),
        receiveDir: opt(inv.values, 'receive-dir'),
        sendDir: opt(inv.values, 'send-dir'),
        tmpReceiveDir: opt(inv.values, 'tmp-dir'),
      }),
      display,
    }),
    ...actionLeaves('server', base, ['enable', 'disable', 'start', 'stop', 'restart']),
    ...accessLeaves('server', (inv) => `${base}/${seg(arg(inv, 'server'))}`),
    credentialGroup('server', 'server', (inv) => `${base}/${seg(arg(inv, 'server'))}`),
  ],
});
