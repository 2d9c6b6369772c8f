/** Users of the admin API and their rights. */
import type { Static, TOptional, TString } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { permissionTargets } from '../model/permissions.js';
import { MapOf, Name, Str } from './types.js';

const closed = { additionalProperties: false } as const;
const password = (description: string): TString => Str({ nonEmpty: true, max: 1024, description });

const Perms = Type.Object(
  Object.fromEntries(
    permissionTargets.map((t) => [
      t,
      Type.Optional(Str({ max: 16, description: 'rwd string or chmod-like edit: "rw-", "=r", "+d", "-w"' })),
    ]),
  ) as Record<(typeof permissionTargets)[number], TOptional<TString>>,
  {
    ...closed,
    description: `Rights by target (${permissionTargets.join(', ')}): "rwd"-like, or edits such as "+d"`,
  },
);

export const UserIn = Type.Object(
  {
    username: Name({ description: 'User name (its login to the admin API)' }),
    password: password('Password (stored hashed)'),
    perms: Type.Optional(Perms),
  },
  closed,
);
export const UserPatch = Type.Partial(UserIn, closed);

export const User = Type.Object({
  username: Type.String(),
  perms: MapOf(Type.String({ pattern: '^[r-][w-][d-]$' })),
});

/** `PUT /api/me/password`. */
export const OwnPasswordIn = Type.Object({ password: password('The new password') }, closed);

export type UserOut = Static<typeof User>;
