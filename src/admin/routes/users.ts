/**
 * `/api/users`: API users and their permissions. The last user able to manage users can be
 * neither deleted nor demoted, so the gateway never becomes unmanageable.
 */
import { userSortKeys } from '../../db/stores/users.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { User } from '../../model/entities.js';
import { hasPermission } from '../../model/permissions.js';
import { hashPassword } from '../../crypto/passwords.js';
import { need } from '../auth.js';
import { readJson } from '../body.js';
import { editPermissions, userOut, userRequired, userShape } from '../dto/users.js';
import { badRequest, notFound } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import { checkParams, listOptions } from '../paging.js';
import { parseObject } from '../validate.js';

const lastManager = 'it is the last user with the "write" permission on "users"';

export function userRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { users } = ctx.stores;
  const find = async (name: string): Promise<User> => {
    const u = await users.get(name);
    if (u === undefined) throw notFound(`user "${name}" not found`);
    return u;
  };

  router.get('/api/users', need('users', 'r'), async (c) => {
    checkParams(c.query, []);
    ok(c, { users: (await users.list(listOptions(c.query, userSortKeys))).map(userOut) });
  });

  router.post('/api/users', need('users', 'w'), async (c) => {
    const body = parseObject(await readJson(c), userShape, userRequired);
    const u = await users.create({
      username: body.username,
      passwordHash: await hashPassword(body.password),
      permissions: editPermissions(0, body.perms ?? {}),
    });
    created(c, location('users', u.username), userOut(u));
  });

  router.get('/api/users/:user', need('users', 'r'), async (c) => {
    ok(c, userOut(await find(param(c, 'user'))));
  });

  // PATCH edits the current permissions; PUT starts from none (and needs the password again).
  for (const method of ['patch', 'put'] as const) {
    router[method]('/api/users/:user', need('users', 'w'), async (c) => {
      const old = await find(param(c, 'user'));
      const json = await readJson(c);
      const body =
        method === 'patch' ? parseObject(json, userShape) : parseObject(json, userShape, userRequired);
      const permissions = editPermissions(method === 'patch' ? old.permissions : 0, body.perms ?? {});
      const demoted =
        hasPermission(old.permissions, 'users', 'w') && !hasPermission(permissions, 'users', 'w');
      if (demoted && (await users.countWith('users', 'w')) <= 1) {
        throw badRequest(
          `cannot remove the "write" permission on "users" from user "${old.username}": ${lastManager}`,
        );
      }
      const next = {
        username: body.username ?? old.username,
        passwordHash: body.password === undefined ? old.passwordHash : await hashPassword(body.password),
        permissions,
      };
      await users.update(old.id, next);
      created(c, location('users', next.username), userOut({ ...old, ...next }));
    });
  }

  router.delete('/api/users/:user', need('users', 'd'), async (c) => {
    const u = await find(param(c, 'user'));
    if ((await users.delete(u.id)) === 'last-manager') {
      throw badRequest(`cannot delete user "${u.username}": ${lastManager}`);
    }
    noContent(c);
  });
}
