/**
 * `waarp-gateway ban list|delete`: the addresses banned after too many failed logins, on the
 * whole cluster. A banned operator runs it from another address, or on a node's own host
 * (loopback is in `[security] ExemptAddresses` by default); see docs/security.md.
 */
import type { BanOut } from '../../schema/status.js';
import { usageError } from '../exit-codes.js';
import { done, showList } from '../output.js';
import type { Group } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, opt, seg } from '../values.js';

const base = '/api/bans';
const protocols = ['sftp', 'rest'];

export const banCommand: Group = group({
  name: 'ban',
  summary: 'addresses banned after too many failed logins (SFTP and REST apart)',
  children: [
    leaf({
      name: 'list',
      summary: 'list the bans in force',
      run: async (inv) => {
        const r = await inv.client().request<{ bans: BanOut[] }>('GET', base);
        showList(inv.out, r.body, r.body.bans, 'bans', (b) =>
          inv.out.line(`${b.address}  ${b.protocol}  until ${b.bannedUntil}  (${b.failures} failures)`),
        );
      },
    }),
    leaf({
      name: 'delete',
      summary: 'lift the bans of an address (and forget its failures)',
      args: ['address'],
      options: {
        protocol: { type: 'string', short: 'p', arg: 'sftp|rest', doc: 'only this protocol (default: both)' },
      },
      run: async (inv) => {
        const address = arg(inv, 'address');
        const protocol = opt(inv.values, 'protocol');
        if (protocol !== undefined && !protocols.includes(protocol)) {
          throw usageError(`--protocol must be sftp or rest, got "${protocol}"`);
        }
        await inv.client().request('DELETE', `${base}/${seg(address)}`, { query: { protocol } });
        const on = protocol === undefined ? '' : ` on ${protocol}`;
        done(inv.out, undefined, `The ban of ${address}${on} was lifted.`);
      },
    }),
  ],
});
