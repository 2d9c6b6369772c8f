/** `waarp-gateway client …`: outbound engines. */
import type { ClientOut } from '../../schema/agents.js';
import { ClientIn } from '../../schema/agents.js';
import type { Group } from '../tree.js';
import { int, num } from '../values.js';
import { agentCommand } from './crud.js';
import { actionLeaves } from './shared.js';

export const clientCommand: Group = agentCommand<ClientOut>(
  {
    what: 'client',
    summary: 'manage the clients (outbound engines)',
    schema: ClientIn,
    flags: {
      'local-address': ['localAddress', { short: 'a', arg: 'HOST[:PORT]' }],
      'nb-of-attempts': ['nbOfAttempts', { arg: 'N', read: int }],
      'first-retry-delay': ['firstRetryDelay', { arg: 'SECONDS', read: int }],
      'retry-increment-factor': ['retryIncrementFactor', { arg: 'X', read: num }],
    },
    lines: (c) => [
      ['Protocol', c.protocol],
      ['Enabled', c.enabled],
      ['Local address', c.localAddress],
      ['Number of attempts', c.nbOfAttempts],
      ['First retry delay (s)', c.firstRetryDelay],
      ['Retry increment factor', c.retryIncrementFactor],
      ['Configuration', c.protoConfig],
    ],
  },
  actionLeaves('client', '/api/clients', ['enable', 'disable', 'start', 'stop', 'restart']),
);
