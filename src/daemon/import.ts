/**
 * `waarp-gatewayd import -c FILE [-i NAME] -s SOURCE [-t TARGET]… [-r [--yes]] [-d] [--skip-unsupported]`:
 * imports a backup file of Waarp Gateway (its `waarp-gatewayd export`, JSON or YAML) or of this
 * gateway, or a declarative first-run file in the same format (see docs/deployment.md).
 *
 * The file goes through backup/file-codec.ts (read), backup/from-reference.ts (the reference's
 * fields → ours; unsupported objects out, listed), backup/validate.ts (checks); this module writes.
 *
 * Idempotent and safe to run on every node at once:
 * - create-if-missing, by name: an object that exists is left exactly as it is (an operator's
 *   later change is never overwritten), but its declared children that are missing are created;
 * - the whole import runs in one transaction under the database's cluster-wide lock, so three
 *   nodes importing at once create everything exactly once, and a failed import changes nothing.
 * The file is checked completely before the database is touched; a bad file fails naming the field.
 * `--reset-before-import` first deletes the targeted objects, in the same transaction.
 */
import { readBackupFile } from '../backup/file-codec.js';
import { fromReference } from '../backup/from-reference.js';
import type { BackupTarget } from '../backup/reference-format.js';
import type { UnsupportedItem } from '../backup/unsupported.js';
import type { AccessRef, CredentialDecl, ImportFile, PasswordDecl, RuleDecl } from '../backup/validate.js';
import { validateImportFile } from '../backup/validate.js';
import type { GatewayConfig } from '../config/types.js';
import { hashPassword } from '../crypto/passwords.js';
import { SecretBox } from '../crypto/secret-box.js';
import { inLockedTransaction } from '../db/locked.js';
import type { SqlDatabase } from '../db/sql.js';
import { ForeignKeyViolationError } from '../db/sql.js';
import type { Stores } from '../db/stores/index.js';
import { createStores } from '../db/stores/index.js';
import { ExitCode, FatalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AccessTarget, CredentialOwner } from '../model/entities.js';
import { openCommandDatabase } from './database.js';

const lockName = 'waarp_gateway_import';
const lockTimeoutMs = 120_000;

/** What `--reset-before-import` empties, by target. */
export const resetSections = ['rules', 'servers', 'partners', 'clients', 'users'] as const;
export type ResetSection = (typeof resetSections)[number];

export interface ImportOptions {
  readonly source: string;
  readonly targets?: readonly BackupTarget[];
  /** Delete the targeted objects first (`-r`). */
  readonly reset?: boolean;
  /** Do everything, then roll back (`-d`). */
  readonly dryRun?: boolean;
  /** Import the rest of a file that holds objects we do not implement. */
  readonly skipUnsupported?: boolean;
  /** Asked before a reset; a false answer aborts. Absent: no question (`--yes`). */
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly env?: NodeJS.ProcessEnv;
}

/** What the database writes did: `created` and `kept` name each object, e.g. `server "sftp"`. */
export interface WriteReport {
  readonly created: string[];
  readonly kept: string[];
  /** With a reset: what was deleted first, e.g. `2 servers`. */
  readonly deleted: string[];
}

export interface ImportReport extends WriteReport {
  readonly skipped: readonly UnsupportedItem[];
  readonly dryRun: boolean;
}

// ---------------------------------------------------------------------------------------------
// Entry point

/** Reads and checks a file: the reference's format, mapped to ours, unsupported objects listed. */
export function readImportFile(
  source: string,
  env: NodeJS.ProcessEnv,
  targets: readonly BackupTarget[] = ['all'],
): { file: ImportFile; skipped: readonly UnsupportedItem[]; deprecated: readonly string[] } {
  const mapped = fromReference(readBackupFile(source), source, targets);
  const file = validateImportFile(mapped.doc, source, env, mapped.origins);
  return { file, skipped: mapped.unsupported, deprecated: mapped.deprecated };
}

export async function runImport(
  config: GatewayConfig,
  log: Logger,
  options: ImportOptions,
): Promise<ImportReport> {
  const { source } = options;
  const targets = options.targets ?? ['all'];
  const { file, skipped, deprecated } = readImportFile(source, options.env ?? process.env, targets);
  if (skipped.length > 0 && options.skipUnsupported !== true) throw refusal(source, skipped);
  if (deprecated.length > 0) log.warn({ source, fields: deprecated }, 'import: deprecated fields used');
  const reset = options.reset === true ? sectionsToReset(targets) : [];
  if (reset.length > 0 && options.confirm !== undefined) {
    const question =
      `The import will first DELETE all the ${reset.join(', ')} of gateway "${config.global.gatewayName}"` +
      ' (servers and partners with their accounts and credentials, rules with their tasks).';
    if (!(await options.confirm(question)))
      throw new FatalError('import aborted: nothing was changed', ExitCode.usage);
  }
  // Creates the shared AES key file now if missing (O_EXCL), before any node needs it.
  const secrets = SecretBox.fromKeyFile(config.database.aesPassphrase);
  const db = await openCommandDatabase(config, log, 'import');
  try {
    const dryRun = options.dryRun === true;
    const written = await importInto(db, config.global.gatewayName, file, secrets, { reset, dryRun });
    const report: ImportReport = { ...written, skipped, dryRun };
    log.info(
      { source, created: report.created, kept: report.kept.length, deleted: report.deleted, dryRun },
      formatImportReport(report)[0],
    );
    return report;
  } finally {
    await db.close();
  }
}

