/** Users: JSON ↔ entity. `perms` are `rwd` strings, edited chmod-style (`=rw-`, `+d`, `-w`). */
import type { User } from '../../model/entities.js';
import { applyPermissions, maskToPermissions } from '../../model/permissions.js';
import type { UserOut } from '../../schema/users.js';
import { badRequest } from '../errors.js';

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
