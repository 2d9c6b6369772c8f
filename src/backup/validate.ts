/**
 * The checks of an import file, once in our shape (from-reference.ts): every field, before the
 * database is touched; every error names the field by its path in the source file. Each field
 * the REST API also takes is checked with the API's schema of that field (src/schema), so the
 * import refuses what the API refuses.
 */
import type { TSchema } from '@sinclair/typebox';
import { checkPrivateKey, normalizePublicKey } from '../crypto/ssh-keys.js';
import { isPasswordHash } from '../crypto/passwords.js';
import type { ClientInput } from '../db/stores/clients.js';
import type { RuleInput } from '../db/stores/rules.js';
import type { ServerInput } from '../db/stores/servers.js';
import type { CredentialType, TaskSpec } from '../model/entities.js';
import { applyPermissions, permissionTargets } from '../model/permissions.js';
import { isTaskType, taskArgsAsText, taskArgsProblem } from '../model/task-types.js';
import { ClientIn, LocalAccountIn, ServerIn } from '../schema/agents.js';
import type { Validator } from '../schema/check.js';
import { compile } from '../schema/check.js';
import { CredentialIn } from '../schema/credentials.js';
import { RuleIn } from '../schema/rules.js';
import type { Obj, Origins } from './from-reference.js';
import { ImportFileError, joinPath } from './file-error.js';
import type { CredentialOwnerKind } from './supported.js';
import { supportedCredentials, supportedProtocols, taskTypes } from './supported.js';

/** The API's checks of the fields the import shares with it, compiled once. */
const apiField = {
  name: compile(ServerIn.properties.name),
  address: compile(ServerIn.properties.address),
  localAddress: compile(ClientIn.properties.localAddress),
  ipAddress: compile(LocalAccountIn.properties.ipAddresses.items),
  credentialValue: compile(CredentialIn.properties.value),
  comment: compile(RuleIn.properties.comment),
  rulePath: compile(RuleIn.properties.path),
  dir: compile(RuleIn.properties.localDir),
  serverDir: compile(ServerIn.properties.rootDir),
};
const maxIpAddresses = LocalAccountIn.properties.ipAddresses.maxItems ?? Infinity;
const maxTasks = RuleIn.properties.preTasks.maxItems ?? Infinity;

/** A number field's range, as the API's schema states it. */
function rangeOf(schema: TSchema): { min: number; max: number; int: boolean } {
  const s = schema as { minimum?: number; maximum?: number; type?: string };
  return { min: s.minimum ?? -Infinity, max: s.maximum ?? Infinity, int: s.type === 'integer' };
}

export interface CredentialDecl {
  readonly name: string;
  readonly type: CredentialType;
  /** Public keys normalized to OpenSSH form; private keys as given (encrypted when stored). */
  readonly value: string;
}

/**
 * A password to store: a hash brought over as it is (the reference's bcrypt, or ours), or a
 * password in clear that the import hashes.
 */
export type PasswordDecl = { readonly hash: string } | { readonly plain: string };

export interface LocalAccountDecl {
  readonly login: string;
  readonly password: PasswordDecl | undefined;
  readonly ipAddresses: string[];
  readonly credentials: readonly CredentialDecl[];
}

export interface ServerDecl {
  readonly server: ServerInput;
  readonly credentials: readonly CredentialDecl[];
  readonly accounts: readonly LocalAccountDecl[];
}

export interface RemoteAccountDecl {
  readonly login: string;
  /** In clear: we send it to the partner (stored encrypted). */
  readonly password: string | undefined;
  readonly credentials: readonly CredentialDecl[];
}

export interface PartnerDecl {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly protoConfig: Record<string, unknown>;
  readonly credentials: readonly CredentialDecl[];
  readonly accounts: readonly RemoteAccountDecl[];
}

/** A rule access entry of the reference's form: `local::server[::login]`, `remote::partner[::login]`. */
export interface AccessRef {
  readonly field: string;
  readonly side: 'local' | 'remote';
  readonly agent: string;
  readonly login: string | undefined;
}

export interface RuleDecl {
  readonly field: string;
  readonly rule: RuleInput;
  readonly access: readonly AccessRef[];
}

export interface UserDecl {
  readonly username: string;
  readonly password: PasswordDecl;
  /** Bitmask, see model/permissions.ts. */
  readonly permissions: number;
}

