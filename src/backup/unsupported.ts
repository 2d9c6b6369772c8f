/**
 * The reference's objects this gateway does not implement: taken out of a mapped file and
 * listed, one line each, so that the import can refuse the file (or, when the operator asks,
 * import the rest and say what it left). Only what the reference itself accepts is listed here;
 * anything else is an error of the file (validate.ts).
 *
 * - The sections `clouds`, `snmpConfig`, `authorities`, `cryptoKeys`, `emailConfig`,
 *   `filewatchers` (when they hold anything).
 * - Servers, partners and clients of another protocol than SFTP, with their accounts.
 * - Credential types the reference accepts on SFTP objects but we do not (TLS certificates,
 *   server and partner passwords).
 * - Rules with a task we do not implement: a rule without one of its tasks would do something
 *   else with the files (skip an encryption, say), so the whole rule is left.
 * - Access entries naming a skipped server or partner. A rule whose entries all go is left
 *   too: with an empty list it would be open to everyone.
 */
import type { Obj, Origins } from './from-reference.js';
import { isObj } from './from-reference.js';
import { joinPath } from './file-error.js';
import {
  referenceProtocols,
  referenceSftpCredentials,
  referenceTaskTypes,
  unsupportedSections,
} from './reference-format.js';
import type { CredentialOwnerKind } from './supported.js';
import { ownerLabels, supportedCredentials, supportedProtocols, taskTypes } from './supported.js';

export interface UnsupportedItem {
  /** Path in the source file. */
  readonly at: string;
  readonly what: string;
  readonly why: string;
}

export interface SkippedAgents {
  readonly servers: ReadonlySet<string>;
  readonly partners: ReadonlySet<string>;
}

