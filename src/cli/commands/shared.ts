/** Pieces every server, partner and account command has: credentials, authorize/revoke, paging. */
import type { AuthorizedRulesOut as AuthorizedRules } from '../../schema/agents.js';
import type { CredentialOut } from '../../schema/credentials.js';
import type { Field, Output } from '../output.js';
import { block, done, show } from '../output.js';
import type { Group, Invocation, Leaf, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, direction, int, need, opt, seg, valueOrFile } from '../values.js';
import type { Query } from '../client.js';

/** `-l/--limit`, `-o/--offset`, `-s/--sort`, as the reference's list commands. */
export const pagingOptions: Record<string, OptionSpec> = {
  limit: { type: 'string', short: 'l', arg: 'N', doc: 'page size (default 20, at most 1000)' },
  offset: { type: 'string', short: 'o', arg: 'N', doc: 'rows to skip' },
  sort: { type: 'string', short: 's', arg: 'KEY+|KEY-', doc: 'sort key and direction' },
};

export function pagingQuery(inv: Invocation): Query {
  return {
    limit: int(inv.values, 'limit'),
    offset: int(inv.values, 'offset'),
    sort: opt(inv.values, 'sort'),
  };
}

export function rulesField(r: AuthorizedRules): Field[] {
  return [
    ['Authorized rules (send)', r.sending],
    ['Authorized rules (receive)', r.reception],
  ];
}

/**
 * `… credential <param> add|get|delete` under an owner whose path `base(params)` gives,
 * e.g. `/api/servers/s`.
 */
export function credentialGroup(param: string, what: string, base: (inv: Invocation) => string): Group {
  const path = (inv: Invocation): string => `${base(inv)}/credentials`;
  const display = (out: Output, c: CredentialOut): void =>
    block(out, `Credential "${c.name}"`, [
      ['Type', c.type],
      ['Value', c.value ?? '<secret>'],
    ]);
  return group({
    name: 'credential',
    summary: `manage the credentials of a ${what}`,
    param,
    children: [
      leaf({
        name: 'add',
        summary: 'add a credential (password, ssh_public_key, ssh_private_key)',
        options: {
          name: { type: 'string', short: 'n', arg: 'NAME', doc: 'credential name (default: the type)' },
          type: { type: 'string', short: 't', arg: 'TYPE', doc: 'credential type' },
          value: { type: 'string', short: 'v', arg: 'VALUE|FILE', doc: 'the value, or a file holding it' },
          value2: { type: 'string', short: 's', arg: 'VALUE|FILE', doc: 'the second value, or a file' },
        },
        run: async (inv) => {
          const body: Record<string, unknown> = {
            type: need(inv.values, 'type'),
            value: valueOrFile(need(inv.values, 'value')),
          };
          const name = opt(inv.values, 'name');
          const value2 = opt(inv.values, 'value2');
          if (name !== undefined) body.name = name;
          if (value2 !== undefined) body.value2 = valueOrFile(value2);
          const r = await inv.client().request<CredentialOut>('POST', path(inv), { body });
          done(inv.out, r.body, `The credential "${r.body.name}" was successfully added.`);
        },
      }),
      leaf({
        name: 'get',
        summary: 'show a credential (never a secret)',
        args: ['name'],
        run: async (inv) => {
          const r = await inv.client().request<CredentialOut>('GET', `${path(inv)}/${seg(arg(inv, 'name'))}`);
          show(inv.out, r.body, (c) => display(inv.out, c));
        },
      }),
      leaf({
        name: 'delete',
        summary: 'delete a credential',
        args: ['name'],
        run: async (inv) => {
          const name = arg(inv, 'name');
          await inv.client().request('DELETE', `${path(inv)}/${seg(name)}`);
          done(inv.out, undefined, `The credential "${name}" was successfully deleted.`);
        },
      }),
    ],
  });
}

/** `authorize|revoke <owner> RULE DIRECTION`; `ownerPath` builds the owner's path. */
export function accessLeaves(ownerArg: string, ownerPath: (inv: Invocation) => string): Leaf[] {
  return (['authorize', 'revoke'] as const).map((action) =>
    leaf({
      name: action,
      summary:
        action === 'authorize' ? 'allow it to use a rule (restricts the rule)' : 'withdraw a rule from it',
      args: [ownerArg, 'rule', 'direction'],
      run: async (inv) => {
        const dir = arg(inv, 'direction');
        direction(dir);
        const r = await inv
          .client()
          .request('PUT', `${ownerPath(inv)}/${action}/${seg(arg(inv, 'rule'))}/${seg(dir)}`);
        done(inv.out, r.body, `${action} done`);
      },
    }),
  );
}

/** `enable|disable|start|stop|restart NAME`. */
export function actionLeaves(what: string, base: string, names: readonly string[]): Leaf[] {
  return names.map((action) =>
    leaf({
      name: action,
      summary: `${action} the ${what}`,
      args: ['name'],
      run: async (inv) => {
        const r = await inv.client().request('PUT', `${base}/${seg(arg(inv, 'name'))}/${action}`);
        done(inv.out, r.body, `${action} requested`);
      },
    }),
  );
}