export interface ImportFile {
  readonly servers: readonly ServerDecl[];
  readonly partners: readonly PartnerDecl[];
  readonly clients: readonly ClientInput[];
  readonly rules: readonly RuleDecl[];
  readonly users: readonly UserDecl[];
}

/** Checks a mapped file; `env` gives the `{"env": NAME}` password values. */
export function validateImportFile(
  doc: unknown,
  source: string,
  env: NodeJS.ProcessEnv,
  origins: Origins = new WeakMap(),
): ImportFile {
  const r = new Reader(source, env, origins);
  const top = r.object(doc, '', ['locals', 'remotes', 'clients', 'rules', 'users']);
  const servers = r.list(top, 'locals', '', (v, at) => r.server(v, at));
  const partners = r.list(top, 'remotes', '', (v, at) => r.partner(v, at));
  const clients = r.list(top, 'clients', '', (v, at) => r.client(v, at));
  const rules = r.list(top, 'rules', '', (v, at) => r.rule(v, at));
  const users = r.list(top, 'users', '', (v, at) => r.user(v, at));
  r.unique(servers, (s) => s.value.server.name, 'name');
  r.unique(partners, (p) => p.value.name, 'name');
  r.unique(clients, (c) => c.value.name, 'name');
  r.unique(rules, (d) => `${d.value.rule.isSend ? 'send' : 'receive'} ${d.value.rule.name}`, 'name');
  r.unique(users, (u) => u.value.username, 'username');
  const values = <T>(list: readonly Located<T>[]): T[] => list.map((x) => x.value);
  return {
    servers: values(servers),
    partners: values(partners),
    clients: values(clients),
    rules: values(rules),
    users: values(users),
  };
}

/** A checked value and the path of what it was read from. */
interface Located<T> {
  readonly value: T;
  readonly at: string;
}

/** Field-by-field checks; every error names the field by its path in the source file. */
class Reader {
  constructor(
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly origins: Origins,
  ) {}

  fail(at: string, reason: string): never {
    throw new ImportFileError(this.file, at === '' ? '(top level)' : at, reason);
  }

  /** The source path of field `key` of `o` (read at `at`). */
  path(o: object, at: string, key: string): string {
    const origin = this.origins.get(o);
    return origin?.fields?.[key] ?? joinPath(origin?.at ?? at, key);
  }

