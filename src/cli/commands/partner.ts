/** `waarp-gateway partner …`: remote agents. */
import type { PartnerOut } from '../../schema/agents.js';
import type { Output } from '../output.js';
import { block } from '../output.js';
import type { Group } from '../tree.js';
import { group } from '../tree.js';
import { arg, opt, seg } from '../values.js';
import { agentLeaves } from './crud.js';
import { accessLeaves, credentialGroup, rulesField } from './shared.js';

const base = '/api/partners';

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
    ...agentLeaves<PartnerOut>({
      what: 'partner',
      options: {
        address: { type: 'string', short: 'a', arg: 'HOST:PORT', doc: 'address to connect to' },
      },
      body: (inv) => ({
        address: opt(inv.values, 'address'),
      }),
      display,
    }),
    ...accessLeaves('partner', (inv) => `${base}/${seg(arg(inv, 'partner'))}`),
    credentialGroup('partner', 'partner', (inv) => `${base}/${seg(arg(inv, 'partner'))}`),
  ],
});
