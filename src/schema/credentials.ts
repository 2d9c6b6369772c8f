/** Credentials of servers, partners and accounts: secrets go in, never come out. */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { Name, Str } from './types.js';

export const CredentialIn = Type.Object(
  {
    name: Type.Optional(Name({ description: 'Credential name; default: the type' })),
    type: Str({
      nonEmpty: true,
      description:
        'Credential type: ssh_private_key (servers), ssh_public_key (partners, local accounts), password (accounts)',
    }),
    value: Str({ nonEmpty: true, max: 65536, description: 'The password, or the key (OpenSSH or PEM text)' }),
    value2: Type.Optional(Str({ max: 65536, description: 'A second value, kept for types that have one' })),
  },
  { additionalProperties: false },
);

/** `value` is the public key for SSH keys, absent for passwords. */
export const Credential = Type.Object({
  name: Type.String(),
  type: Type.String(),
  value: Type.Optional(
    Type.String({ description: 'Public key (OpenSSH form) for SSH keys; absent for passwords' }),
  ),
  value2: Type.Optional(Type.String()),
});

export type CredentialOut = Static<typeof Credential>;
