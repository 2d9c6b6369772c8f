/** Users: JSON ↔ entity. `perms` are `rwd` strings, edited chmod-style (`=rw-`, `+d`, `-w`). */
import type { UserOut } from '../api-types.js';
import type { User } from '../../model/entities.js';
import { applyPermissions, maskToPermissions, permissionTargets } from '../../model/permissions.js';
import { badRequest } from '../errors.js';
import type { Check } from '../validate.js';
import { is, parseObject } from '../validate.js';

const permsShape = Object.fromEntries(permissionTargets.map((t) => [t, is.string({ max: 16 })])) as Record<
  (typeof permissionTargets)[number],
  Check<string>
>;

export const userShape = {
  username: is.name(),
  password: is.string({ nonEmpty: true, max: 1024 }),
  perms: (value: unknown, field: string): Record<string, string> => parseObject(value, permsShape, [], field),
};
export const userRequired = ['username', 'password'] as const;

/** `PUT /api/me/password`. */
export const ownPasswordShape = { password: userShape.password };

/** Applies permission edits to `mask`; 400 naming the bad target. */
export function editPermissions(mask: number, edits: Record<string, string>): number {
  const res = applyPermissions(mask, edits);
  if ('badTarget' in res) {
    throw badRequest(
      `field "perms.${res.badTarget}" must be a permission like "rw-", "=rw", "+d" or "-w", got "${edits[res.badTarget] ?? ''}"`,
    );
  }
  return res.mask;
}

export function userOut(u: User): UserOut {
  return { username: u.username, perms: maskToPermissions(u.permissions) };
}
