/**
 * `waarp-gatewayd export`: the configuration in the reference's backup format, so that the file
 * imports here or into Waarp Gateway, as its own exporter writes it (pkg/backup/*-export.go):
 *
 * - secrets as the reference writes them: password hashes stay hashes (also as `passwordHash`),
 *   private keys and partner passwords in clear (decrypted with the AES key): the file is secret;
 * - each SSH key a second time in the legacy `certificates` list, and the server folders a second
 *   time in the deprecated `root`, `inDir`, `outDir`, `workDir`, for older readers;
 * - our own additions (`ipAddresses` of a local account, `comment` of a rule) only when set: the
 *   reference ignores fields it does not know.
 */
import type { SecretBox } from '../crypto/secret-box.js';
import { isPasswordHash } from '../crypto/passwords.js';
import { lockedDatabase } from '../db/locked.js';
import type { SqlDatabase } from '../db/sql.js';
import type { Stores } from '../db/stores/index.js';
import { createStores } from '../db/stores/index.js';
import { ExitCode, FatalError } from '../errors.js';
import type { Credential, CredentialOwner, Rule, TaskSpec } from '../model/entities.js';
import { maskToPermissions } from '../model/permissions.js';
import type {
  BackupTarget,
  ReferenceCertificate,
  ReferenceClient,
  ReferenceCredential,
  ReferenceData,
  ReferenceLocalAgent,
  ReferenceRemoteAgent,
  ReferenceRule,
  ReferenceTask,
  ReferenceUser,
} from './reference-format.js';
import { sectionsOf } from './from-reference.js';

/** Every row of a list (the stores page by default). */
const everything = { limit: 2 ** 31 - 1 };

/** Reads the targeted objects in one transaction (one consistent picture) and maps them. */
export async function exportConfiguration(
  db: SqlDatabase,
  owner: string,
  secrets: SecretBox,
  targets: readonly BackupTarget[] = ['all'],
): Promise<ReferenceData> {
  const wanted = sectionsOf(targets);
  return db.transaction(async (tx) => {
    const stores = createStores(lockedDatabase(tx), owner);
    const x = new Exporter(stores, secrets);
    // In the reference's order of the top-level fields; empty sections are left out.
    const data: ReferenceData = {};
    if (wanted.has('locals')) put(data, 'locals', await x.servers());
    if (wanted.has('clients')) put(data, 'clients', await x.clients());
    if (wanted.has('remotes')) put(data, 'remotes', await x.partners());
    if (wanted.has('rules')) put(data, 'rules', await x.rules());
    if (wanted.has('users')) put(data, 'users', await x.users());
    return data;
  });
}

function put<K extends keyof ReferenceData>(data: ReferenceData, key: K, list: ReferenceData[K]): void {
  if (list !== undefined && list.length > 0) data[key] = list;
}

class Exporter {
  constructor(
    private readonly stores: Stores,
    private readonly secrets: SecretBox,
  ) {}

  async servers(): Promise<ReferenceLocalAgent[]> {
    const out: ReferenceLocalAgent[] = [];
    for (const s of await this.stores.servers.all()) {
      const label = `server "${s.name}"`;
      const creds = await this.credentials({ kind: 'server', id: s.id }, label);
      const accounts = [];
      for (const a of await this.stores.localAccounts.list(s.id, everything)) {
        const owner: CredentialOwner = { kind: 'localAccount', id: a.id };
        const stored = await this.credentials(owner, `local account "${a.login}" of ${label}`);
        // The account's password lives in its row here; the reference keeps it as a credential.
        const hash =
          a.passwordHash ?? stored.find((c) => c.type === 'password' && isPasswordHash(c.value))?.value;
        const keys = stored.filter((c) => c.type !== 'password');
        const credentials = hash === undefined || hash === null ? keys : [passwordCredential(hash), ...keys];
        accounts.push({
          login: a.login,
          credentials,
          ...(hash === undefined || hash === null ? {} : { passwordHash: hash }),
          ...certificatesOf(keys),
          ...(a.ipAddresses.length === 0 ? {} : { ipAddresses: a.ipAddresses }),
        });
      }
      out.push({
        name: s.name,
        protocol: s.protocol,
        disabled: !s.enabled,
        address: s.address,
        ...nonEmpty({
          rootDir: s.rootDir,
          receiveDir: s.receiveDir,
          sendDir: s.sendDir,
          tmpReceiveDir: s.tmpReceiveDir,
        }),
        configuration: s.protoConfig,
        accounts,
        credentials: creds,
        ...nonEmpty({
          root: clean(s.rootDir),
          inDir: clean(s.receiveDir),
          outDir: clean(s.sendDir),
          workDir: clean(s.tmpReceiveDir),
        }),
        ...certificatesOf(creds),
      });
    }
    return out;
  }

