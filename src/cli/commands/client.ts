/** `waarp-gateway client …`: outbound engines. */
import type { ClientOut } from '../../admin/api-types.js';
import type { Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, int, keyValues, list, need, num, opt, put, seg } from '../values.js';
import { actionLeaves, pagingOptions, pagingQuery } from './shared.js';

const base = '/api/clients';

const fields: Record<string, OptionSpec> = {
  name: { type: 'string', short: 'n', arg: 'NAME', doc: 'client name' },
  protocol: { type: 'string', short: 'p', arg: 'PROTO', doc: 'protocol (sftp)' },
  'local-address': { type: 'string', short: 'a', arg: 'HOST[:PORT]', doc: 'local address to bind' },
  'nb-of-attempts': { type: 'string', arg: 'N', doc: 'automatic retries of a failed transfer' },
  'first-retry-delay': { type: 'string', arg: 'SECONDS', doc: 'delay before the first retry' },
  'retry-increment-factor': { type: 'string', arg: 'X', doc: 'factor applied to the delay after each retry' },
  config: { type: 'string', short: 'c', arg: 'KEY:VAL', multiple: true, doc: 'protocol configuration' },
};

function body(inv: Invocation): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  put(b, 'name', opt(inv.values, 'name'));
  put(b, 'protocol', opt(inv.values, 'protocol'));
  put(b, 'localAddress', opt(inv.values, 'local-address'));
  put(b, 'nbOfAttempts', int(inv.values, 'nb-of-attempts'));
  put(b, 'firstRetryDelay', int(inv.values, 'first-retry-delay'));
  put(b, 'retryIncrementFactor', num(inv.values, 'retry-increment-factor'));
  const config = list(inv.values, 'config');
  if (config.length > 0) b.protoConfig = keyValues(config, 'config');
  return b;
}

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
    leaf({
      name: 'add',
      summary: 'add a client',
      options: fields,
      run: async (inv) => {
        need(inv.values, 'name');
        const r = await inv.client().request<ClientOut>('POST', base, { body: body(inv) });
        show(inv.out, r.body, (c) => inv.out.line(`The client "${c.name}" was successfully added.`));
      },
    }),
    leaf({
      name: 'get',
      summary: 'show a client',
      args: ['name'],
      run: async (inv) => {
        const r = await inv.client().request<ClientOut>('GET', `${base}/${seg(arg(inv, 'name'))}`);
        show(inv.out, r.body, (c) => display(inv.out, c));
      },
    }),
    leaf({
      name: 'list',
      summary: 'list the clients',
      options: {
        ...pagingOptions,
        protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
      },
      run: async (inv) => {
        const r = await inv.client().request<{ clients: ClientOut[] }>('GET', base, {
          query: { ...pagingQuery(inv), protocol: list(inv.values, 'protocol') },
        });
        showList(inv.out, r.body, r.body.clients, 'clients', (c) => display(inv.out, c));
      },
    }),
    leaf({
      name: 'update',
      summary: 'change a client (only the options given)',
      args: ['name'],
      options: fields,
      run: async (inv) => {
        const r = await inv
          .client()
          .request<ClientOut>('PATCH', `${base}/${seg(arg(inv, 'name'))}`, { body: body(inv) });
        show(inv.out, r.body, (c) => inv.out.line(`The client "${c.name}" was successfully updated.`));
      },
    }),
    leaf({
      name: 'delete',
      summary: 'delete a client',
      args: ['name'],
      run: async (inv) => {
        const name = arg(inv, 'name');
        await inv.client().request('DELETE', `${base}/${seg(name)}`);
        done(inv.out, undefined, `The client "${name}" was successfully deleted.`);
      },
    }),
    ...actionLeaves('client', base, ['enable', 'disable', 'start', 'stop', 'restart']),
  ],
});
