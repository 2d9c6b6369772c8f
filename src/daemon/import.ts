/**
 * `waarp-gatewayd import -c FILE [-i NAME] -s SOURCE`: a declarative first-run import of a JSON
 * file (servers with accounts, partners with accounts, clients, rules), as the reference's
 * import file format (`locals`, `remotes`, `clients`, `rules`; see docs/deployment.md).
 *
 * Idempotent and safe to run on every node at once:
 * - create-if-missing, by name: an object that exists is left exactly as it is (an operator's
 *   later change is never overwritten), but its declared children that are missing are created;
 * - the whole import runs in one transaction under the database's cluster-wide lock, so three
 *   nodes importing at once create everything exactly once, and a failed import changes nothing.
 * The file is checked completely before the database is touched; a bad file fails naming the field.
 */
import { readFileSync } from 'node:fs';
import { checkPrivateKey, normalizePublicKey } from '../admin/keys.js';
import { supportedProtocols } from '../admin/protocols.js';
import { taskTypes } from '../admin/dto/rules.js';
import { splitHostPort } from '../config/address.js';
import type { GatewayConfig } from '../config/types.js';
import { hashPassword } from '../crypto/passwords.js';
import { SecretBox } from '../crypto/secret-box.js';
import { migrate, SchemaTooNewError } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue } from '../db/sql.js';
import type { ClientInput } from '../db/stores/clients.js';
import type { Stores } from '../db/stores/index.js';
import { createStores } from '../db/stores/index.js';
import type { RuleInput } from '../db/stores/rules.js';
import type { ServerInput } from '../db/stores/servers.js';
import { ExitCode, FatalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AccessTarget, CredentialOwner, CredentialType, TaskSpec } from '../model/entities.js';
import { sleep } from '../util/timers.js';

const lockName = 'waarp_gateway_import';
const lockTimeoutMs = 120_000;
const connectTimeoutMs = 60_000;

// ---------------------------------------------------------------------------------------------
// The file, once checked

interface CredentialDecl {
  readonly name: string;
  readonly type: CredentialType;
  /** Public keys normalized to OpenSSH form; private keys as given (encrypted when stored). */
  readonly value: string;
}

interface LocalAccountDecl {
  readonly login: string;
  readonly password: string | undefined;
  readonly ipAddresses: string[];
  readonly credentials: readonly CredentialDecl[];
}

interface ServerDecl {
  readonly server: ServerInput;
  readonly credentials: readonly CredentialDecl[];
  readonly accounts: readonly LocalAccountDecl[];
}

interface RemoteAccountDecl {
  readonly login: string;
  readonly password: string | undefined;
  readonly credentials: readonly CredentialDecl[];
}

interface PartnerDecl {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly protoConfig: Record<string, unknown>;
  readonly credentials: readonly CredentialDecl[];
  readonly accounts: readonly RemoteAccountDecl[];
}

/** A rule access entry of the reference's form: `local::server[::login]`, `remote::partner[::login]`. */
interface AccessRef {
  readonly field: string;
  readonly side: 'local' | 'remote';
  readonly agent: string;
  readonly login: string | undefined;
}

interface RuleDecl {
  readonly field: string;
  readonly rule: RuleInput;
  readonly access: readonly AccessRef[];
}

export interface ImportFile {
  readonly servers: readonly ServerDecl[];
  readonly partners: readonly PartnerDecl[];
  readonly clients: readonly ClientInput[];
  readonly rules: readonly RuleDecl[];
}

/** What an import did: `created` and `kept` name each object, e.g. `server "sftp"`. */
export interface ImportReport {
  readonly created: string[];
  readonly kept: string[];
}

// ---------------------------------------------------------------------------------------------
// Entry point

export async function runImport(config: GatewayConfig, log: Logger, source: string): Promise<void> {
  const file = readImportFile(source, process.env);
  // Creates the shared AES key file now if missing (O_EXCL), before any node needs it.
  const secrets = SecretBox.fromKeyFile(config.database.aesPassphrase);
  const db = await connect(config, log);
  try {
    await prepare(db, config.instance ?? 'import');
    const report = await importInto(db, config.global.gatewayName, file, secrets);
    log.info(
      { source, created: report.created, kept: report.kept.length },
      report.created.length > 0
        ? `import done: ${report.created.length} created, ${report.kept.length} already there`
        : `import done: nothing to do (${report.kept.length} already there)`,
    );
  } finally {
    await db.close();
  }
}

