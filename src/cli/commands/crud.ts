/**
 * The five leaves of a named object (`add`, `get`, `list`, `update`, `delete`), the same for
 * servers, clients, partners, accounts, rules and users: each command file keeps its own
 * options (fields of the object's schema, src/cli/fields.ts) and display; this builds the
 * leaves around them.
 */
import type { TObject } from '@sinclair/typebox';
import type { FieldFlag, FieldOption } from '../fields.js';
import { fieldBody, fieldOptions, keyValuesFlag } from '../fields.js';
import type { Field, Output } from '../output.js';
import { block, show } from '../output.js';
import type { Group, Invocation, Leaf, OptionSpec } from '../tree.js';
import { group, leaf } from '../tree.js';
import { arg, need, seg } from '../values.js';
import { deleteLeaf, listLeaf } from './shared.js';

export interface CrudSpec<T> {
  /** The object as messages and summaries name it: `partner`, `local account`. */
  what: string;
  /** The positional arguments that name one object, e.g. `['name', 'direction']`; the first is echoed by `delete`. */
  args: readonly [string, ...string[]];
  /** The collection's path (add, list). */
  collection: (inv: Invocation) => string;
  /** One object's path (get, update, delete). */
  one: (inv: Invocation) => string;
  /** The options of `add` and `update`, each setting a field, and those `add` cannot do without. */
  fields: Record<string, FieldOption>;
  required: readonly string[];
  /** The object's name in the add/update messages. */
  nameOf: (x: T) => string;
  display: (out: Output, x: T) => void;
  /** The list's key in the response body, e.g. `partners`. */
  listKey: string;
  /** Filters of `list` beyond paging. */
  filters?: Record<string, OptionSpec>;
  updateSummary?: string;
}

/** The leaves in the order help shows them: add, get, list, update, delete. */
export function crudLeaves<T>(
  spec: CrudSpec<T>,
): [add: Leaf, get: Leaf, list: Leaf, update: Leaf, del: Leaf] {
  const { what, args, collection, one, fields, nameOf, display } = spec;
  /** `add` posts to the collection, `update` patches one object: both send the fields given. */
  const write = (name: 'add' | 'update', summary: string): Leaf => {
    const adding = name === 'add';
    return leaf({
      name,
      summary,
      ...(adding ? {} : { args }),
      options: fields,
      run: async (inv) => {
        if (adding) for (const option of spec.required) need(inv.values, option);
        const r = await inv
          .client()
          .request<T>(adding ? 'POST' : 'PATCH', adding ? collection(inv) : one(inv), {
            body: fieldBody(fields, inv.values),
          });
        const verb = adding ? 'added' : 'updated';
        show(inv.out, r.body, (x) => inv.out.line(`The ${what} "${nameOf(x)}" was successfully ${verb}.`));
      },
    });
  };
  return [
    write('add', `add a ${what}`),
    leaf({
      name: 'get',
      summary: `show a ${what}`,
      args,
      run: async (inv) => {
        const r = await inv.client().request<T>('GET', one(inv));
        show(inv.out, r.body, (x) => display(inv.out, x));
      },
    }),
    listLeaf<T>({
      summary: `list the ${what}s`,
      path: collection,
      ...(spec.filters === undefined ? {} : { filters: spec.filters }),
      key: spec.listKey,
      plural: `${what}s`,
      line: display,
    }),
    write('update', spec.updateSummary ?? `change a ${what} (only the options given)`),
    deleteLeaf({
      summary: `delete a ${what}`,
      args,
      path: one,
      message: (inv) => `The ${what} "${arg(inv, args[0])}" was successfully deleted.`,
    }),
  ];
}

export interface AgentSpec<T> {
  /** `server`, `client` or `partner`; its command and its path `/api/${what}s`. */
  what: string;
  summary: string;
  /** Its request schema (`ServerIn`…), whose fields the options set. */
  schema: TObject;
  /** Its own options, between `--name --protocol` and `--config`: flag → [field, flag]. */
  flags: Record<string, [field: string, flag?: FieldFlag]>;
  /** What `get` and `list` show under its title. */
  lines: (x: T) => Field[];
}

/**
 * The command of servers, clients or partners: named by `name`, with a `-p` protocol, a `-c`
 * protocol configuration and a list filtered by protocol; `more` are its other leaves.
 */
export function agentCommand<T extends { name: string }>(agent: AgentSpec<T>, more: (Group | Leaf)[]): Group {
  const base = `/api/${agent.what}s`;
  const title = agent.what.charAt(0).toUpperCase() + agent.what.slice(1);
  return group({
    name: agent.what,
    summary: agent.summary,
    children: [
      ...crudLeaves<T>({
        what: agent.what,
        args: ['name'],
        collection: () => base,
        one: (inv) => `${base}/${seg(arg(inv, 'name'))}`,
        fields: fieldOptions(agent.schema, {
          name: ['name', { short: 'n', arg: 'NAME' }],
          protocol: ['protocol', { short: 'p', arg: 'PROTO' }],
          ...agent.flags,
          config: ['protoConfig', { ...keyValuesFlag, short: 'c' }],
        }),
        required: ['name'],
        nameOf: (x) => x.name,
        display: (out, x) => block(out, `${title} "${x.name}"`, agent.lines(x)),
        listKey: `${agent.what}s`,
        filters: {
          protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
        },
      }),
      ...more,
    ],
  });
}
