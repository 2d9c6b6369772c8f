/**
 * `/api/partners/:partner/accounts`: logins we use on partners. Their password is an external
 * secret (we must send it), so it is stored encrypted as the account's `password` credential.
 */
import { accountSortKeys } from '../../db/stores/accounts.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { RemoteAccount } from '../../model/entities.js';
import { readJson } from '../body.js';
import { remoteAccountOut } from '../dto/accounts.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import { findPartner, findRemoteAccount } from '../lookup.js';
import type { Operation } from '../operation.js';
import { crudOperations, route } from '../operation.js';
import { listOptions, listQuery } from '../query.js';
import { bodyOf, editBodyOf } from '../validate.js';
import type { OwnerSpec } from './owned.js';
import { ownedOperations, ownedRoutes } from './owned.js';

const base = '/api/partners/:partner/accounts';
const crud = crudOperations('RemoteAccount', `${base}/:login`, listQuery(Object.keys(accountSortKeys)));
const owned = ownedOperations(`${base}/:login`, 'remote accounts', 'partners');

export const remoteAccountOperations: Operation[] = [...Object.values(crud), ...Object.values(owned)];

export function remoteAccountRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const accounts = ctx.stores.remoteAccounts;
  const where = (partner: string, login: string): string => location('partners', partner, 'accounts', login);
  const setPassword = (a: RemoteAccount, password: string): Promise<void> =>
    ctx.stores.credentials.put({
      owner: { kind: 'remoteAccount', id: a.id },
      name: 'password',
      type: 'password',
      value: ctx.secrets.encrypt(password),
      value2: '',
    });

  route(router, crud.list, async (c, q) => {
    const p = await findPartner(ctx, param(c, 'partner'));
    const list = await accounts.list(p.id, listOptions(q));
    ok(c, { remoteAccounts: await Promise.all(list.map((a) => remoteAccountOut(ctx, a))) });
  });

  route(router, crud.create, async (c) => {
    const p = await findPartner(ctx, param(c, 'partner'));
    const body = bodyOf('RemoteAccountIn', await readJson(c));
    const a = await accounts.create({ partnerId: p.id, login: body.login });
    if (body.password !== undefined) await setPassword(a, body.password);
    created(c, where(p.name, a.login), await remoteAccountOut(ctx, a));
  });

  route(router, crud.get, async (c) => {
    const p = await findPartner(ctx, param(c, 'partner'));
    ok(c, await remoteAccountOut(ctx, await findRemoteAccount(ctx, p, param(c, 'login'))));
  });

  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const p = await findPartner(ctx, param(c, 'partner'));
      const old = await findRemoteAccount(ctx, p, param(c, 'login'));
      const body = editBodyOf(method, 'RemoteAccount', await readJson(c));
      const login = body.login ?? old.login;
      if (login !== old.login) await accounts.update(old.id, login);
      if (body.password !== undefined) await setPassword(old, body.password);
      created(c, where(p.name, login), await remoteAccountOut(ctx, await findRemoteAccount(ctx, p, login)));
    });
  }

  route(router, crud.delete, async (c) => {
    const p = await findPartner(ctx, param(c, 'partner'));
    const a = await findRemoteAccount(ctx, p, param(c, 'login'));
    await deleting(`remote account "${a.login}"`, () => accounts.delete(a.id));
    noContent(c);
  });

  const owner: OwnerSpec = {
    ops: owned,
    resolve: async (c) => {
      const p = await findPartner(ctx, param(c, 'partner'));
      const a = await findRemoteAccount(ctx, p, param(c, 'login'));
      return {
        target: { kind: 'remoteAccount', id: a.id },
        label: `remote account "${a.login}" of partner "${p.name}"`,
        location: where(p.name, a.login),
      };
    },
  };
  ownedRoutes(router, ctx, owner);
}
