/**
 * Reference backup file → our import shape. Knows the reference's field names, its deprecated
 * fields and aliases, and what its exporter writes twice; checks nothing else (validate.ts
 * does) and writes nothing (daemon/import.ts does).
 *
 * - Deprecated fields fill the field that replaced them when that one is empty: `root`,
 *   `inDir`, `outDir`, `workDir` (servers); `inPath`, `outPath`, `workPath` (rules, by
 *   direction); `certificates` (every owner) become credentials, except those whose name a
 *   credential already has (the exporter writes each SSH key in both lists).
 * - An account's password can be in three places (a `password` credential, `passwordHash`,
 *   `password`): the exporter writes the same value twice; two different values are an error.
 * - Clients' `protoConfig` is the reference's name of our `configuration`.
 * - `null` (Go's empty list or map) is the same as a missing field; so is `""` for passwords
 *   and `value2`, which the exporter always writes.
 * - Sections outside `targets` are dropped unread; unsupported objects are then taken out and
 *   listed (unsupported.ts).
 *
 * Every object of the result is registered in `origins` with its path in the source file, so
 * errors name the field the operator wrote, not its new place.
 */
import type { BackupTarget } from './reference-format.js';
import { backupTargets, targetSections } from './reference-format.js';
import { ImportFileError, joinPath } from './file-error.js';
import type { UnsupportedItem } from './unsupported.js';
import { removeUnsupported, unsupportedAgents } from './unsupported.js';

export interface Origin {
  /** Where the object (or list) is in the source file. */
  readonly at: string;
  /** Source paths of fields that were taken from another field (deprecated, alias). */
  readonly fields?: Readonly<Record<string, string>>;
  /** For a list: the source path of each element. */
  readonly items?: readonly string[];
}
export type Origins = WeakMap<object, Origin>;

export interface MappedFile {
  /** Our import shape (`locals`, `remotes`, `clients`, `rules`, `users`), still unchecked. */
  readonly doc: unknown;
  readonly origins: Origins;
  /** What was taken out because this gateway does not implement it. */
  readonly unsupported: readonly UnsupportedItem[];
  /** Deprecated fields whose value was used (the modern field was empty). */
  readonly deprecated: readonly string[];
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Top-level sections we map; the others either are unsupported or are typos. */
const knownSections = new Set(Object.values(targetSections));

export function fromReference(
  json: unknown,
  source: string,
  targets: readonly BackupTarget[] = ['all'],
): MappedFile {
  const m = new Mapper(source);
  if (!isObj(json)) return { doc: json, origins: m.origins, unsupported: [], deprecated: [] };
  // Named from the whole file: a rule imported alone must still drop access to a skipped agent.
  const agents = unsupportedAgents(json);
  const wanted = sectionsOf(targets);
  const doc: Obj = {};
  for (const [key, value] of Object.entries(json)) {
    if (knownSections.has(key) && !wanted.has(key)) continue;
    if (value === null) continue;
    doc[key] = m.section(key, value);
  }
  m.origins.set(doc, { at: '' });
  const unsupported = removeUnsupported(doc, m.origins, agents);
  return { doc, origins: m.origins, unsupported, deprecated: m.deprecated };
}

export function sectionsOf(targets: readonly BackupTarget[]): Set<string> {
  const all = targets.includes('all') ? backupTargets.filter((t) => t !== 'all') : targets;
  return new Set(all.map((t) => targetSections[t as Exclude<BackupTarget, 'all'>]));
}

type Source = { readonly value: unknown; readonly path: string; readonly hashField?: boolean };

/** The password fields of an account or a user, hash first. */
function passwordFields(v: Obj, at: string): Source[] {
  return [
    { value: v.passwordHash, path: joinPath(at, 'passwordHash'), hashField: true },
    { value: v.password, path: joinPath(at, 'password') },
  ];
}

class Mapper {
  readonly origins: Origins = new WeakMap();
  readonly deprecated: string[] = [];

  constructor(private readonly source: string) {}

  section(key: string, value: unknown): unknown {
    switch (key) {
      case 'locals':
        return this.list(value, key, (v, at) => this.server(v, at));
      case 'remotes':
        return this.list(value, key, (v, at) => this.partner(v, at));
      case 'clients':
        return this.list(value, key, (v, at) => this.client(v, at));
      case 'rules':
        return this.list(value, key, (v, at) => this.rule(v, at));
      case 'users':
        return this.list(value, key, (v, at) => this.user(v, at));
      default:
        return value; // unsupported sections and typos: reported later
    }
  }