  async partners(): Promise<ReferenceRemoteAgent[]> {
    const out: ReferenceRemoteAgent[] = [];
    for (const p of await this.stores.partners.list(everything)) {
      const label = `partner "${p.name}"`;
      const creds = await this.credentials({ kind: 'partner', id: p.id }, label);
      const accounts = [];
      for (const a of await this.stores.remoteAccounts.list(p.id, everything)) {
        const owner: CredentialOwner = { kind: 'remoteAccount', id: a.id };
        const credentials = await this.credentials(owner, `remote account "${a.login}" of ${label}`);
        accounts.push({
          login: a.login,
          password: credentials.find((c) => c.type === 'password')?.value ?? '',
          credentials,
          ...certificatesOf(credentials),
        });
      }
      out.push({
        name: p.name,
        address: p.address,
        protocol: p.protocol,
        configuration: p.protoConfig,
        accounts,
        credentials: creds,
        ...certificatesOf(creds),
      });
    }
    return out;
  }

  async clients(): Promise<ReferenceClient[]> {
    return (await this.stores.clients.list(everything)).map((c) => ({
      name: c.name,
      protocol: c.protocol,
      disabled: !c.enabled,
      ...nonEmpty({ localAddress: c.localAddress }),
      protoConfig: c.protoConfig,
      nbOfAttempts: c.nbOfAttempts,
      firstRetryDelay: c.firstRetryDelay,
      retryIncrementFactor: c.retryIncrementFactor,
    }));
  }

  async rules(): Promise<ReferenceRule[]> {
    const out: ReferenceRule[] = [];
    for (const r of await this.stores.rules.list(everything)) {
      const auth = await this.access(r);
      out.push({
        name: r.name,
        isSend: r.isSend,
        path: r.path,
        ...nonEmpty({ localDir: r.localDir, remoteDir: r.remoteDir, tmpLocalRcvDir: r.tmpLocalRcvDir }),
        ...(auth.length === 0 ? {} : { auth }),
        ...tasks('pre', r.preTasks),
        ...tasks('post', r.postTasks),
        ...tasks('error', r.errorTasks),
        ...nonEmpty({ comment: r.comment }),
      });
    }
    return out;
  }

  async users(): Promise<ReferenceUser[]> {
    return (await this.stores.users.list(everything)).map((u) => ({
      username: u.username,
      passwordHash: u.passwordHash,
      permissions: maskToPermissions(u.permissions),
    }));
  }

  /** The rule's access list in the reference's `local::server[::login]` form. */
  async access(rule: Rule): Promise<string[]> {
    const out: string[] = [];
    for (const t of await this.stores.rules.access(rule.id)) {
      switch (t.kind) {
        case 'server':
          out.push(`local::${(await this.stores.servers.getById(t.id))?.name ?? ''}`);
          break;
        case 'partner':
          out.push(`remote::${(await this.stores.partners.getById(t.id))?.name ?? ''}`);
          break;
        case 'localAccount': {
          const a = await this.stores.localAccounts.getById(t.id);
          const s = a && (await this.stores.servers.getById(a.serverId));
          out.push(`local::${s?.name ?? ''}::${a?.login ?? ''}`);
          break;
        }
        case 'remoteAccount': {
          const a = await this.stores.remoteAccounts.getById(t.id);
          const p = a && (await this.stores.partners.getById(a.partnerId));
          out.push(`remote::${p?.name ?? ''}::${a?.login ?? ''}`);
          break;
        }
      }
    }
    return out;
  }

  /** An owner's credentials with their secrets in clear, as the reference exports them. */
  async credentials(owner: CredentialOwner, label: string): Promise<ReferenceCredential[]> {
    const out: ReferenceCredential[] = [];
    for (const c of await this.stores.credentials.list(owner)) {
      out.push({ name: c.name, type: c.type, value: this.reveal(owner, c, label), value2: c.value2 });
    }
    return out;
  }

  reveal(owner: CredentialOwner, c: Credential, label: string): string {
    // Public keys are stored in clear; a local account's password is a hash, exported as one.
    if (c.type === 'ssh_public_key' || (owner.kind === 'localAccount' && c.type === 'password'))
      return c.value;
    try {
      return this.secrets.decrypt(c.value);
    } catch (err) {
      throw new FatalError(
        `export: cannot decrypt the credential "${c.name}" of ${label}: is this the AES key file it was stored with? (${(err as Error).message})`,
        ExitCode.badConfigValue,
        { cause: err },
      );
    }
  }
}

function passwordCredential(hash: string): ReferenceCredential {
  return { name: 'password', type: 'password', value: hash, value2: '' };
}

/** The legacy copy of SSH keys the reference still writes (cred_export.go). */
function certificatesOf(creds: readonly ReferenceCredential[]): { certificates?: ReferenceCertificate[] } {
  const certificates: ReferenceCertificate[] = [];
  for (const c of creds) {
    if (c.type === 'ssh_public_key') certificates.push({ name: c.name, publicKey: c.value });
    if (c.type === 'ssh_private_key') certificates.push({ name: c.name, privateKey: c.value });
  }
  return certificates.length === 0 ? {} : { certificates };
}

function tasks(chain: 'pre' | 'post' | 'error', list: readonly TaskSpec[]): Record<string, ReferenceTask[]> {
  return list.length === 0 ? {} : { [chain]: list.map((t) => ({ type: t.type, args: t.args })) };
}

/** The fields whose value is not empty (Go's `omitempty`). */
function nonEmpty<T extends Record<string, string>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')) as Partial<T>;
}

/** Go's filepath.Clean for the deprecated folder fields (no trailing slash, no `.` steps). */
function clean(path: string): string {
  if (path === '') return '';
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined || '.';
}