  object(v: unknown, at: string, allowed: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(at, 'must be an object');
    const o = v as Obj;
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) {
        this.fail(this.path(o, at, key), `unknown field (expected one of: ${allowed.join(', ')})`);
      }
    }
    return o;
  }

  list<T>(o: Obj, key: string, at: string, item: (v: unknown, at: string) => T): Located<T>[] {
    const v = o[key];
    const here = this.path(o, at, key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(here, 'must be an array');
    const items = this.origins.get(v)?.items;
    return v.map((x: unknown, i) => {
      const path = items?.[i] ?? `${here}[${i}]`;
      return { value: item(x, path), at: path };
    });
  }

  string(o: Obj, key: string, at: string, options: { required?: boolean; nonEmpty?: boolean } = {}): string {
    const v = o[key];
    const here = this.path(o, at, key);
    if (v === undefined) {
      if (options.required === true) this.fail(here, 'is required');
      return '';
    }
    if (typeof v !== 'string') this.fail(here, 'must be a string');
    if ((options.required === true || options.nonEmpty === true) && v.trim() === '') {
      this.fail(here, 'must not be empty');
    }
    return v;
  }

  boolean(o: Obj, key: string, at: string, fallback: boolean): boolean {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(this.path(o, at, key), 'must be true or false');
    return v;
  }

  number(
    o: Obj,
    key: string,
    at: string,
    fallback: number,
    range: { min: number; max: number; int: boolean },
  ): number {
    const v = o[key];
    if (v === undefined) return fallback;
    const n =
      typeof v === 'number' && Number.isFinite(v) && (!range.int || Number.isInteger(v)) ? v : Number.NaN;
    if (!(n >= range.min && n <= range.max)) {
      this.fail(
        this.path(o, at, key),
        `must be ${range.int ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`,
      );
    }
    return n;
  }

  jsonObject(o: Obj, key: string, at: string): Record<string, unknown> {
    const v = o[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(this.path(o, at, key), 'must be an object');
    return v as Record<string, unknown>;
  }

  name(o: Obj, key: string, at: string): string {
    const v = this.string(o, key, at, { required: true });
    this.api(v, this.path(o, at, key), apiField.name);
    return v;
  }

  protocol(o: Obj, at: string): string {
    const v = this.string(o, 'protocol', at, { required: true });
    if (!(supportedProtocols as readonly string[]).includes(v)) {
      this.fail(
        this.path(o, at, 'protocol'),
        `"${v}" is not a protocol of Waarp Gateway (supported here: ${supportedProtocols.join(', ')})`,
      );
    }
    return v;
  }

  address(o: Obj, key: string, at: string, check: Validator<unknown>): string {
    const v = this.string(o, key, at, { required: check === apiField.address }).trim();
    this.api(
      v,
      this.path(o, at, key),
      check,
      `"${v}" is not ${check === apiField.address ? 'host:port' : 'host[:port]'}`,
    );
    return v;
  }

  /** A secret: a string, or `{"env": "NAME", "default": "..."}` read from the environment. */
  secret(o: Obj, key: string, at: string): string | undefined {
    const v = o[key];
    const here = this.path(o, at, key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') {
      if (v === '') this.fail(here, 'must not be empty (leave the field out for no password)');
      return v;
    }
    const ref = this.object(v, here, ['env', 'default']);
    const name = this.string(ref, 'env', here, { required: true });
    const fallback =
      ref.default === undefined ? undefined : this.string(ref, 'default', here, { nonEmpty: true });
    const value = this.env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    return this.fail(here, `the environment variable ${name} is not set and there is no "default"`);
  }

  /**
   * `passwordHash` (a hash, kept as it is) or `password`: a hash is kept too (as the reference
   * does: a hash is never hashed again), anything else is a password in clear.
   */
  password(o: Obj, at: string): PasswordDecl | undefined {
    if (o.passwordHash !== undefined) {
      const hash = this.string(o, 'passwordHash', at, { required: true });
      if (!isPasswordHash(hash)) {
        this.fail(
          this.path(o, at, 'passwordHash'),
          'is not a bcrypt or scrypt hash (a password in clear goes in "password")',
        );
      }
      return { hash };
    }
    const value = this.secret(o, 'password', at);
    if (value === undefined) return undefined;
    return isPasswordHash(value) ? { hash: value } : { plain: value };
  }

  /** `value` (read at `here`) checked by the API's check of the same field. */
  api(value: unknown, here: string, check: Validator<unknown>, reason?: string): void {
    const e = check.firstError(value);
    if (e !== undefined) this.fail(here, reason ?? e.reason);
  }

  /** An optional string field, checked as the API checks it. */
  apiString(o: Obj, key: string, at: string, check: Validator<unknown>): string {
    const v = this.string(o, key, at);
    this.api(v, this.path(o, at, key), check);
    return v;
  }

  unique<T>(list: readonly Located<T>[], nameOf: (x: Located<T>) => string, key: string): void {
    const seen = new Set<string>();
    for (const x of list) {
      const n = nameOf(x);
      if (seen.has(n))
        this.fail(joinPath(x.at, key), `"${n.replace(/^(send|receive) /, '')}" is declared twice`);
      seen.add(n);
    }
  }

  credential(v: unknown, at: string, owner: CredentialOwnerKind): CredentialDecl {
    const allowed = supportedCredentials[owner];
    const o = this.object(v, at, ['name', 'type', 'value', 'value2']);
    const type = this.string(o, 'type', at, { required: true });
    if (!(allowed as readonly string[]).includes(type)) {
      this.fail(this.path(o, at, 'type'), `"${type}" is not allowed here (allowed: ${allowed.join(', ')})`);
    }
    if (this.string(o, 'value2', at) !== '')
      this.fail(this.path(o, at, 'value2'), `must be empty for ${type}`);
    const name = o.name === undefined ? type : this.name(o, 'name', at);
    const raw = this.string(o, 'value', at, { required: true });
    this.api(raw, this.path(o, at, 'value'), apiField.credentialValue);
    if (type === 'ssh_public_key') {
      const res = normalizePublicKey(raw);
      if ('error' in res) this.fail(this.path(o, at, 'value'), res.error);
      return { name, type, value: res.key };
    }
    const res = checkPrivateKey(raw);
    if ('error' in res) this.fail(this.path(o, at, 'value'), res.error);
    return { name, type: type as CredentialType, value: raw };
  }

  credentials(o: Obj, at: string, owner: CredentialOwnerKind): CredentialDecl[] {
    const list = this.list(o, 'credentials', at, (v, here) => this.credential(v, here, owner));
    this.unique(list, (c) => c.value.name, 'name');
    return list.map((c) => c.value);
  }

  server(v: unknown, at: string): ServerDecl {
    const o = this.object(v, at, [
      'name',
      'protocol',
      'address',
      'disabled',
      'rootDir',
      'receiveDir',
      'sendDir',
      'tmpReceiveDir',
      'configuration',
      'credentials',
      'accounts',
    ]);
    const rootDir = this.apiString(o, 'rootDir', at, apiField.serverDir);
    // As the reference's LocalAgent.makePaths: under a root, empty folders get their defaults.
    const dir = (key: string, fallback: string): string =>
      this.apiString(o, key, at, apiField.serverDir) || (rootDir ? fallback : '');
    const server: ServerInput = {
      name: this.name(o, 'name', at),
      protocol: this.protocol(o, at),
      address: this.address(o, 'address', at, apiField.address),
      enabled: !this.boolean(o, 'disabled', at, false),
      rootDir,
      receiveDir: dir('receiveDir', 'in'),
      sendDir: dir('sendDir', 'out'),
      tmpReceiveDir: dir('tmpReceiveDir', 'tmp'),
      protoConfig: this.jsonObject(o, 'configuration', at),
    };
    const accounts = this.list(o, 'accounts', at, (x, here) => this.localAccount(x, here));
    this.unique(accounts, (a) => a.value.login, 'login');
    return {
      server,
      credentials: this.credentials(o, at, 'server'),
      accounts: accounts.map((a) => a.value),
    };
  }

  localAccount(v: unknown, at: string): LocalAccountDecl {
    const o = this.object(v, at, ['login', 'password', 'passwordHash', 'ipAddresses', 'credentials']);
    const ips = this.list(o, 'ipAddresses', at, (x, here) => {
      const ip = typeof x === 'string' ? x.trim() : x;
      this.api(ip, here, apiField.ipAddress);
      return ip as string;
    });
    if (ips.length > maxIpAddresses)
      this.fail(this.path(o, at, 'ipAddresses'), `has more than ${maxIpAddresses} addresses`);
    const account: LocalAccountDecl = {
      login: this.name(o, 'login', at),
      password: this.password(o, at),
      ipAddresses: ips.map((x) => x.value),
      credentials: this.credentials(o, at, 'localAccount'),
    };
    if (account.password === undefined && account.credentials.length === 0) {
      this.fail(at, 'has neither "password" nor an ssh_public_key in "credentials": nobody could log in');
    }
    return account;
  }

  partner(v: unknown, at: string): PartnerDecl {
    const o = this.object(v, at, ['name', 'protocol', 'address', 'configuration', 'credentials', 'accounts']);
    const accounts = this.list(o, 'accounts', at, (x, here) => this.remoteAccount(x, here));
    this.unique(accounts, (a) => a.value.login, 'login');
    return {
      name: this.name(o, 'name', at),
      protocol: this.protocol(o, at),
      address: this.address(o, 'address', at, apiField.address),
      protoConfig: this.jsonObject(o, 'configuration', at),
      credentials: this.credentials(o, at, 'partner'),
      accounts: accounts.map((a) => a.value),
    };
  }

  remoteAccount(v: unknown, at: string): RemoteAccountDecl {
    const o = this.object(v, at, ['login', 'password', 'credentials']);
    const account = {
      login: this.name(o, 'login', at),
      password: this.secret(o, 'password', at),
      credentials: this.credentials(o, at, 'remoteAccount'),
    };
    if (account.credentials.some((c) => c.name === 'password') && account.password !== undefined) {
      this.fail(this.path(o, at, 'credentials'), 'a credential named "password" clashes with "password"');
    }
    return account;
  }

  client(v: unknown, at: string): ClientInput {
    const o = this.object(v, at, [
      'name',
      'protocol',
      'localAddress',
      'disabled',
      'nbOfAttempts',
      'firstRetryDelay',
      'retryIncrementFactor',
      'configuration',
    ]);
    return {
      name: this.name(o, 'name', at),
      protocol: this.protocol(o, at),
      localAddress: this.address(o, 'localAddress', at, apiField.localAddress),
      enabled: !this.boolean(o, 'disabled', at, false),
      nbOfAttempts: this.number(o, 'nbOfAttempts', at, 0, rangeOf(ClientIn.properties.nbOfAttempts)),
      firstRetryDelay: this.number(o, 'firstRetryDelay', at, 0, rangeOf(ClientIn.properties.firstRetryDelay)),
      retryIncrementFactor: this.number(
        o,
        'retryIncrementFactor',
        at,
        1,
        rangeOf(ClientIn.properties.retryIncrementFactor),
      ),
      protoConfig: this.jsonObject(o, 'configuration', at),
    };
  }

  task(v: unknown, at: string): TaskSpec {
    const o = this.object(v, at, ['type', 'args']);
    const type = this.string(o, 'type', at, { required: true }).toUpperCase();
    if (!isTaskType(type)) {
      this.fail(this.path(o, at, 'type'), `unknown task type "${type}" (known: ${taskTypes.join(', ')})`);
    }
    const given = this.jsonObject(o, 'args', at);
    for (const [k, x] of Object.entries(given)) {
      if (x === null) this.fail(joinPath(this.path(o, at, 'args'), k), 'must not be null');
    }
    // As the reference: task arguments are strings; other JSON values keep their JSON text.
    const args = taskArgsAsText(given);
    const problem = taskArgsProblem(type, args);
    if (problem !== undefined) this.fail(this.path(o, at, 'args'), problem);
    return { type, args };
  }

  rule(v: unknown, at: string): RuleDecl {
    const o = this.object(v, at, [
      'name',
      'isSend',
      'comment',
      'path',
      'localDir',
      'remoteDir',
      'tmpLocalRcvDir',
      'auth',
      'pre',
      'post',
      'error',
    ]);
    if (o.isSend === undefined)
      this.fail(this.path(o, at, 'isSend'), 'is required (true: send rule, false: receive rule)');
    const name = this.name(o, 'name', at);
    // The reference: an empty or "/" path is the rule's name; leading and trailing "/" go.
    const path =
      this.apiString(o, 'path', at, apiField.rulePath).trim().replace(/^\/+/, '').replace(/\/+$/, '') || name;
    const tasks = (chain: string): TaskSpec[] => {
      const list = this.list(o, chain, at, (x, here) => this.task(x, here));
      if (list.length > maxTasks) this.fail(this.path(o, at, chain), `has more than ${maxTasks} tasks`);
      return list.map((t) => t.value);
    };
    const rule: RuleInput = {
      name,
      isSend: this.boolean(o, 'isSend', at, false),
      comment: this.apiString(o, 'comment', at, apiField.comment),
      path,
      localDir: this.apiString(o, 'localDir', at, apiField.dir),
      remoteDir: this.apiString(o, 'remoteDir', at, apiField.dir),
      tmpLocalRcvDir: this.apiString(o, 'tmpLocalRcvDir', at, apiField.dir),
      preTasks: tasks('pre'),
      postTasks: tasks('post'),
      errorTasks: tasks('error'),
    };
    const access = this.list(o, 'auth', at, (x, here): AccessRef => {
      const parts = typeof x === 'string' ? x.split('::') : [];
      const [side, agent, login, ...rest] = parts;
      if ((side !== 'local' && side !== 'remote') || !agent || login === '' || rest.length > 0) {
        this.fail(
          here,
          'must be "local::SERVER", "local::SERVER::LOGIN", "remote::PARTNER" or "remote::PARTNER::LOGIN"',
        );
      }
      return { field: here, side, agent, login };
    });
    return { field: at, rule, access: access.map((a) => a.value) };
  }

  user(v: unknown, at: string): UserDecl {
    const o = this.object(v, at, ['username', 'password', 'passwordHash', 'permissions']);
    const username = this.name(o, 'username', at);
    const password = this.password(o, at);
    if (password === undefined)
      this.fail(at, 'has neither "passwordHash" nor "password": nobody could log in');
    const perms =
      o.permissions === undefined
        ? {}
        : this.object(o.permissions, this.path(o, at, 'permissions'), permissionTargets);
    const permsAt = this.path(o, at, 'permissions');
    const rights: Record<string, string> = {};
    for (const target of permissionTargets) {
      const value = this.string(perms, target, permsAt);
      if (!/^([r-][w-][d-])?$/.test(value)) {
        this.fail(
          this.path(perms, permsAt, target),
          `"${value}" is not of the form rwd (a dash for a right not given)`,
        );
      }
      if (value !== '') rights[target] = value;
    }
    const result = applyPermissions(0, rights);
    if ('badTarget' in result) this.fail(joinPath(permsAt, result.badTarget), 'is not a valid permission');
    return { username, password, permissions: result.mask };
  }
}
