/**
 * The five leaves of a named object (`add`, `get`, `list`, `update`, `delete`), the same for
 * servers, clients, partners, accounts, rules and users: each command file keeps its own
 * options, request body and display; this builds the leaves around them.
 */
import type { Query } from '../client.js';
import type { Output } from '../output.js';
import { done, show, showList } from '../output.js';
import type { Invocation, Leaf, OptionSpec } from '../tree.js';
import { leaf } from '../tree.js';
import { arg, keyValues, list, need, opt, put, seg } from '../values.js';
import { pagingOptions, pagingQuery } from './shared.js';

export interface CrudSpec<T> {
  /** The object as messages and summaries name it: `partner`, `local account`. */
  what: string;
  /** The positional arguments that name one object, e.g. `['name', 'direction']`; the first is echoed by `delete`. */
  args: readonly [string, ...string[]];
  /** The collection's path (add, list). */
  collection: (inv: Invocation) => string;
  /** One object's path (get, update, delete). */
  one: (inv: Invocation) => string;
  /** The options of `add` and `update`, and those `add` cannot do without. */
  fields: Record<string, OptionSpec>;
  required: readonly string[];
  /** The request body of `add` and `update` (only the options given). */
  body: (inv: Invocation) => Record<string, unknown>;
  /** The object's name in the add/update messages. */
  nameOf: (x: T) => string;
  display: (out: Output, x: T) => void;
  /** The list's key in the response body, e.g. `partners`. */
  listKey: string;
  /** Filters of `list` beyond paging, and the query they make. */
  filters?: { options: Record<string, OptionSpec>; query: (inv: Invocation) => Query };
  updateSummary?: string;
}

/** `-p/--protocol`, repeatable, for the lists of servers, clients and partners. */
export const protocolFilter: NonNullable<CrudSpec<unknown>['filters']> = {
  options: {
    protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
  },
  query: (inv) => ({ protocol: list(inv.values, 'protocol') }),
};

/** The leaves in the order help shows them: add, get, list, update, delete. */
export function crudLeaves<T>(
  spec: CrudSpec<T>,
): [add: Leaf, get: Leaf, list: Leaf, update: Leaf, del: Leaf] {
  const { what, args, collection, one, fields, body, nameOf, display } = spec;
  const confirm = (inv: Invocation, x: T, verb: string): void =>
    show(inv.out, x, () => inv.out.line(`The ${what} "${nameOf(x)}" was successfully ${verb}.`));
  return [
    leaf({
      name: 'add',
      summary: `add a ${what}`,
      options: fields,
      run: async (inv) => {
        for (const name of spec.required) need(inv.values, name);
        const r = await inv.client().request<T>('POST', collection(inv), { body: body(inv) });
        confirm(inv, r.body, 'added');
      },
    }),
    leaf({
      name: 'get',
      summary: `show a ${what}`,
      args,
      run: async (inv) => {
        const r = await inv.client().request<T>('GET', one(inv));
        show(inv.out, r.body, (x) => display(inv.out, x));
      },
    }),
    leaf({
      name: 'list',
      summary: `list the ${what}s`,
      options: { ...pagingOptions, ...spec.filters?.options },
      run: async (inv) => {
        const query = { ...pagingQuery(inv), ...spec.filters?.query(inv) };
        const r = await inv.client().request<Record<string, T[]>>('GET', collection(inv), { query });
        showList(inv.out, r.body, r.body[spec.listKey] ?? [], `${what}s`, (x) => display(inv.out, x));
      },
    }),
    leaf({
      name: 'update',
      summary: spec.updateSummary ?? `change a ${what} (only the options given)`,
      args,
      options: fields,
      run: async (inv) => {
        const r = await inv.client().request<T>('PATCH', one(inv), { body: body(inv) });
        confirm(inv, r.body, 'updated');
      },
    }),
    leaf({
      name: 'delete',
      summary: `delete a ${what}`,
      args,
      run: async (inv) => {
        await inv.client().request('DELETE', one(inv));
        done(inv.out, undefined, `The ${what} "${arg(inv, args[0])}" was successfully deleted.`);
      },
    }),
  ];
}

export interface AgentSpec<T> {
  /** `server`, `client` or `partner`; its path is `/api/${what}s`. */
  what: string;
  /** Its own options, between `--name --protocol` and `--config`. */
  options: Record<string, OptionSpec>;
  /** The body fields of its own options (undefined ones are left out). */
  body: (inv: Invocation) => Record<string, unknown>;
  display: (out: Output, x: T) => void;
}

/**
 * The leaves of a server, client or partner: named by `name`, with a `-p` protocol, a `-c`
 * protocol configuration and a list filtered by protocol.
 */
export function agentLeaves<T extends { name: string }>(agent: AgentSpec<T>): Leaf[] {
  const base = `/api/${agent.what}s`;
  return crudLeaves<T>({
    what: agent.what,
    args: ['name'],
    collection: () => base,
    one: (inv) => `${base}/${seg(arg(inv, 'name'))}`,
    fields: {
      name: { type: 'string', short: 'n', arg: 'NAME', doc: `${agent.what} name` },
      protocol: { type: 'string', short: 'p', arg: 'PROTO', doc: 'protocol (sftp)' },
      ...agent.options,
      config: { type: 'string', short: 'c', arg: 'KEY:VAL', multiple: true, doc: 'protocol configuration' },
    },
    required: ['name'],
    body: (inv) => {
      const b: Record<string, unknown> = {};
      put(b, 'name', opt(inv.values, 'name'));
      put(b, 'protocol', opt(inv.values, 'protocol'));
      for (const [key, value] of Object.entries(agent.body(inv))) put(b, key, value);
      const config = list(inv.values, 'config');
      if (config.length > 0) b.protoConfig = keyValues(config, 'config');
      return b;
    },
    nameOf: (x) => x.name,
    display: agent.display,
    listKey: `${agent.what}s`,
    filters: {
      options: {
        protocol: { type: 'string', short: 'p', arg: 'PROTO', multiple: true, doc: 'only this protocol' },
      },
      query: (inv) => ({ protocol: list(inv.values, 'protocol') }),
    },
  });
}
