/**
 * `/api/users`: API users and their permissions. Rights cannot escalate: a user grants only
 * rights it holds, and changes or deletes no user holding rights it lacks. The last user able
 * to manage users can be neither deleted nor demoted, so the gateway never becomes
 * unmanageable. `/api/me/password`: every user changes its own password, whatever its rights.
 */
import { userSortKeys } from '../../db/stores/users.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { User } from '../../model/entities.js';
import { hasPermission, rightsBeyond } from '../../model/permissions.js';
import { readJson } from '../body.js';
import { editPermissions, userOut } from '../dto/users.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { ApiContext, ApiRouter } from '../http.js';
import type { Operation } from '../operation.js';
import { crudOperations, messageReply, route } from '../operation.js';
import { listOptions, listQuery } from '../query.js';
import { changedPasswordHash, newPasswordHash } from '../password-policy.js';
import { created, location, noContent, ok, param } from '../http.js';
import { bodyOf, editBodyOf } from '../validate.js';

const lastManager = 'it is the last user with the "write" permission on "users"';

/** 403 unless the caller holds every right `mask` has. */
function mayGrant(c: ApiContext, mask: number): void {
  const beyond = rightsBeyond(mask, c.state.user.permissions);
  if (beyond.length > 0) {
    throw forbidden(`you cannot grant rights you do not hold: ${beyond.join(', ')}`);
  }
}

/** 403 unless the caller holds every right of `target` (so it can change or delete it). */
function mayManage(c: ApiContext, target: User): void {
  const beyond = rightsBeyond(target.permissions, c.state.user.permissions);
  if (beyond.length > 0) {
    throw forbidden(
      `you cannot change user "${target.username}": it holds rights you do not (${beyond.join(', ')})`,
    );
  }
}

const crud = crudOperations('User', '/api/users/:user', listQuery(Object.keys(userSortKeys)));
// No permission needed: the user is the one authenticated by this very request.
const ownPassword: Operation = {
  method: 'put',
  path: '/api/me/password',
  tag: 'users',
  summary: 'Change your own password (every user may; the minimum length applies)',
  body: 'OwnPasswordIn',
  ok: [200, messageReply('Changed')],
};

export const userOperations: Operation[] = [ownPassword, ...Object.values(crud)];

export function userRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { users } = ctx.stores;
  const find = async (name: string): Promise<User> => {
    const u = await users.get(name);
    if (u === undefined) throw notFound(`user "${name}" not found`);
    return u;
  };

  route(router, crud.list, async (c, q) => {
    ok(c, { users: (await users.list(listOptions(q))).map(userOut) });
  });

  route(router, crud.create, async (c) => {
    const body = bodyOf('UserIn', await readJson(c));
    const permissions = editPermissions(0, body.perms ?? {});
    mayGrant(c, permissions);
    const u = await users.create({
      username: body.username,
      passwordHash: await newPasswordHash(ctx, body.password, 'password'),
      permissions,
    });
    created(c, location('users', u.username), userOut(u));
  });

  route(router, crud.get, async (c) => {
    ok(c, userOut(await find(param(c, 'user'))));
  });

  // PATCH edits the current permissions; PUT starts from none (and needs the password again).
  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const old = await find(param(c, 'user'));
      mayManage(c, old);
      const body = editBodyOf(method, 'User', await readJson(c));
      const permissions = editPermissions(method === 'patch' ? old.permissions : 0, body.perms ?? {});
      mayGrant(c, permissions);
      const demoted =
        hasPermission(old.permissions, 'users', 'w') && !hasPermission(permissions, 'users', 'w');
      if (demoted && (await users.countWith('users', 'w')) <= 1) {
        throw badRequest(
          `cannot remove the "write" permission on "users" from user "${old.username}": ${lastManager}`,
        );
      }
      const next = {
        username: body.username ?? old.username,
        passwordHash: await changedPasswordHash(ctx, body.password, old.passwordHash),
        permissions,
      };
      await users.update(old.id, next);
      created(c, location('users', next.username), userOut({ ...old, ...next }));
    });
  }

  route(router, crud.delete, async (c) => {
    const u = await find(param(c, 'user'));
    mayManage(c, u);
    if ((await users.delete(u.id)) === 'last-manager') {
      throw badRequest(`cannot delete user "${u.username}": ${lastManager}`);
    }
    noContent(c);
  });

  route(router, ownPassword, async (c) => {
    const body = bodyOf('OwnPasswordIn', await readJson(c));
    const me = c.state.user;
    await users.setPasswordHash(me.id, await newPasswordHash(ctx, body.password, 'password'));
    ctx.log.info({ user: me.username }, 'password changed by its user');
    ok(c, { message: `the password of user "${me.username}" was changed` });
  });
}
