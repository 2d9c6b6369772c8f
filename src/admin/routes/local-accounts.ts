/** `/api/servers/:server/accounts`: logins partners use on our servers. */
import { accountSortKeys } from '../../db/stores/accounts.js';
import type { GatewayContext } from '../../gateway/context.js';
import { readJson } from '../body.js';
import { localAccountOut } from '../dto/accounts.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import { findLocalAccount, findServer } from '../lookup.js';
import type { Operation } from '../operation.js';
import { crudOperations, route } from '../operation.js';
import { listOptions, listQuery } from '../query.js';
import { changedPasswordHash, newPasswordHash } from '../password-policy.js';
import { bodyOf, editBodyOf } from '../validate.js';
import type { OwnerSpec } from './owned.js';
import { ownedOperations, ownedRoutes } from './owned.js';

const base = '/api/servers/:server/accounts';
const crud = crudOperations('LocalAccount', `${base}/:login`, listQuery(Object.keys(accountSortKeys)));
const owned = ownedOperations(`${base}/:login`, 'local accounts', 'servers');

export const localAccountOperations: Operation[] = [...Object.values(crud), ...Object.values(owned)];

export function localAccountRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const accounts = ctx.stores.localAccounts;
  const where = (server: string, login: string): string => location('servers', server, 'accounts', login);

  route(router, crud.list, async (c, q) => {
    const s = await findServer(ctx, param(c, 'server'));
    const list = await accounts.list(s.id, listOptions(q));
    ok(c, { localAccounts: await Promise.all(list.map((a) => localAccountOut(ctx, a))) });
  });

  route(router, crud.create, async (c) => {
    const s = await findServer(ctx, param(c, 'server'));
    const body = bodyOf('LocalAccountIn', await readJson(c));
    const a = await accounts.create({
      serverId: s.id,
      login: body.login,
      passwordHash:
        body.password === undefined ? null : await newPasswordHash(ctx, body.password, 'password'),
      ipAddresses: body.ipAddresses ?? [],
    });
    created(c, where(s.name, a.login), await localAccountOut(ctx, a));
  });

  route(router, crud.get, async (c) => {
    const s = await findServer(ctx, param(c, 'server'));
    ok(c, await localAccountOut(ctx, await findLocalAccount(ctx, s, param(c, 'login'))));
  });

  // PUT resets the IP list; a password is only ever replaced, never dropped by omission
  // (dropping it is DELETE …/credentials/password), so a PUT cannot lock a partner out by mistake.
  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const s = await findServer(ctx, param(c, 'server'));
      const old = await findLocalAccount(ctx, s, param(c, 'login'));
      const body = editBodyOf(method, 'LocalAccount', await readJson(c));
      const next = {
        login: body.login ?? old.login,
        passwordHash: await changedPasswordHash(ctx, body.password, old.passwordHash),
        ipAddresses: body.ipAddresses ?? (method === 'put' ? [] : old.ipAddresses),
      };
      await accounts.update(old.id, next);
      created(
        c,
        where(s.name, next.login),
        await localAccountOut(ctx, await findLocalAccount(ctx, s, next.login)),
      );
    });
  }

  route(router, crud.delete, async (c) => {
    const s = await findServer(ctx, param(c, 'server'));
    const a = await findLocalAccount(ctx, s, param(c, 'login'));
    await deleting(`local account "${a.login}"`, () => accounts.delete(a.id));
    noContent(c);
  });

  const owner: OwnerSpec = {
    ops: owned,
    resolve: async (c) => {
      const s = await findServer(ctx, param(c, 'server'));
      const a = await findLocalAccount(ctx, s, param(c, 'login'));
      return {
        target: { kind: 'localAccount', id: a.id },
        label: `local account "${a.login}" of server "${s.name}"`,
        location: where(s.name, a.login),
        localAccount: a,
      };
    },
  };
  ownedRoutes(router, ctx, owner);
}
