/** `waarp-gateway server …`: local agents. */
import type { ServerOut } from '../../admin/api-types.js';
import type { Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, keyValues, list, need, opt, put, seg } from '../values.js';
import {
  accessLeaves,
  actionLeaves,
  credentialGroup,
  pagingOptions,
  pagingQuery,
  rulesField,
} from './shared.js';

const base = '/api/servers';

const fields: Record<string, OptionSpec> = {
  name: { type: 'string', short: 'n', arg: 'NAME', doc: 'server name' },
  protocol: { type: 'string', short: 'p', arg: 'PROTO', doc: 'protocol (sftp)' },
  address: { type: 'string', short: 'a', arg: 'HOST:PORT', doc: 'address to listen on' },
  'root-dir': { type: 'string', arg: 'DIR', doc: 'root directory' },
  'receive-dir': { type: 'string', arg: 'DIR', doc: 'receive directory' },
  'send-dir': { type: 'string', arg: 'DIR', doc: 'send directory' },
  'tmp-dir': { type: 'string', arg: 'DIR', doc: 'temporary receive directory' },
  config: { type: 'string', short: 'c', arg: 'KEY:VAL', multiple: true, doc: 'protocol configuration' },
};

function body(inv: Invocation): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  put(b, 'name', opt(inv.values, 'name'));
  put(b, 'protocol', opt(inv.values, 'protocol'));
  put(b, 'address', opt(inv.values, 'address'));
  put(b, 'rootDir', opt(inv.values, 'root-dir'));
  put(b, 'receiveDir', opt(inv.values, 'receive-dir'));
  put(b, 'sendDir', opt(inv.values, 'send-dir'));
  put(b, 'tmpReceiveDir', opt(inv.values, 'tmp-dir'));
  const config = list(inv.values, 'config');
  if (config.length > 0) b.protoConfig = keyValues(config, 'config');
  return b;
}

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
    leaf({
      name: 'add',
      summary: 'add a server',
      options: fields,
      run: async (inv) => {
        need(inv.values, 'name');
        const r = await inv.client().request<ServerOut>('POST', base, { body: body(inv) });
        show(inv.out, r.body, (s) => inv.out.line(`The server "${s.name}" was successfully added.`));
      },
    }),
    leaf({
      name: 'get',
      summary: 'show a server',
      args: ['name'],
      run: async (inv) => {
        const r = await inv.client().request<ServerOut>('GET', `${base}/${seg(arg(inv, 'name'))}`);
        show(inv.out, r.body, (s) => display(inv.out, s));
      },
    }),
    leaf({
      name: 'list',
      summary: 'list the servers',
      options: {
        ...pagingOptions,
        protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
      },
      run: async (inv) => {
        const r = await inv.client().request<{ servers: ServerOut[] }>('GET', base, {
          query: { ...pagingQuery(inv), protocol: list(inv.values, 'protocol') },
        });
        showList(inv.out, r.body, r.body.servers, 'servers', (s) => display(inv.out, s));
      },
    }),
    leaf({
      name: 'update',
      summary: 'change a server (only the options given)',
      args: ['name'],
      options: fields,
      run: async (inv) => {
        const r = await inv
          .client()
          .request<ServerOut>('PATCH', `${base}/${seg(arg(inv, 'name'))}`, { body: body(inv) });
        show(inv.out, r.body, (s) => inv.out.line(`The server "${s.name}" was successfully updated.`));
      },
    }),
    leaf({
      name: 'delete',
      summary: 'delete a server',
      args: ['name'],
      run: async (inv) => {
        const name = arg(inv, 'name');
        await inv.client().request('DELETE', `${base}/${seg(name)}`);
        done(inv.out, undefined, `The server "${name}" was successfully deleted.`);
      },
    }),
    ...actionLeaves('server', base, ['enable', 'disable', 'start', 'stop', 'restart']),
    ...accessLeaves('server', (inv) => `${base}/${seg(arg(inv, 'server'))}`),
    credentialGroup('server', 'server', (inv) => `${base}/${seg(arg(inv, 'server'))}`),
  ],
});
