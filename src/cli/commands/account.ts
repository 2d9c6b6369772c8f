/** `waarp-gateway account local <server> …` and `account remote <partner> …`. */
import type { LocalAccountOut, RemoteAccountOut } from '../../admin/api-types.js';
import type { Field } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, list, need, opt, put, seg } from '../values.js';
import { accessLeaves, credentialGroup, pagingOptions, pagingQuery, rulesField } from './shared.js';

type AccountOut = LocalAccountOut | RemoteAccountOut;

function accountGroup(kind: 'local' | 'remote'): Group {
  const parent = kind === 'local' ? 'server' : 'partner';
  const collection = (inv: Invocation): string =>
    `/api/${kind === 'local' ? 'servers' : 'partners'}/${seg(arg(inv, parent))}/accounts`;
  const one = (inv: Invocation, login = arg(inv, 'login')): string => `${collection(inv)}/${seg(login)}`;
  const fields: Record<string, OptionSpec> = {
    login: { type: 'string', short: 'l', arg: 'LOGIN', doc: 'account login' },
    password: { type: 'string', short: 'p', arg: 'PASSWORD', doc: 'account password' },
    ...(kind === 'local'
      ? {
          ip: {
            type: 'string',
            short: 'i',
            arg: 'IP',
            multiple: true,
            doc: 'allowed IP address or CIDR block',
          },
        }
      : {}),
  };
  const body = (inv: Invocation): Record<string, unknown> => {
    const b: Record<string, unknown> = {};
    put(b, 'login', opt(inv.values, 'login'));
    put(b, 'password', opt(inv.values, 'password'));
    const ips = list(inv.values, 'ip');
    if (ips.length > 0) b.ipAddresses = ips;
    return b;
  };
  const display = (inv: Invocation, a: AccountOut): void =>
    block(inv.out, `Account "${a.login}"`, [
      ...(('ipAddresses' in a ? [['IP addresses', a.ipAddresses]] : []) as Field[]),
      ['Credentials', a.credentials],
      ...rulesField(a.authorizedRules),
    ]);
  const label = kind === 'local' ? 'local account' : 'remote account';

  return group({
    name: kind,
    summary: kind === 'local' ? "manage a server's local accounts" : "manage a partner's remote accounts",
    param: parent,
    children: [
      leaf({
        name: 'add',
        summary: `add a ${label}`,
        options: fields,
        run: async (inv) => {
          need(inv.values, 'login');
          const r = await inv.client().request<AccountOut>('POST', collection(inv), { body: body(inv) });
          show(inv.out, r.body, (a) => inv.out.line(`The ${label} "${a.login}" was successfully added.`));
        },
      }),
      leaf({
        name: 'get',
        summary: `show a ${label}`,
        args: ['login'],
        run: async (inv) => {
          const r = await inv.client().request<AccountOut>('GET', one(inv));
          show(inv.out, r.body, (a) => display(inv, a));
        },
      }),
      leaf({
        name: 'list',
        summary: `list the ${label}s`,
        options: pagingOptions,
        run: async (inv) => {
          const key = kind === 'local' ? 'localAccounts' : 'remoteAccounts';
          const r = await inv
            .client()
            .request<Record<string, AccountOut[]>>('GET', collection(inv), { query: pagingQuery(inv) });
          showList(inv.out, r.body, r.body[key] ?? [], `${label}s`, (a) => display(inv, a));
        },
      }),
      leaf({
        name: 'update',
        summary: `change a ${label} (only the options given)`,
        args: ['login'],
        options: fields,
        run: async (inv) => {
          const r = await inv.client().request<AccountOut>('PATCH', one(inv), { body: body(inv) });
          show(inv.out, r.body, (a) => inv.out.line(`The ${label} "${a.login}" was successfully updated.`));
        },
      }),
      leaf({
        name: 'delete',
        summary: `delete a ${label}`,
        args: ['login'],
        run: async (inv) => {
          await inv.client().request('DELETE', one(inv));
          done(inv.out, undefined, `The ${label} "${arg(inv, 'login')}" was successfully deleted.`);
        },
      }),
      ...accessLeaves('login', (inv) => one(inv)),
      credentialGroup('login', label, (inv) => one(inv)),
    ],
  });
}

export const accountCommand: Group = group({
  name: 'account',
  summary: 'manage accounts (local: on our servers; remote: on partners)',
  children: [accountGroup('local'), accountGroup('remote')],
});