const known = <T extends string>(list: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (list as readonly string[]).includes(v);

const isUnsupportedProtocol = (p: unknown): boolean =>
  known(referenceProtocols, p) && !known(supportedProtocols, p);

/** Names of the servers and partners of the whole file that will be skipped. */
export function unsupportedAgents(json: Obj): SkippedAgents {
  const names = (section: unknown): Set<string> =>
    new Set(
      (Array.isArray(section) ? section : [])
        .filter((a): a is Obj => isObj(a) && isUnsupportedProtocol(a.protocol) && typeof a.name === 'string')
        .map((a) => a.name as string),
    );
  return { servers: names(json.locals), partners: names(json.remotes) };
}

/** Takes the unsupported objects out of `doc` (in place) and lists them. */
export function removeUnsupported(doc: Obj, origins: Origins, agents: SkippedAgents): UnsupportedItem[] {
  const items: UnsupportedItem[] = [];

  for (const [section, why] of Object.entries(unsupportedSections)) {
    if (!(section in doc)) continue;
    if (hasContent(doc[section])) items.push({ at: section, what: describeSection(doc[section]), why });
    delete doc[section];
  }
  const filter = (list: unknown, listAt: string, keep: (x: unknown, at: string) => boolean): unknown =>
    keepWhere(list, origins, listAt, keep);

  const credentials = (owner: Obj, kind: CredentialOwnerKind, label: string): void => {
    if (owner.credentials === undefined) return;
    const ownerAt = origins.get(owner)?.at ?? '';
    owner.credentials = filter(owner.credentials, joinPath(ownerAt, 'credentials'), (c, at) => {
      if (!isObj(c) || typeof c.type !== 'string') return true;
      const type: string = c.type;
      const accepted: readonly string[] = referenceSftpCredentials[kind];
      const ours: readonly string[] = supportedCredentials[kind];
      if (!accepted.includes(type) || ours.includes(type)) return true;
      const name = typeof c.name === 'string' ? c.name : type;
      items.push({ at, what: `credential "${name}" (${type}) of ${label}`, why: credentialWhy(type, kind) });
      return false;
    });
  };

  const filterAgents = (
    section: 'locals' | 'remotes',
    kind: 'server' | 'partner',
    account: CredentialOwnerKind,
  ): void => {
    doc[section] = filter(doc[section], section, (a, at) => {
      if (!isObj(a)) return true;
      const label = `${kind} "${String(a.name)}"`;
      if (isUnsupportedProtocol(a.protocol)) {
        const n = Array.isArray(a.accounts) ? a.accounts.length : 0;
        const accounts = n === 0 ? '' : ` and its ${n} account${n === 1 ? '' : 's'}`;
        items.push({ at, what: `${label} (${String(a.protocol)})${accounts}`, why: protocolWhy });
        return false;
      }
      credentials(a, kind, label);
      if (Array.isArray(a.accounts)) {
        for (const acc of a.accounts) {
          if (isObj(acc))
            credentials(acc, account, `${ownerLabels[account]} "${String(acc.login)}" of ${label}`);
        }
      }
      return true;
    });
  };
  filterAgents('locals', 'server', 'localAccount');
  filterAgents('remotes', 'partner', 'remoteAccount');

  doc.clients = filter(doc.clients, 'clients', (c, at) => {
    if (!isObj(c) || !isUnsupportedProtocol(c.protocol)) return true;
    items.push({ at, what: `client "${String(c.name)}" (${String(c.protocol)})`, why: protocolWhy });
    return false;
  });
  if (doc.clients === undefined) delete doc.clients;

  doc.rules = filter(doc.rules, 'rules', (r, at) =>
    isObj(r) ? keepRule(r, at, origins, agents, items) : true,
  );
  for (const key of ['locals', 'remotes', 'rules']) if (doc[key] === undefined) delete doc[key];
  return items;
}

const protocolWhy = `only ${supportedProtocols.join(', ')} is implemented here`;

function credentialWhy(type: unknown, kind: CredentialOwnerKind): string {
  if (type === 'password') return `SFTP does not use a password of a ${ownerLabels[kind]}`;
  return 'TLS certificates are not implemented here (SFTP authenticates with SSH keys)';
}

function keepRule(
  r: Obj,
  at: string,
  origins: Origins,
  agents: SkippedAgents,
  items: UnsupportedItem[],
): boolean {
  const label = `${r.isSend === true ? 'send' : 'receive'} rule "${String(r.name)}"`;
  const missing = new Set<string>();
  for (const chain of ['pre', 'post', 'error']) {
    const tasks = r[chain];
    if (!Array.isArray(tasks)) continue;
    for (const t of tasks) {
      const type = isObj(t) && typeof t.type === 'string' ? t.type.toUpperCase() : undefined;
      if (known(referenceTaskTypes, type) && !known(taskTypes, type)) missing.add(type);
    }
  }
  if (missing.size > 0) {
    const list = [...missing].join(', ');
    items.push({ at, what: label, why: `task${missing.size === 1 ? '' : 's'} ${list} not implemented here` });
    return false;
  }
  if (!Array.isArray(r.auth)) return true;
  const dropped: UnsupportedItem[] = [];
  const kept = keepWhere(r.auth, origins, joinPath(at, 'auth'), (entry, path) => {
    const skipped = skippedAgentOf(entry, agents);
    if (skipped !== undefined)
      dropped.push({
        at: path,
        what: `access "${String(entry)}" of ${label}`,
        why: `names the skipped ${skipped}`,
      });
    return skipped === undefined;
  }) as unknown[];
  if (dropped.length > 0 && kept.length === 0) {
    items.push({
      at,
      what: label,
      why: 'its access list names only skipped servers or partners: without them it would be open to everyone',
    });
    return false;
  }
  items.push(...dropped);
  r.auth = kept;
  return true;
}

/** The elements of a list for which `keep` is true; their source paths follow them. */
function keepWhere(
  list: unknown,
  origins: Origins,
  listAt: string,
  keep: (x: unknown, at: string) => boolean,
): unknown {
  if (!Array.isArray(list)) return list;
  const origin = origins.get(list);
  const kept: unknown[] = [];
  const items: string[] = [];
  list.forEach((x, i) => {
    const at = origin?.items?.[i] ?? `${origin?.at ?? listAt}[${i}]`;
    if (!keep(x, at)) return;
    kept.push(x);
    items.push(at);
  });
  origins.set(kept, { at: origin?.at ?? listAt, items });
  return kept;
}

function skippedAgentOf(entry: unknown, agents: SkippedAgents): string | undefined {
  if (typeof entry !== 'string') return undefined;
  const [side, name] = entry.split('::');
  if (name === undefined) return undefined;
  if (side === 'local' && agents.servers.has(name)) return `server "${name}"`;
  if (side === 'remote' && agents.partners.has(name)) return `partner "${name}"`;
  return undefined;
}

/** Whether a section holds anything (Go writes empty structures for some). */
function hasContent(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.values(v).some(hasContent);
  return v !== undefined && v !== null && v !== '' && v !== false && v !== 0;
}

function describeSection(v: unknown): string {
  if (Array.isArray(v)) return `${v.length} object${v.length === 1 ? '' : 's'}`;
  if (isObj(v)) {
    const parts = Object.entries(v)
      .filter(([, x]) => hasContent(x))
      .map(([k, x]) => (Array.isArray(x) ? `${x.length} ${k}` : k));
    return parts.join(', ');
  }
  return 'a value';
}