  list(v: unknown, at: string, item: (v: unknown, at: string) => unknown): unknown {
    if (!Array.isArray(v)) return v;
    const items = v.map((_, i) => `${at}[${i}]`);
    const out = v.map((x, i) => item(x, items[i] ?? at));
    this.origins.set(out, { at, items });
    return out;
  }

  /** A copy without `drop` and without nulls, registered at `at`. */
  copy(o: Obj, at: string, drop: readonly string[], fields: Record<string, string> = {}): Obj {
    const out: Obj = {};
    for (const [k, v] of Object.entries(o)) if (v !== null && !drop.includes(k)) out[k] = v;
    this.origins.set(out, { at, fields });
    return out;
  }

  /** Fills `modern` from a deprecated field when `modern` is empty. */
  fallback(
    src: Obj,
    out: Obj,
    fields: Record<string, string>,
    at: string,
    old: string,
    modern: string,
  ): void {
    const v = src[old];
    if (v === undefined || v === null || v === '') return;
    if (out[modern] !== undefined && out[modern] !== '') return;
    out[modern] = v;
    fields[modern] = joinPath(at, old);
    this.deprecated.push(joinPath(at, old));
  }

  server(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const fields: Record<string, string> = {};
    const out = this.copy(v, at, ['root', 'inDir', 'outDir', 'workDir', 'certificates'], fields);
    this.fallback(v, out, fields, at, 'root', 'rootDir');
    this.fallback(v, out, fields, at, 'inDir', 'receiveDir');
    this.fallback(v, out, fields, at, 'outDir', 'sendDir');
    this.fallback(v, out, fields, at, 'workDir', 'tmpReceiveDir');
    return this.agent(v, out, at, (a, p) => this.localAccount(a, p));
  }

  partner(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const out = this.copy(v, at, ['certificates']);
    return this.agent(v, out, at, (a, p) => this.remoteAccount(a, p));
  }

  /** What servers and partners share: their credentials and their list of accounts. */
  agent(v: Obj, out: Obj, at: string, account: (v: unknown, at: string) => unknown): Obj {
    this.setCredentials(v, out, at);
    if (out.accounts !== undefined) out.accounts = this.list(out.accounts, joinPath(at, 'accounts'), account);
    return out;
  }

  localAccount(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const fields: Record<string, string> = {};
    const out = this.copy(v, at, ['certificates', 'password', 'passwordHash'], fields);
    const fromCredentials = this.setCredentials(v, out, at, true);
    this.setPassword(out, fields, at, [...fromCredentials, ...passwordFields(v, at)]);
    return out;
  }

  remoteAccount(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const fields: Record<string, string> = {};
    const out = this.copy(v, at, ['certificates', 'password'], fields);
    const fromCredentials = this.setCredentials(v, out, at, true);
    this.setPassword(out, fields, at, [
      ...fromCredentials,
      { value: v.password, path: joinPath(at, 'password') },
    ]);
    return out;
  }

  client(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const fields: Record<string, string> = {};
    const out = this.copy(v, at, ['protoConfig'], fields);
    if (v.protoConfig !== undefined && v.protoConfig !== null) {
      if (out.configuration !== undefined) {
        this.fail(
          joinPath(at, 'protoConfig'),
          'and "configuration" are the same field (protoConfig is its reference name): give one',
        );
      }
      out.configuration = v.protoConfig;
      fields.configuration = joinPath(at, 'protoConfig');
    }
    return out;
  }

  rule(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const fields: Record<string, string> = {};
    const out = this.copy(v, at, ['inPath', 'outPath', 'workPath'], fields);
    // The reference's mapping of the old paths depends on the direction; without a valid
    // direction they cannot be placed, and the check of `isSend` says why.
    if (typeof v.isSend === 'boolean') {
      this.fallback(v, out, fields, at, 'inPath', v.isSend ? 'remoteDir' : 'localDir');
      this.fallback(v, out, fields, at, 'outPath', v.isSend ? 'localDir' : 'remoteDir');
    }
    this.fallback(v, out, fields, at, 'workPath', 'tmpLocalRcvDir');
    for (const chain of ['pre', 'post', 'error']) {
      if (out[chain] !== undefined)
        out[chain] = this.list(out[chain], joinPath(at, chain), (t, p) =>
          isObj(t) ? this.copy(t, p, []) : t,
        );
    }
    return out;
  }

