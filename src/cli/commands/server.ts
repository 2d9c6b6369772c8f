/** `waarp-gateway server …`: local agents. */
import type { ServerOut } from '../../schema/agents.js';
import { ServerIn } from '../../schema/agents.js';
import type { Group, Invocation } from '../tree.js';
import { arg, seg } from '../values.js';
import { agentCommand } from './crud.js';
import { accessLeaves, actionLeaves, credentialGroup, rulesField } from './shared.js';

const base = '/api/servers';
const server = (inv: Invocation): string => `${base}/${seg(arg(inv, 'server'))}`;

export const serverCommand: Group = agentCommand<ServerOut>(
  {
    what: 'server',
    summary: 'manage the servers (local agents)',
    schema: ServerIn,
    flags: {
      address: ['address', { short: 'a', arg: 'HOST:PORT' }],
      'root-dir': ['rootDir', { arg: 'DIR' }],
      'receive-dir': ['receiveDir', { arg: 'DIR' }],
      'send-dir': ['sendDir', { arg: 'DIR' }],
      'tmp-dir': ['tmpReceiveDir', { arg: 'DIR' }],
    },
    lines: (s) => [
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
    ],
  },
  [
    ...actionLeaves('server', base, ['enable', 'disable', 'start', 'stop', 'restart']),
    ...accessLeaves('server', server),
    credentialGroup('server', 'server', server),
  ],
);
