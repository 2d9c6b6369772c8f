/** `waarp-gateway partner …`: remote agents. */
import type { PartnerOut } from '../../admin/api-types.js';
import type { Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, keyValues, list, need, opt, put, seg } from '../values.js';
import { accessLeaves, credentialGroup, pagingOptions, pagingQuery, rulesField } from './shared.js';

const base = '/api/partners';

const fields: Record<string, OptionSpec> = {
  name: { type: 'string', short: 'n', arg: 'NAME', doc: 'partner name' },
  protocol: { type: 'string', short: 'p', arg: 'PROTO', doc: 'protocol (sftp)' },
  address: { type: 'string', short: 'a', arg: 'HOST:PORT', doc: 'address to connect to' },
  config: { type: 'string', short: 'c', arg: 'KEY:VAL', multiple: true, doc: 'protocol configuration' },
};

function body(inv: Invocation): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  put(b, 'name', opt(inv.values, 'name'));
  put(b, 'protocol', opt(inv.values, 'protocol'));
  put(b, 'address', opt(inv.values, 'address'));
  const config = list(inv.values, 'config');
  if (config.length > 0) b.protoConfig = keyValues(config, 'config');
  return b;
}

function display(out: Output, p: PartnerOut): void {
  block(out, `Partner "${p.name}"`, [
    ['Protocol', p.protocol],
    ['Address', p.address],
    ['Configuration', p.protoConfig],
    ['Credentials', p.credentials],
    ...rulesField(p.authorizedRules),
  ]);
}

export const partnerCommand: Group = group({
  name: 'partner',
  summary: 'manage the partners (remote agents)',
  children: [
    leaf({
      name: 'add',
      summary: 'add a partner',
      options: fields,
      run: async (inv) => {
        need(inv.values, 'name');
        const r = await inv.client().request<PartnerOut>('POST', base, { body: body(inv) });
        show(inv.out, r.body, (p) => inv.out.line(`The partner "${p.name}" was successfully added.`));
      },
    }),
    leaf({
      name: 'get',
      summary: 'show a partner',
      args: ['name'],
      run: async (inv) => {
        const r = await inv.client().request<PartnerOut>('GET', `${base}/${seg(arg(inv, 'name'))}`);
        show(inv.out, r.body, (p) => display(inv.out, p));
      },
    }),
    leaf({
      name: 'list',
      summary: 'list the partners',
      options: {
        ...pagingOptions,
        protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
      },
      run: async (inv) => {
        const r = await inv.client().request<{ partners: PartnerOut[] }>('GET', base, {
          query: { ...pagingQuery(inv), protocol: list(inv.values, 'protocol') },
        });
        showList(inv.out, r.body, r.body.partners, 'partners', (p) => display(inv.out, p));
      },
    }),
    leaf({
      name: 'update',
      summary: 'change a partner (only the options given)',
      args: ['name'],
      options: fields,
      run: async (inv) => {
        const r = await inv
          .client()
          .request<PartnerOut>('PATCH', `${base}/${seg(arg(inv, 'name'))}`, { body: body(inv) });
        show(inv.out, r.body, (p) => inv.out.line(`The partner "${p.name}" was successfully updated.`));
      },
    }),
    leaf({
      name: 'delete',
      summary: 'delete a partner',
      args: ['name'],
      run: async (inv) => {
        const name = arg(inv, 'name');
        await inv.client().request('DELETE', `${base}/${seg(name)}`);
        done(inv.out, undefined, `The partner "${name}" was successfully deleted.`);
      },
    }),
    ...accessLeaves('partner', (inv) => `${base}/${seg(arg(inv, 'partner'))}`),
    credentialGroup('partner', 'partner', (inv) => `${base}/${seg(arg(inv, 'partner'))}`),
  ],
});
