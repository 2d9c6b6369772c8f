/** `/api/servers/:server/accounts`: logins partners use on our servers. */
import { accountSortKeys } from '../../db/stores/accounts.js';
import type { GatewayContext } from '../../gateway/context.js';
import { need } from '../auth.js';
import { readJson } from '../body.js';
import { localAccountOut } from '../dto/accounts.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import { findLocalAccount, findServer } from '../lookup.js';
import { checkParams, listOptions } from '../paging.js';
import { newPasswordHash } from '../password-policy.js';
import { bodyOf } from '../validate.js';
import type { OwnerSpec } from './owned.js';
import { registerAccess, registerCredentials } from './owned.js';

const base = '/api/servers/:server/accounts';

export function localAccountRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const accounts = ctx.stores.localAccounts;
  const where = (server: string, login: string): string => location('servers', server, 'accounts', login);

  router.get(base, need('servers', 'r'), async (c) => {
    checkParams(c.query, []);
    const s = await findServer(ctx, param(c, 'server'));
    const list = await accounts.list(s.id, listOptions(c.query, accountSortKeys));
    ok(c, { localAccounts: await Promise.all(list.map((a) => localAccountOut(ctx, a))) });
  });

  router.post(base, need('servers', 'w'), async (c) => {
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

  router.get(`${base}/:login`, need('servers', 'r'), async (c) => {
    const s = await findServer(ctx, param(c, 'server'));
    ok(c, await localAccountOut(ctx, await findLocalAccount(ctx, s, param(c, 'login'))));
  });

  // PUT resets the IP list; a password is only ever replaced, never dropped by omission
  // (dropping it is DELETE …/credentials/password), so a PUT cannot lock a partner out by mistake.
  for (const method of ['patch', 'put'] as const) {
    router[method](`${base}/:login`, need('servers', 'w'), async (c) => {
      const s = await findServer(ctx, param(c, 'server'));
      const old = await findLocalAccount(ctx, s, param(c, 'login'));
      const json = await readJson(c);
      const body = method === 'patch' ? bodyOf('LocalAccountPatch', json) : bodyOf('LocalAccountIn', json);
      const next = {
        login: body.login ?? old.login,
        passwordHash:
          body.password === undefined
            ? old.passwordHash
            : await newPasswordHash(ctx, body.password, 'password'),
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

  router.delete(`${base}/:login`, need('servers', 'd'), async (c) => {
    const s = await findServer(ctx, param(c, 'server'));
    const a = await findLocalAccount(ctx, s, param(c, 'login'));
    await deleting(`local account "${a.login}"`, () => accounts.delete(a.id));
    noContent(c);
  });

  const owner: OwnerSpec = {
    path: `${base}/:login`,
    permission: 'servers',
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
  registerCredentials(router, ctx, owner);
  registerAccess(router, ctx, owner);
}
