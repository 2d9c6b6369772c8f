/** `waarp-gateway account local <server> …` and `account remote <partner> …`. */
import type { LocalAccountOut, RemoteAccountOut } from '../../schema/agents.js';
import { LocalAccountIn, RemoteAccountIn } from '../../schema/agents.js';
import { fieldOptions } from '../fields.js';
import type { Field, Output } from '../output.js';
import { block } from '../output.js';
import type { Group, Invocation } from '../tree.js';
import { group } from '../tree.js';
import { arg, seg } from '../values.js';
import { crudLeaves } from './crud.js';
import { accessLeaves, credentialGroup, rulesField } from './shared.js';

type AccountOut = LocalAccountOut | RemoteAccountOut;

function accountGroup(kind: 'local' | 'remote'): Group {
  const parent = kind === 'local' ? 'server' : 'partner';
  const collection = (inv: Invocation): string =>
    `/api/${kind === 'local' ? 'servers' : 'partners'}/${seg(arg(inv, parent))}/accounts`;
  const one = (inv: Invocation, login = arg(inv, 'login')): string => `${collection(inv)}/${seg(login)}`;
  const fields = fieldOptions(kind === 'local' ? LocalAccountIn : RemoteAccountIn, {
    login: ['login', { short: 'l', arg: 'LOGIN' }],
    password: ['password', { short: 'p', arg: 'PASSWORD' }],
    ...(kind === 'local' ? { ip: ['ipAddresses', { short: 'i', arg: 'IP', multiple: true }] as const } : {}),
  });
  const display = (out: Output, a: AccountOut): void =>
    block(out, `Account "${a.login}"`, [
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
      ...crudLeaves<AccountOut>({
        what: label,
        args: ['login'],
        collection,
        one,
        fields,
        required: ['login'],
        nameOf: (a) => a.login,
        display,
        listKey: kind === 'local' ? 'localAccounts' : 'remoteAccounts',
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