  user(v: unknown, at: string): unknown {
    if (!isObj(v)) return v;
    const fields: Record<string, string> = {};
    const out = this.copy(v, at, ['password', 'passwordHash'], fields);
    this.setPassword(out, fields, at, passwordFields(v, at));
    if (isObj(out.permissions)) out.permissions = this.copy(out.permissions, joinPath(at, 'permissions'), []);
    return out;
  }

  /**
   * Sets `out.credentials`: the credentials, then the legacy certificates no credential
   * already names. With `takePasswords`, `password` credentials are taken out and returned.
   */
  setCredentials(src: Obj, out: Obj, at: string, takePasswords = false): Source[] {
    const creds = src.credentials ?? [];
    const certs = src.certificates ?? [];
    if (!Array.isArray(certs)) this.fail(joinPath(at, 'certificates'), 'must be an array');
    if (!Array.isArray(creds)) return []; // validate.ts says so, at its place
    const list: unknown[] = [];
    const items: string[] = [];
    const passwords: Source[] = [];
    creds.forEach((c, i) => {
      const path = `${joinPath(at, 'credentials')}[${i}]`;
      if (takePasswords && isObj(c) && c.type === 'password') {
        passwords.push({ value: c.value, path: joinPath(path, 'value') });
        return;
      }
      list.push(this.credential(c, path));
      items.push(path);
    });
    const names = new Set(creds.filter(isObj).map((c) => c.name ?? c.type));
    certs.forEach((c, i) => {
      if (isObj(c) && names.has(c.name)) return; // the legacy copy of a credential
      const path = `${joinPath(at, 'certificates')}[${i}]`;
      list.push(this.certificate(c, path));
      items.push(path);
    });
    if (list.length > 0 || src.credentials !== undefined) {
      out.credentials = list;
      this.origins.set(list, { at: joinPath(at, 'credentials'), items });
    }
    return passwords;
  }

  credential(c: unknown, at: string): unknown {
    return isObj(c) ? this.copy(c, at, c.value2 === '' ? ['value2'] : []) : c;
  }

  certificate(c: unknown, at: string): unknown {
    if (!isObj(c)) return c;
    const fields: Record<string, string> = {};
    const out = this.copy(c, at, ['publicKey', 'privateKey', 'Certificate'], fields);
    const has = (k: string): boolean => c[k] !== undefined && c[k] !== null && c[k] !== '';
    const take = (type: string, key: string): void => {
      out.type = type;
      out.value = c[key];
      fields.type = at;
      fields.value = joinPath(at, key);
    };
    if (has('Certificate')) {
      take(has('privateKey') ? 'tls_certificate' : 'trusted_tls_certificate', 'Certificate');
      if (has('privateKey')) {
        out.value2 = c.privateKey;
        fields.value2 = joinPath(at, 'privateKey');
      }
    } else if (has('publicKey')) take('ssh_public_key', 'publicKey');
    else if (has('privateKey')) take('ssh_private_key', 'privateKey');
    else this.fail(at, 'has none of "publicKey", "privateKey", "Certificate"');
    this.deprecated.push(at);
    return out;
  }

  /** The account's one password, from the first place that has one; the others must agree. */
  onePassword(at: string, sources: readonly Source[]): Source | undefined {
    const given = sources.filter((s) => s.value !== undefined && s.value !== null && s.value !== '');
    const [first, ...others] = given;
    for (const other of others) {
      if (JSON.stringify(other.value) !== JSON.stringify(first?.value)) {
        this.fail(
          other.path,
          `differs from ${first?.path ?? at}: an account has one password, give it in one place`,
        );
      }
    }
    return first;
  }

  /** Sets `password` or `passwordHash` (as the source is) to the one password of `sources`. */
  setPassword(out: Obj, fields: Record<string, string>, at: string, sources: readonly Source[]): void {
    const chosen = this.onePassword(at, sources);
    if (chosen === undefined) return;
    const key = chosen.hashField === true ? 'passwordHash' : 'password';
    out[key] = chosen.value;
    fields[key] = chosen.path;
  }

  fail(at: string, reason: string): never {
    throw new ImportFileError(this.source, at, reason);
  }
}
