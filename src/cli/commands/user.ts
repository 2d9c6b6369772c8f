/** `waarp-gateway user …`: API users and their rights. */
import type { UserOut } from '../../schema/users.js';
import { usageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { block, done } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, need, opt, put, seg } from '../values.js';
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

const fields: Record<string, OptionSpec> = {
  username: { type: 'string', short: 'u', arg: 'NAME', doc: 'user name' },
  password: { type: 'string', short: 'p', arg: 'PASSWORD', doc: 'password' },
  rights: {
    type: 'string',
    short: 'r',
    arg: 'RIGHTS',
    doc: 'e.g. "T=rw-,S=r--,U+d" (T S P R U A or full names)',
  },
};

function body(inv: Invocation): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  put(b, 'username', opt(inv.values, 'username'));
  put(b, 'password', opt(inv.values, 'password'));
  const rights = opt(inv.values, 'rights');
  if (rights !== undefined) b.perms = parseRights(rights);
  return b;
}

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
  body,
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
      options: { password: { type: 'string', short: 'p', arg: 'PASSWORD', doc: 'the new password' } },
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