/**
 * Applies a checked file to a migrated database under the cluster-wide import lock, in one
 * transaction. Exported for tests (several "nodes" racing on one database).
 */
export async function importInto(
  db: SqlDatabase,
  owner: string,
  file: ImportFile,
  secrets: SecretBox,
): Promise<ImportReport> {
  return db.withExclusiveLock(lockName, lockTimeoutMs, async (tx) => {
    // SQLite's lock is already an exclusive transaction; MySQL's named lock is not one.
    if (tx.dialect === 'mysql') await tx.run('START TRANSACTION');
    try {
      const report = await apply(createStores(lockedDatabase(tx), owner), file, secrets);
      if (tx.dialect === 'mysql') await tx.run('COMMIT');
      return report;
    } catch (err) {
      if (tx.dialect === 'mysql') await tx.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

async function connect(config: GatewayConfig, log: Logger): Promise<SqlDatabase> {
  // A one-shot container may start as soon as the database container does.
  const deadline = Date.now() + connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const db = openDatabase(config);
    try {
      await db.ping();
      return db;
    } catch (err) {
      await db.close().catch(() => undefined);
      if (Date.now() >= deadline) {
        throw new FatalError(
          `cannot reach the ${config.database.type} database at ${config.database.address}: ${(err as Error).message}`,
          ExitCode.databaseUnreachable,
          { cause: err },
        );
      }
      if (attempt === 1) log.warn({ err: (err as Error).message }, 'database not reachable yet, retrying');
      await sleep(1000);
    }
  }
}

async function prepare(db: SqlDatabase, node: string): Promise<void> {
  try {
    await migrate(db, { node });
  } catch (err) {
    if (err instanceof SchemaTooNewError)
      throw new FatalError(err.message, ExitCode.schemaTooNew, { cause: err });
    throw new FatalError(`database migration failed: ${(err as Error).message}`, ExitCode.migrationFailed, {
      cause: err,
    });
  }
}

/**
 * The stores take a database; inside the lock everything must go through the lock's executor
 * (on SQLite another path would wait on the lock we hold). Nested transactions join the outer one.
 */
function lockedDatabase(tx: SqlExecutor): SqlDatabase {
  return {
    dialect: tx.dialect,
    all: <T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> => tx.all<T>(sql, params),
    get: <T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> =>
      tx.get<T>(sql, params),
    run: (sql: string, params?: readonly SqlValue[]): Promise<RunResult> => tx.run(sql, params),
    write: (sql: string, params: readonly SqlValue[]): Promise<RunResult> => tx.run(sql, params),
    transaction: <T>(fn: (t: SqlExecutor) => Promise<T>): Promise<T> => fn(tx),
    withExclusiveLock: <T>(_n: string, _t: number, fn: (t: SqlExecutor) => Promise<T>): Promise<T> => fn(tx),
    ping: async (): Promise<void> => {
      await tx.get('SELECT 1 AS one');
    },
    close: (): Promise<void> => Promise.resolve(),
  };
}

// ---------------------------------------------------------------------------------------------
// Applying

async function apply(stores: Stores, file: ImportFile, secrets: SecretBox): Promise<ImportReport> {
  const report: ImportReport = { created: [], kept: [] };
  const note = (created: boolean, what: string): void => {
    (created ? report.created : report.kept).push(what);
  };

  for (const decl of file.servers) {
    const label = `server "${decl.server.name}"`;
    let server = await stores.servers.get(decl.server.name);
    note(server === undefined, label);
    server ??= await stores.servers.create(decl.server);
    const owner: CredentialOwner = { kind: 'server', id: server.id };
    const added = await ensureCredentials(stores, owner, decl.credentials, secrets, label, note);
    // Nodes reload a server's listener (and its host keys) when its revision changes.
    if (added) await stores.servers.touch(server.id);
    for (const a of decl.accounts) {
      const accountLabel = `local account "${a.login}" of ${label}`;
      let account = await stores.localAccounts.get(server.id, a.login);
      note(account === undefined, accountLabel);
      account ??= await stores.localAccounts.create({
        serverId: server.id,
        login: a.login,
        passwordHash: a.password === undefined ? null : await hashPassword(a.password),
        ipAddresses: a.ipAddresses,
      });
      const o: CredentialOwner = { kind: 'localAccount', id: account.id };
      await ensureCredentials(stores, o, a.credentials, secrets, accountLabel, note);
    }
  }

  for (const decl of file.partners) {
    const label = `partner "${decl.name}"`;
    let partner = await stores.partners.get(decl.name);
    note(partner === undefined, label);
    partner ??= await stores.partners.create({
      name: decl.name,
      protocol: decl.protocol,
      address: decl.address,
      protoConfig: decl.protoConfig,
    });
    await ensureCredentials(
      stores,
      { kind: 'partner', id: partner.id },
      decl.credentials,
      secrets,
      label,
      note,
    );
    for (const a of decl.accounts) {
      const accountLabel = `remote account "${a.login}" of ${label}`;
      let account = await stores.remoteAccounts.get(partner.id, a.login);
      note(account === undefined, accountLabel);
      account ??= await stores.remoteAccounts.create({ partnerId: partner.id, login: a.login });
      const creds = [...a.credentials];
      if (a.password !== undefined) creds.unshift({ name: 'password', type: 'password', value: a.password });
      const o: CredentialOwner = { kind: 'remoteAccount', id: account.id };
      await ensureCredentials(stores, o, creds, secrets, accountLabel, note);
    }
  }

  for (const c of file.clients) {
    const existing = await stores.clients.get(c.name);
    note(existing === undefined, `client "${c.name}"`);
    if (existing === undefined) await stores.clients.create(c);
  }

  for (const decl of file.rules) {
    const { rule } = decl;
    const label = `${rule.isSend ? 'send' : 'receive'} rule "${rule.name}"`;
    const existing = await stores.rules.get(rule.name, rule.isSend);
    note(existing === undefined, label);
    if (existing !== undefined) continue; // its tasks and access list are the operator's now
    await checkRulePath(stores, decl);
    const created = await stores.rules.create(rule);
    for (const ref of decl.access) await stores.rules.authorize(created.id, await resolveAccess(stores, ref));
  }
  return report;
}

/** Creates the missing credentials (by name); returns whether any was created. */
async function ensureCredentials(
  stores: Stores,
  owner: CredentialOwner,
  creds: readonly CredentialDecl[],
  secrets: SecretBox,
  ownerLabel: string,
  note: (created: boolean, what: string) => void,
): Promise<boolean> {
  let added = false;
  for (const c of creds) {
    const exists = (await stores.credentials.get(owner, c.name)) !== undefined;
    note(!exists, `credential "${c.name}" of ${ownerLabel}`);
    if (exists) continue;
    // External secrets are stored encrypted; public keys in clear (the admin API's rules).
    const value = c.type === 'ssh_public_key' ? c.value : secrets.encrypt(c.value);
    await stores.credentials.create({ owner, name: c.name, type: c.type, value, value2: '' });
    added = true;
  }
  return added;
}

async function resolveAccess(stores: Stores, ref: AccessRef): Promise<AccessTarget> {
  const fail = (what: string): never => {
    throw new FatalError(`import: ${ref.field}: ${what} does not exist`, ExitCode.badConfigValue);
  };
  if (ref.side === 'local') {
    const server = (await stores.servers.get(ref.agent)) ?? fail(`server "${ref.agent}"`);
    if (ref.login === undefined) return { kind: 'server', id: server.id };
    const a =
      (await stores.localAccounts.get(server.id, ref.login)) ??
      fail(`local account "${ref.login}" of server "${ref.agent}"`);
    return { kind: 'localAccount', id: a.id };
  }
  const partner = (await stores.partners.get(ref.agent)) ?? fail(`partner "${ref.agent}"`);
  if (ref.login === undefined) return { kind: 'partner', id: partner.id };
  const a =
    (await stores.remoteAccounts.get(partner.id, ref.login)) ??
    fail(`remote account "${ref.login}" of partner "${ref.agent}"`);
  return { kind: 'remoteAccount', id: a.id };
}

/** The reference's path rules (§1.5): a path is unique per direction and overlaps no other path. */
async function checkRulePath(stores: Stores, decl: RuleDecl): Promise<void> {
  const { rule } = decl;
  const under = (a: string, b: string): boolean => b.startsWith(a + '/');
  for (const other of await stores.rules.all()) {
    const label = `${other.isSend ? 'send' : 'receive'} rule "${other.name}"`;
    if (other.path === rule.path && other.isSend === rule.isSend) {
      throw new FatalError(
        `import: ${decl.field}.path: "${rule.path}" is already the path of the ${label}`,
        ExitCode.badConfigValue,
      );
    }
    if (under(other.path, rule.path) || under(rule.path, other.path)) {
      throw new FatalError(
        `import: ${decl.field}.path: "${rule.path}" overlaps the path "${other.path}" of the ${label}`,
        ExitCode.badConfigValue,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and checking the file

/** A field of the import file that is wrong: `import: demo.json: locals[0].address: …`. */
export class ImportFileError extends FatalError {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly reason: string,
    exitCode: ExitCode = ExitCode.badConfigValue,
  ) {
    super(`import: ${file}: ${field === undefined ? '' : `${field}: `}${reason}`, exitCode);
    this.name = 'ImportFileError';
  }
}

/** Reads, parses and checks the whole file; `env` gives `{"env": NAME}` password values. */
export function readImportFile(source: string, env: NodeJS.ProcessEnv): ImportFile {
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ImportFileError(
      source,
      undefined,
      `cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
      ExitCode.badConfigFile,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ImportFileError(
      source,
      undefined,
      `not valid JSON: ${(err as Error).message}`,
      ExitCode.badConfigFile,
    );
  }
  return parseImportFile(json, source, env);
}

/** Checks parsed JSON (see readImportFile). */
export function parseImportFile(json: unknown, source: string, env: NodeJS.ProcessEnv): ImportFile {
  const r = new Reader(source, env);
  const top = r.object(json, '', ['locals', 'remotes', 'clients', 'rules']);
  const file: ImportFile = {
    servers: r.list(top, 'locals', '', (v, at) => r.server(v, at)),
    partners: r.list(top, 'remotes', '', (v, at) => r.partner(v, at)),
    clients: r.list(top, 'clients', '', (v, at) => r.client(v, at)),
    rules: r.list(top, 'rules', '', (v, at) => r.rule(v, at)),
  };
  r.unique(
    file.servers.map((s) => s.server.name),
    'locals',
    'name',
  );
  r.unique(
    file.partners.map((p) => p.name),
    'remotes',
    'name',
  );
  r.unique(
    file.clients.map((c) => c.name),
    'clients',
    'name',
  );
  r.unique(
    file.rules.map((d) => `${d.rule.isSend ? 'send' : 'receive'} ${d.rule.name}`),
    'rules',
    'name',
  );
  return file;
}

type Obj = Record<string, unknown>;

/** Field-by-field checks; every error names the field by its JSON path. */
class Reader {
  constructor(
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  fail(at: string, reason: string): never {
    throw new ImportFileError(this.file, at === '' ? '(top level)' : at, reason);
  }

  object(v: unknown, at: string, allowed: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(at, 'must be an object');
    const o = v as Obj;
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) {
        this.fail(join(at, key), `unknown field (expected one of: ${allowed.join(', ')})`);
      }
    }
    return o;
  }

  list<T>(o: Obj, key: string, at: string, item: (v: unknown, at: string) => T): T[] {
    const v = o[key];
    const here = join(at, key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(here, 'must be an array');
    return (v as unknown[]).map((x, i) => item(x, `${here}[${i}]`));
  }

  string(o: Obj, key: string, at: string, options: { required?: boolean; nonEmpty?: boolean } = {}): string {
    const v = o[key];
    const here = join(at, key);
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
    if (typeof v !== 'boolean') this.fail(join(at, key), 'must be true or false');
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
        join(at, key),
        `must be ${range.int ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`,
      );
    }
    return n;
  }

  jsonObject(o: Obj, key: string, at: string): Record<string, unknown> {
    const v = o[key];
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(join(at, key), 'must be an object');
    return v as Record<string, unknown>;
  }

  name(o: Obj, key: string, at: string): string {
    const v = this.string(o, key, at, { required: true }).trim();
    if (v.length > 255) this.fail(join(at, key), 'must be at most 255 characters');
    return v;
  }

  protocol(o: Obj, at: string): string {
    const v = this.string(o, 'protocol', at, { required: true });
    if (!(supportedProtocols as readonly string[]).includes(v)) {
      this.fail(
        join(at, 'protocol'),
        `"${v}" is not supported (supported: ${supportedProtocols.join(', ')})`,
      );
    }
    return v;
  }

  address(o: Obj, key: string, at: string, required: boolean): string {
    const v = this.string(o, key, at, { required }).trim();
    if (v === '') return v;
    const a = splitHostPort(v);
    if (a === undefined || a.port === undefined) this.fail(join(at, key), `"${v}" is not host:port`);
    return v;
  }

  /** A secret: a string, or `{"env": "NAME", "default": "..."}` read from the environment. */
  secret(o: Obj, key: string, at: string): string | undefined {
    const v = o[key];
    const here = join(at, key);
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

  unique(names: readonly string[], at: string, key: string): void {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) this.fail(`${at}[${i}].${key}`, `"${n}" is declared twice`);
      seen.add(n);
    });
  }

  credential(v: unknown, at: string, allowed: readonly CredentialType[]): CredentialDecl {
    const o = this.object(v, at, ['name', 'type', 'value']);
    const type = this.string(o, 'type', at, { required: true });
    if (!(allowed as readonly string[]).includes(type)) {
      this.fail(join(at, 'type'), `"${type}" is not allowed here (allowed: ${allowed.join(', ')})`);
    }
    const name = o.name === undefined ? type : this.name(o, 'name', at);
    const raw = this.string(o, 'value', at, { required: true });
    if (type === 'ssh_public_key') {
      const res = normalizePublicKey(raw);
      if ('error' in res) this.fail(join(at, 'value'), res.error);
      return { name, type, value: res.key };
    }
    const res = checkPrivateKey(raw);
    if ('error' in res) this.fail(join(at, 'value'), res.error);
    return { name, type: type as CredentialType, value: raw };
  }

  credentials(o: Obj, at: string, allowed: readonly CredentialType[]): CredentialDecl[] {
    const list = this.list(o, 'credentials', at, (v, here) => this.credential(v, here, allowed));
    this.unique(
      list.map((c) => c.name),
      join(at, 'credentials'),
      'name',
    );
    return list;
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
    const rootDir = this.string(o, 'rootDir', at);
    // As the reference's LocalAgent.makePaths: under a root, empty folders get their defaults.
    const dir = (key: string, fallback: string): string =>
      this.string(o, key, at) || (rootDir ? fallback : '');
    const server: ServerInput = {
      name: this.name(o, 'name', at),
      protocol: this.protocol(o, at),
      address: this.address(o, 'address', at, true),
      enabled: !this.boolean(o, 'disabled', at, false),
      rootDir,
      receiveDir: dir('receiveDir', 'in'),
      sendDir: dir('sendDir', 'out'),
      tmpReceiveDir: dir('tmpReceiveDir', 'tmp'),
      protoConfig: this.jsonObject(o, 'configuration', at),
    };
    const accounts = this.list(o, 'accounts', at, (x, here) => this.localAccount(x, here));
    this.unique(
      accounts.map((a) => a.login),
      join(at, 'accounts'),
      'login',
    );
    return { server, credentials: this.credentials(o, at, ['ssh_private_key']), accounts };
  }

  localAccount(v: unknown, at: string): LocalAccountDecl {
    const o = this.object(v, at, ['login', 'password', 'ipAddresses', 'credentials']);
    const ips = this.list(o, 'ipAddresses', at, (x, here) => {
      if (typeof x !== 'string' || x.trim() === '') this.fail(here, 'must be an IP address');
      return x.trim();
    });
    const account: LocalAccountDecl = {
      login: this.name(o, 'login', at),
      password: this.secret(o, 'password', at),
      ipAddresses: ips,
      credentials: this.credentials(o, at, ['ssh_public_key']),
    };
    if (account.password === undefined && account.credentials.length === 0) {
      this.fail(at, 'has neither "password" nor an ssh_public_key in "credentials": nobody could log in');
    }
    return account;
  }

  partner(v: unknown, at: string): PartnerDecl {
    const o = this.object(v, at, ['name', 'protocol', 'address', 'configuration', 'credentials', 'accounts']);
    const accounts = this.list(o, 'accounts', at, (x, here) => this.remoteAccount(x, here));
    this.unique(
      accounts.map((a) => a.login),
      join(at, 'accounts'),
      'login',
    );
    return {
      name: this.name(o, 'name', at),
      protocol: this.protocol(o, at),
      address: this.address(o, 'address', at, true),
      protoConfig: this.jsonObject(o, 'configuration', at),
      credentials: this.credentials(o, at, ['ssh_public_key']),
      accounts,
    };
  }

  remoteAccount(v: unknown, at: string): RemoteAccountDecl {
    const o = this.object(v, at, ['login', 'password', 'credentials']);
    const account = {
      login: this.name(o, 'login', at),
      password: this.secret(o, 'password', at),
      credentials: this.credentials(o, at, ['ssh_private_key']),
    };
    if (account.credentials.some((c) => c.name === 'password') && account.password !== undefined) {
      this.fail(join(at, 'credentials'), 'a credential named "password" clashes with "password"');
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
      localAddress: this.address(o, 'localAddress', at, false),
      enabled: !this.boolean(o, 'disabled', at, false),
      nbOfAttempts: this.number(o, 'nbOfAttempts', at, 0, { min: 0, max: 1000, int: true }),
      firstRetryDelay: this.number(o, 'firstRetryDelay', at, 0, { min: 0, max: 86_400 * 30, int: true }),
      retryIncrementFactor: this.number(o, 'retryIncrementFactor', at, 1, { min: 0, max: 1000, int: false }),
      protoConfig: this.jsonObject(o, 'configuration', at),
    };
  }

  task(v: unknown, at: string): TaskSpec {
    const o = this.object(v, at, ['type', 'args']);
    const type = this.string(o, 'type', at, { required: true }).toUpperCase();
    if (!(taskTypes as readonly string[]).includes(type)) {
      this.fail(join(at, 'type'), `unknown task type "${type}" (known: ${taskTypes.join(', ')})`);
    }
    const args: Record<string, string> = {};
    for (const [k, x] of Object.entries(this.jsonObject(o, 'args', at))) {
      if (x === null) this.fail(join(join(at, 'args'), k), 'must not be null');
      // As the reference: task arguments are strings; other JSON values keep their JSON text.
      args[k] = typeof x === 'string' ? x : JSON.stringify(x);
    }
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
      this.fail(join(at, 'isSend'), 'is required (true: send rule, false: receive rule)');
    const name = this.name(o, 'name', at);
    // The reference: an empty or "/" path is the rule's name; leading and trailing "/" go.
    const path = this.string(o, 'path', at).trim().replace(/^\/+/, '').replace(/\/+$/, '') || name;
    const rule: RuleInput = {
      name,
      isSend: this.boolean(o, 'isSend', at, false),
      comment: this.string(o, 'comment', at),
      path,
      localDir: this.string(o, 'localDir', at),
      remoteDir: this.string(o, 'remoteDir', at),
      tmpLocalRcvDir: this.string(o, 'tmpLocalRcvDir', at),
      preTasks: this.list(o, 'pre', at, (x, here) => this.task(x, here)),
      postTasks: this.list(o, 'post', at, (x, here) => this.task(x, here)),
      errorTasks: this.list(o, 'error', at, (x, here) => this.task(x, here)),
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
    return { field: at, rule, access };
  }
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}
