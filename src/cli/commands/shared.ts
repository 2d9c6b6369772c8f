/** Pieces every server, partner and account command has: credentials, authorize/revoke, paging. */
import type { AuthorizedRulesOut as AuthorizedRules } from '../../schema/agents.js';
import type { CredentialOut } from '../../schema/credentials.js';
import { CredentialIn } from '../../schema/credentials.js';
import type { Query } from '../client.js';
import { fieldBody, fieldOptions, readWith } from '../fields.js';
import type { Field, Output } from '../output.js';
import { block, done, show, showList } from '../output.js';
import type { Group, Invocation, Leaf, OptionSpec, OptionValues } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, direction, int, list, need, opt, seg, valueOrFile } from '../values.js';

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

/** Each filter sent as the query parameter of its name: a list when repeatable. */
function filterQuery(values: OptionValues, filters: Record<string, OptionSpec>): Query {
  return Object.fromEntries(
    Object.entries(filters).map(([name, o]) => [
      name,
      o.multiple === true ? list(values, name) : opt(values, name),
    ]),
  );
}

export interface ListSpec<T> {
  summary: string;
  path: (inv: Invocation) => string;
  /** Filters beyond paging, each sent as the query parameter of its name. */
  filters?: Record<string, OptionSpec>;
  /** The list's key in the response body, and its name in "No … found". */
  key: string;
  plural: string;
  line: (out: Output, x: T) => void;
}

/** `list`: one page, filtered. */
export function listLeaf<T>(spec: ListSpec<T>): Leaf {
  const filters = spec.filters ?? {};
  return leaf({
    name: 'list',
    summary: spec.summary,
    options: { ...pagingOptions, ...filters },
    run: async (inv) => {
      const query = { ...pagingQuery(inv), ...filterQuery(inv.values, filters) };
      const r = await inv.client().request<Record<string, T[]>>('GET', spec.path(inv), { query });
      showList(inv.out, r.body, r.body[spec.key] ?? [], spec.plural, (x) => spec.line(inv.out, x));
    },
  });
}

/** `delete ARGS`: deletes what `path` names and says `message`. */
export function deleteLeaf(spec: {
  summary: string;
  args: readonly string[];
  path: (inv: Invocation) => string;
  message: (inv: Invocation) => string;
}): Leaf {
  return leaf({
    name: 'delete',
    summary: spec.summary,
    args: spec.args,
    run: async (inv) => {
      await inv.client().request('DELETE', spec.path(inv));
      done(inv.out, undefined, spec.message(inv));
    },
  });
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
  const fromFile = readWith(valueOrFile);
  const options = fieldOptions(CredentialIn, {
    name: ['name', { short: 'n', arg: 'NAME' }],
    type: ['type', { short: 't', arg: 'TYPE' }],
    value: ['value', { short: 'v', arg: 'VALUE|FILE', read: fromFile, note: 'or a file holding it' }],
    value2: ['value2', { short: 's', arg: 'VALUE|FILE', read: fromFile, note: 'or a file holding it' }],
  });
  return group({
    name: 'credential',
    summary: `manage the credentials of a ${what}`,
    param,
    children: [
      leaf({
        name: 'add',
        summary: 'add a credential (password, ssh_public_key, ssh_private_key)',
        options,
        run: async (inv) => {
          for (const option of ['type', 'value']) need(inv.values, option);
          const body = fieldBody(options, inv.values);
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
      deleteLeaf({
        summary: 'delete a credential',
        args: ['name'],
        path: (inv) => `${path(inv)}/${seg(arg(inv, 'name'))}`,
        message: (inv) => `The credential "${arg(inv, 'name')}" was successfully deleted.`,
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
