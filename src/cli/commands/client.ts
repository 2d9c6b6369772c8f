/** `waarp-gateway client …`: outbound engines. */
import type { ClientOut } from '../../schema/agents.js';
import type { Output } from '../output.js';
import { block } from '../output.js';
import type { Group } from '../tree.js';
import { group } from '../tree.js';
import { int, num, opt } from '../values.js';
import { agentLeaves } from './crud.js';
import { actionLeaves } from './shared.js';

const base = '/api/clients';

function display(out: Output, c: ClientOut): void {
  block(out, `Client "${c.name}"`, [
    ['Protocol', c.protocol],
    ['Enabled', c.enabled],
    ['Local address', c.localAddress],
    ['Number of attempts', c.nbOfAttempts],
    ['First retry delay (s)', c.firstRetryDelay],
    ['Retry increment factor', c.retryIncrementFactor],
    ['Configuration', c.protoConfig],
  ]);
}

export const clientCommand: Group = group({
  name: 'client',
  summary: 'manage the clients (outbound engines)',
  children: [
    ...agentLeaves<ClientOut>({
      what: 'client',
      options: {
        'local-address': { type: 'string', short: 'a', arg: 'HOST[:PORT]', doc: 'local address to bind' },
        'nb-of-attempts': { type: 'string', arg: 'N', doc: 'automatic retries of a failed transfer' },
        'first-retry-delay': { type: 'string', arg: 'SECONDS', doc: 'delay before the first retry' },
        'retry-increment-factor': {
          type: 'string',
          arg: 'X',
          doc: 'factor applied to the delay after each retry',
        },
      },
      body: (inv) => ({
        localAddress: opt(inv.values, 'local-address'),
        nbOfAttempts: int(inv.values, 'nb-of-attempts'),
        firstRetryDelay: int(inv.values, 'first-retry-delay'),
        retryIncrementFactor: num(inv.values, 'retry-increment-factor'),
      }),
      display,
    }),
    ...actionLeaves('client', base, ['enable', 'disable', 'start', 'stop', 'restart']),
  ],
});
