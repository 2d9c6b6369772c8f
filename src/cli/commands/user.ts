/** `waarp-gateway user …`: API users and their rights. */
import type { UserOut } from '../../schema/users.js';
import { OwnPasswordIn, UserIn } from '../../schema/users.js';
import { fieldOptions, readWith } from '../fields.js';
import { usageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { block, done } from '../output.js';
import type { Group } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, need, seg } from '../values.js';
import { crudLeaves } from './crud.js';

const base = '/api/users';
const targets: Record<string, string> = {
  t: 'transfers',
  s: 'servers',
  p: 'partners',
  r: 'rules',
  u: 'users',
  a: 'administration',
};

/**
 * `T=rw-,S+d,R-w` (the reference's letters, or full names) → `{transfers: '=rw-', …}`: each item
 * is a target then a chmod-like edit.
 */
export function parseRights(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([A-Za-z]+)([=+-][rwd-]*)$/.exec(item);
    const key = m?.[1]?.toLowerCase() ?? '';
    const target = targets[key] ?? (Object.values(targets).includes(key) ? key : undefined);
    if (m?.[2] === undefined || target === undefined) {
      throw usageError(
        `--rights: "${item}" is not TARGET=rwd, TARGET+r or TARGET-w (targets: ${Object.values(targets).join(', ')})`,
      );
    }
    out[target] = m[2];
  }
  return out;
}

const fields = fieldOptions(UserIn, {
  username: ['username', { short: 'u', arg: 'NAME' }],
  password: ['password', { short: 'p', arg: 'PASSWORD' }],
  rights: [
    'perms',
    {
      short: 'r',
      arg: 'RIGHTS',
      read: readWith(parseRights),
      note: 'e.g. "T=rw-,S=r--,U+d" (T S P R U A or full names)',
    },
  ],
});

function display(out: Output, u: UserOut): void {
  block(
    out,
    `User "${u.username}"`,
    Object.entries(u.perms).map(([k, v]) => [k, v]),
  );
}

const [add, get, listUsers, update, remove] = crudLeaves<UserOut>({
  what: 'user',
  args: ['name'],
  collection: () => base,
  one: (inv) => `${base}/${seg(arg(inv, 'name'))}`,
  fields,
  required: ['username', 'password'],
  nameOf: (u) => u.username,
  display,
  listKey: 'users',
  updateSummary: 'change a user (only the options given; rights are edits)',
});

export const userCommand: Group = group({
  name: 'user',
  summary: 'manage the users of the admin API',
  children: [
    add,
    get,
    listUsers,
    update,
    leaf({
      name: 'password',
      summary: 'change your own password (the user of --address; no right needed)',
      options: fieldOptions(OwnPasswordIn, { password: ['password', { short: 'p', arg: 'PASSWORD' }] }),
      run: async (inv) => {
        const password = need(inv.values, 'password');
        const r = await inv
          .client()
          .request<{ message: string }>('PUT', '/api/me/password', { body: { password } });
        done(inv.out, r.body, 'Your password was changed: use the new one in --address from now on.');
      },
    }),
    remove,
  ],
});