/** The operator's summary, one line each (the first is the gist). */
export function formatImportReport(report: ImportReport): string[] {
  const { created, kept, deleted, skipped } = report;
  const lines = [
    (report.dryRun ? 'dry run, nothing written: ' : 'import done: ') +
      (created.length > 0
        ? `${created.length} ${report.dryRun ? 'to create' : 'created'}, ${kept.length} already there`
        : `nothing to do (${kept.length} already there)`),
  ];
  if (deleted.length > 0) lines.push(`deleted first: ${deleted.join(', ')}`);
  if (skipped.length > 0) {
    lines.push(`skipped (not implemented here, --skip-unsupported): ${skipped.length}`);
    lines.push(...skipped.map(describeSkipped));
  }
  return lines;
}

function describeSkipped(item: UnsupportedItem): string {
  return `  - ${item.at}: ${item.what}: ${item.why}`;
}

function refusal(source: string, skipped: readonly UnsupportedItem[]): FatalError {
  return new FatalError(
    [
      `import: ${source}: ${skipped.length} object(s) of the file are not implemented by this gateway; nothing was imported:`,
      ...skipped.map(describeSkipped),
      'Run again with --skip-unsupported to import everything else without them.',
    ].join('\n'),
    ExitCode.badConfigValue,
  );
}

function sectionsToReset(targets: readonly BackupTarget[]): ResetSection[] {
  if (targets.includes('all')) return [...resetSections];
  return resetSections.filter((s) => targets.includes(s));
}

/** Thrown to roll a dry run back; carries what it would have done. */
class DryRun extends Error {
  constructor(readonly report: WriteReport) {
    super('dry run');
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
  options: { reset?: readonly ResetSection[]; dryRun?: boolean } = {},
): Promise<WriteReport> {
  try {
    return await inLockedTransaction(db, lockName, lockTimeoutMs, async (locked) => {
      const stores = createStores(locked, owner);
      const deleted = await resetBeforeImport(stores, options.reset ?? []);
      const report = { ...(await apply(stores, file, secrets)), deleted };
      if (options.reset?.includes('users') === true && (await stores.users.countWith('users', 'w')) === 0) {
        throw new FatalError(
          'import: --reset-before-import would leave no user allowed to manage users (permission users: w); ' +
            'nothing was changed',
          ExitCode.badConfigValue,
        );
      }
      if (options.dryRun === true) throw new DryRun(report);
      return report;
    });
  } catch (err) {
    if (err instanceof DryRun) return err.report;
    throw err;
  }
}

/** Deletes the targeted objects (the reference's reset); returns what it deleted. */
async function resetBeforeImport(stores: Stores, sections: readonly ResetSection[]): Promise<string[]> {
  const deleted: string[] = [];
  const count = (n: number, what: string): void => {
    if (n > 0) deleted.push(`${n} ${what}${n === 1 ? '' : 's'}`);
  };
  try {
    // Rules first: their access lists name servers, partners and accounts.
    if (sections.includes('rules')) count(await stores.rules.deleteAll(), 'rule');
    if (sections.includes('servers')) count(await stores.servers.deleteAll(), 'server');
    if (sections.includes('partners')) count(await stores.partners.deleteAll(), 'partner');
    if (sections.includes('clients')) count(await stores.clients.deleteAll(), 'client');
    if (sections.includes('users')) count(await stores.users.deleteAll(), 'user');
  } catch (err) {
    if (!(err instanceof ForeignKeyViolationError)) throw err;
    throw new FatalError(
      'import: --reset-before-import: unfinished transfers still use these objects ' +
        '(waarp-gateway transfer list): let them finish or cancel them, then import again; nothing was changed',
      ExitCode.badConfigValue,
      { cause: err },
    );
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// Applying

async function apply(stores: Stores, file: ImportFile, secrets: SecretBox): Promise<WriteReport> {
  const report: WriteReport = { created: [], kept: [], deleted: [] };
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
        passwordHash: a.password === undefined ? null : await storedHash(a.password),
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

  for (const u of file.users) {
    const existing = await stores.users.get(u.username);
    note(existing === undefined, `user "${u.username}"`);
    if (existing !== undefined) continue; // its password and rights are the operator's now
    const passwordHash = await storedHash(u.password);
    await stores.users.create({ username: u.username, passwordHash, permissions: u.permissions });
  }
  return report;
}

/** A hash from the file is stored as it is; a password in clear is hashed. */
function storedHash(p: PasswordDecl): Promise<string> {
  return 'hash' in p ? Promise.resolve(p.hash) : hashPassword(p.plain);
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
  const local = ref.side === 'local';
  const agents = local ? stores.servers : stores.partners;
  const accounts = local ? stores.localAccounts : stores.remoteAccounts;
  const agentLabel = `${local ? 'server' : 'partner'} "${ref.agent}"`;
  const fail = (what: string): never => {
    throw new FatalError(`import: ${ref.field}: ${what} does not exist`, ExitCode.badConfigValue);
  };
  const agent = (await agents.get(ref.agent)) ?? fail(agentLabel);
  if (ref.login === undefined) return { kind: local ? 'server' : 'partner', id: agent.id };
  const account =
    (await accounts.get(agent.id, ref.login)) ?? fail(`${ref.side} account "${ref.login}" of ${agentLabel}`);
  return { kind: local ? 'localAccount' : 'remoteAccount', id: account.id };
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
