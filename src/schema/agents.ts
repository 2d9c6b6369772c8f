/**
 * Servers (local agents), partners (remote agents), their accounts, and clients: what the API
 * takes (`…In`, refusing unknown fields; `…Patch`, the same fields all optional) and returns.
 */
import type { Static, TInteger, TNumber, TOptional } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { supportedProtocols } from '../model/protocols.js';
import { FreeObject, Name, Str, StringEnum } from './types.js';

const closed = { additionalProperties: false } as const;
const strings = Type.Array(Type.String());
const dir = (description?: string): ReturnType<typeof Str> =>
  Str({ max: 4096, ...(description === undefined ? {} : { description }) });
const Protocol = StringEnum(supportedProtocols, { description: 'Transfer protocol' });
const password = (description?: string): ReturnType<typeof Str> =>
  Str({ nonEmpty: true, max: 1024, ...(description === undefined ? {} : { description }) });

/** A partner's or client's protocol settings (a server's list what they take). */
const protoConfig = FreeObject({ description: 'Protocol settings' });

export const AuthorizedRules = Type.Object({ sending: strings, reception: strings });

export const ServerIn = Type.Object(
  {
    name: Name({ description: 'Server name' }),
    protocol: Protocol,
    address: Str({
      format: 'host-port',
      description: 'host:port to listen on (address indirection applies per node)',
    }),
    rootDir: Type.Optional(dir("Root folder of the server's files")),
    receiveDir: Type.Optional(dir('Folder of received files; default "in" when rootDir is set')),
    sendDir: Type.Optional(dir('Folder of the files to send; default "out" when rootDir is set')),
    tmpReceiveDir: Type.Optional(dir('Folder of files being received; default "tmp" when rootDir is set')),
    protoConfig: Type.Optional(
      FreeObject({
        description:
          'Protocol settings, e.g. sftp: keyExchanges, ciphers, macs, proxyProtocol (docs/sftp.md)',
      }),
    ),
  },
  closed,
);
export const ServerPatch = Type.Partial(ServerIn, closed);
export type ServerFields = Static<typeof ServerPatch>;

export const Server = Type.Object({
  name: Type.String(),
  protocol: Type.String(),
  address: Type.String(),
  enabled: Type.Boolean(),
  rootDir: Type.String(),
  receiveDir: Type.String(),
  sendDir: Type.String(),
  tmpReceiveDir: Type.String(),
  protoConfig: FreeObject(),
  credentials: strings,
  authorizedRules: AuthorizedRules,
});

export const PartnerIn = Type.Object(
  {
    name: Name({ description: 'Partner name' }),
    protocol: Protocol,
    address: Str({ format: 'host-port', description: "host:port of the partner's server" }),
    protoConfig: Type.Optional(protoConfig),
  },
  closed,
);
export const PartnerPatch = Type.Partial(PartnerIn, closed);
export type PartnerFields = Static<typeof PartnerPatch>;

export const Partner = Type.Object({
  name: Type.String(),
  protocol: Type.String(),
  address: Type.String(),
  protoConfig: FreeObject(),
  credentials: strings,
  authorizedRules: AuthorizedRules,
});

export const LocalAccountIn = Type.Object(
  {
    login: Name({ description: 'Login of the account on our server' }),
    password: Type.Optional(password('Password of the account (stored hashed)')),
    ipAddresses: Type.Optional(
      Type.Array(Str({ format: 'ip-or-cidr', description: 'IP address or CIDR block' }), {
        maxItems: 256,
        description: 'IP addresses or CIDR blocks the account may log in from; none: any',
      }),
    ),
  },
  closed,
);
export const LocalAccountPatch = Type.Partial(LocalAccountIn, closed);

export const LocalAccount = Type.Object({
  login: Type.String(),
  ipAddresses: strings,
  credentials: strings,
  authorizedRules: AuthorizedRules,
});

export const RemoteAccountIn = Type.Object(
  {
    login: Name({ description: 'Our login on the partner' }),
    password: Type.Optional(password('Our password on the partner (stored encrypted)')),
  },
  closed,
);
export const RemoteAccountPatch = Type.Partial(RemoteAccountIn, closed);

export const RemoteAccount = Type.Object({
  login: Type.String(),
  credentials: strings,
  authorizedRules: AuthorizedRules,
});

/**
 * Retry settings, the same for clients and for a planned transfer; `defaults` ends each
 * description (a transfer's default is its client's).
 */
export const retryFields = (defaults = ''): RetryFields => ({
  nbOfAttempts: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1000,
      description: `Automatic retries of a failed transfer${defaults}`,
    }),
  ),
  firstRetryDelay: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 86_400 * 30,
      description: `Seconds before the first retry${defaults}`,
    }),
  ),
  retryIncrementFactor: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1000,
      description: `Factor of the delay after each retry${defaults}`,
    }),
  ),
});
interface RetryFields {
  nbOfAttempts: TOptional<TInteger>;
  firstRetryDelay: TOptional<TInteger>;
  retryIncrementFactor: TOptional<TNumber>;
}

export const ClientIn = Type.Object(
  {
    name: Name({ description: 'Client name' }),
    protocol: Protocol,
    disabled: Type.Optional(Type.Boolean({ description: 'Marked disabled (status shows it)' })),
    localAddress: Type.Optional(
      Str({ format: 'host-optional-port', description: 'Local host[:port] to bind to, or empty' }),
    ),
    ...retryFields(),
    protoConfig: Type.Optional(protoConfig),
  },
  closed,
);
export const ClientPatch = Type.Partial(ClientIn, closed);
export type ClientFields = Static<typeof ClientPatch>;

export const Client = Type.Object({
  name: Type.String(),
  protocol: Type.String(),
  enabled: Type.Boolean(),
  localAddress: Type.String(),
  nbOfAttempts: Type.Integer(),
  firstRetryDelay: Type.Integer(),
  retryIncrementFactor: Type.Number(),
  protoConfig: FreeObject(),
});

export type AuthorizedRulesOut = Static<typeof AuthorizedRules>;
export type ServerOut = Static<typeof Server>;
export type PartnerOut = Static<typeof Partner>;
export type LocalAccountOut = Static<typeof LocalAccount>;
export type RemoteAccountOut = Static<typeof RemoteAccount>;
export type ClientOut = Static<typeof Client>;
