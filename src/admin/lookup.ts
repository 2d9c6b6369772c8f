/** Finds the objects a route names, or throws a 404 saying which one is missing. */
import type { Client, LocalAccount, Partner, RemoteAccount, Rule, Server } from '../model/entities.js';
import type { Stores } from '../db/stores/index.js';
import { notFound } from './errors.js';

/** Lookups read the stores only. */
type Lookup = { readonly stores: Stores };

/** `value`, or a 404 with `message` when there is none. */
function found<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw notFound(message);
  return value;
}

export async function findServer(ctx: Lookup, name: string): Promise<Server> {
  return found(await ctx.stores.servers.get(name), `server "${name}" not found`);
}

export async function findPartner(ctx: Lookup, name: string): Promise<Partner> {
  return found(await ctx.stores.partners.get(name), `partner "${name}" not found`);
}

export async function findClient(ctx: Lookup, name: string): Promise<Client> {
  return found(await ctx.stores.clients.get(name), `client "${name}" not found`);
}

export async function findLocalAccount(ctx: Lookup, server: Server, login: string): Promise<LocalAccount> {
  return found(
    await ctx.stores.localAccounts.get(server.id, login),
    `local account "${login}" not found on server "${server.name}"`,
  );
}

export async function findRemoteAccount(
  ctx: Lookup,
  partner: Partner,
  login: string,
): Promise<RemoteAccount> {
  return found(
    await ctx.stores.remoteAccounts.get(partner.id, login),
    `remote account "${login}" not found on partner "${partner.name}"`,
  );
}

export async function findRule(ctx: Lookup, name: string, isSend: boolean): Promise<Rule> {
  return found(
    await ctx.stores.rules.get(name, isSend),
    `${isSend ? 'send' : 'receive'} rule "${name}" not found`,
  );
}
