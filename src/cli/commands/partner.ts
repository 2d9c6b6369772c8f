/** `waarp-gateway partner …`: remote agents. */
import type { PartnerOut } from '../../schema/agents.js';
import { PartnerIn } from '../../schema/agents.js';
import type { Group, Invocation } from '../tree.js';
import { arg, seg } from '../values.js';
import { agentCommand } from './crud.js';
import { accessLeaves, credentialGroup, rulesField } from './shared.js';

const partner = (inv: Invocation): string => `/api/partners/${seg(arg(inv, 'partner'))}`;

export const partnerCommand: Group = agentCommand<PartnerOut>(
  {
    what: 'partner',
    summary: 'manage the partners (remote agents)',
    schema: PartnerIn,
    flags: { address: ['address', { short: 'a', arg: 'HOST:PORT' }] },
    lines: (p) => [
      ['Protocol', p.protocol],
      ['Address', p.address],
      ['Configuration', p.protoConfig],
      ['Credentials', p.credentials],
      ...rulesField(p.authorizedRules),
    ],
  },
  [...accessLeaves('partner', partner), credentialGroup('partner', 'partner', partner)],
);
