/** `waarp-gateway user …`: API users and their rights. */
import type { UserOut } from '../../admin/api-types.js';
import { usageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, need, opt, put, seg } from '../values.js';
import { pagingOptions, pagingQuery } from './shared.js';

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

export const userCommand: Group = group({
  name: 'user',
  summary: 'manage the users of the admin API',
  children: [
    leaf({
      name: 'add',
      summary: 'add a user',
      options: fields,
      run: async (inv) => {
        need(inv.values, 'username');
        need(inv.values, 'password');
        const r = await inv.client().request<UserOut>('POST', base, { body: body(inv) });
        show(inv.out, r.body, (u) => inv.out.line(`The user "${u.username}" was successfully added.`));
      },
    }),
    leaf({
      name: 'get',
      summary: 'show a user',
      args: ['name'],
      run: async (inv) => {
        const r = await inv.client().request<UserOut>('GET', `${base}/${seg(arg(inv, 'name'))}`);
        show(inv.out, r.body, (u) => display(inv.out, u));
      },
    }),
    leaf({
      name: 'list',
      summary: 'list the users',
      options: pagingOptions,
      run: async (inv) => {
        const r = await inv.client().request<{ users: UserOut[] }>('GET', base, { query: pagingQuery(inv) });
        showList(inv.out, r.body, r.body.users, 'users', (u) => display(inv.out, u));
      },
    }),
    leaf({
      name: 'update',
      summary: 'change a user (only the options given; rights are edits)',
      args: ['name'],
      options: fields,
      run: async (inv) => {
        const r = await inv
          .client()
          .request<UserOut>('PATCH', `${base}/${seg(arg(inv, 'name'))}`, { body: body(inv) });
        show(inv.out, r.body, (u) => inv.out.line(`The user "${u.username}" was successfully updated.`));
      },
    }),
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
    leaf({
      name: 'delete',
      summary: 'delete a user',
      args: ['name'],
      run: async (inv) => {
        const name = arg(inv, 'name');
        await inv.client().request('DELETE', `${base}/${seg(name)}`);
        done(inv.out, undefined, `The user "${name}" was successfully deleted.`);
      },
    }),
  ],
});
