/** Finds the objects a route names, or throws a 404 saying which one is missing. */
import type { Client, LocalAccount, Partner, RemoteAccount, Rule, Server } from '../model/entities.js';
import type { Stores } from '../db/stores/index.js';
import { notFound } from './errors.js';

/** Lookups read the stores only. */
type Lookup = { readonly stores: Stores };

export async function findServer(ctx: Lookup, name: string): Promise<Server> {
  const s = await ctx.stores.servers.get(name);
  if (s === undefined) throw notFound(`server "${name}" not found`);
  return s;
}

export async function findPartner(ctx: Lookup, name: string): Promise<Partner> {
  const p = await ctx.stores.partners.get(name);
  if (p === undefined) throw notFound(`partner "${name}" not found`);
  return p;
}

export async function findClient(ctx: Lookup, name: string): Promise<Client> {
  const c = await ctx.stores.clients.get(name);
  if (c === undefined) throw notFound(`client "${name}" not found`);
  return c;
}

export async function findLocalAccount(ctx: Lookup, server: Server, login: string): Promise<LocalAccount> {
  const a = await ctx.stores.localAccounts.get(server.id, login);
  if (a === undefined) throw notFound(`local account "${login}" not found on server "${server.name}"`);
  return a;
}

export async function findRemoteAccount(
  ctx: Lookup,
  partner: Partner,
  login: string,
): Promise<RemoteAccount> {
  const a = await ctx.stores.remoteAccounts.get(partner.id, login);
  if (a === undefined) throw notFound(`remote account "${login}" not found on partner "${partner.name}"`);
  return a;
}

export async function findRule(ctx: Lookup, name: string, isSend: boolean): Promise<Rule> {
  const r = await ctx.stores.rules.get(name, isSend);
  if (r === undefined) throw notFound(`${isSend ? 'send' : 'receive'} rule "${name}" not found`);
  return r;
}
